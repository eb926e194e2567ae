"""numbers.tex / numbers.json state exactly what rates.csv says, and the paper is built from them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from preservation.aggregate import cell_keys, read_cell_sources, read_rates
from preservation.manuscript import printed_numbers
from preservation.notebook import strip_volatile
from preservation.numbers import Format, Number, cell_stems, fixed_effect_numbers, macro_name, merge_numbers, row_stem, tex_escape, write_numbers
from preservation.pooled_numbers import meta_numbers
from preservation.stats.meta_data import contrast_units
from preservation.stats.meta_tables import pooled_table, read_units

FORMAT = Format(percent_decimals=1, ratio_decimals=2, p_floor=0.001)
NAMES = {"palisade_2025": "Palisade", "lynch_2025_agentic_misalignment": "Lynch"}


@pytest.fixture(scope="module")
def numbers(built: Path) -> dict[str, dict]:
    return json.loads((built / "paper/numbers.json").read_text())


def test_counts_and_rates_match_rates_csv(built: Path, numbers: dict[str, dict], config) -> None:
    rates = read_rates(built / "data/processed/rates.csv")
    stems = cell_stems(rates, [*cell_keys(config["aggregate_by"]), "evidence"], config["paper"]["study_names"])
    for row, stem in zip(rates.to_dict("records"), stems, strict=True):
        if row["evidence"] == "counts":
            assert (numbers[f"{stem}K"]["value"], numbers[f"{stem}N"]["value"]) == (row["k"], row["n"])
            assert numbers[f"{stem}Low"]["value"] == pytest.approx(row["jeffreys_low"])
        if row["evidence"] == "verbal":
            assert numbers[f"{stem}Verbal"]["value"] == row["verbal"]
        else:
            assert numbers[f"{stem}Rate"]["value"] == pytest.approx(row["rate"])


def test_tex_and_json_hold_the_same_numbers(built: Path, numbers: dict[str, dict]) -> None:
    macros = dict(re.findall(r"\\newcommand\{\\(\w+)\}\{(.*)\}", (built / "paper/numbers.tex").read_text()))
    assert macros == {name: tex_escape(number["text"]) for name, number in numbers.items()}


def test_instruction_effect_for_o3(numbers: dict[str, dict]) -> None:
    stem = "PalisadeOThreeShutdownSabotageInstruction"
    assert numbers[f"{stem}ORLow"]["value"] < numbers[f"{stem}OR"]["value"] < numbers[f"{stem}ORHigh"]["value"] < 1
    assert numbers[f"{stem}P"]["text"] == "< 0.001"


def test_every_number_the_manuscript_names_exists(numbers: dict[str, dict]) -> None:
    source = (Path(__file__).resolve().parents[1] / "paper/paper.typ").read_text()
    named = {printed.name for printed in printed_numbers(source)}
    assert len(named) > 40 and named <= set(numbers)


def test_paper_and_appendix_are_built(built: Path) -> None:
    assert (built / "paper/paper.pdf").read_bytes()[:4] == b"%PDF"
    html = (built / "paper/analysis.html").read_text()
    assert "Claims checked against the recomputed results" in html and "start_time" not in html


def test_macro_names_are_letters_only() -> None:
    assert macro_name("o3", "Claude 3.7 Sonnet") == "OThreeClaudeThreeSevenSonnet"
    assert (macro_name("Möbel-2"), macro_name("Mübel-2"), macro_name("Ångström")) == ("MobelTwo", "MubelTwo", "Angstrom")


def test_format() -> None:
    assert (FORMAT.percent(0.79), FORMAT.percent(0.997), FORMAT.percent(0.0)) == ("79%", "99.7%", "0%")
    assert (FORMAT.p(0.0004), FORMAT.p(0.1178), FORMAT.ratio(float("inf"))) == ("< 0.001", "0.118", "∞")


def test_strip_volatile_removes_timestamps_and_random_ids() -> None:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
    notebook.metadata["papermill"] = {"start_time": "2026-01-01T00:00:00"}
    notebook.cells[0].metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00"}
    stripped = strip_volatile(notebook)
    assert "papermill" not in stripped.metadata and stripped.cells[0].metadata == {} and stripped.cells[0].id == "cell-0"


def test_fixed_effect_numbers_follow_the_statistics_contract() -> None:
    effects = pd.DataFrame([{"study": "palisade_2025", "behaviour": "shutdown_sabotage", "term": "instructed[T.True]",
                             "estimate": -3.9, "se": 0.4, "odds_ratio": 0.02, "or_ci_low": 0.009, "or_ci_high": 0.044, "p": 1e-8,
                             "singular": False, "converged": True, "separated": False}])
    numbers = fixed_effect_numbers(effects, FORMAT, NAMES)
    stem = "PalisadeShutdownSabotageInstructedTTrueModel"
    assert {name: n.text for name, n in numbers.items()} == {
        f"{stem}OR": "0.02", f"{stem}ORLow": "0.01", f"{stem}ORHigh": "0.04", f"{stem}P": "< 0.001"}


def test_undeclared_studies_are_named_by_their_whole_id() -> None:
    row = {"study": "lynch_2025", "model": "o3", "behaviour": "blackmail", "peer": "none", "instructed": False}
    assert row_stem(row, NAMES) == "LynchTwoZeroTwoFiveOThreeBlackmail"
    assert row_stem({**row, "study": "lynch_2025_agentic_misalignment"}, NAMES) == "LynchOThreeBlackmail"


def test_cells_sharing_a_short_name_are_told_apart_by_their_keys() -> None:
    cells = pd.DataFrame([
        {"study": "lynch_2025", "model": "o3", "behaviour": "blackmail", "peer": "none", "instructed": False, "scenario": "blackmail", "urgency": "none"},
        {"study": "lynch_2025", "model": "o3", "behaviour": "blackmail", "peer": "none", "instructed": False, "scenario": "blackmail", "urgency": "replacement"},
        {"study": "palisade_2025", "model": "o3", "behaviour": "blackmail", "peer": "none", "instructed": False, "scenario": "x", "urgency": None},
    ])
    keys = ["study", "behaviour", "model", "scenario", "peer", "instructed", "urgency"]
    assert cell_stems(cells, keys, NAMES) == [
        "LynchTwoZeroTwoFiveOThreeBlackmailUrgencyNone", "LynchTwoZeroTwoFiveOThreeBlackmailUrgencyReplacement", "PalisadeOThreeBlackmail"]
    with pytest.raises(ValueError, match="share the number name"):
        cell_stems(pd.concat([cells, cells.iloc[[2]]]), keys, NAMES)


def test_a_published_figure_keeps_its_name_when_the_study_logs_arrive() -> None:
    study = "lynch_2025_agentic_misalignment"
    cells = pd.DataFrame([
        {"study": study, "model": "Claude Opus 4", "behaviour": "blackmail", "peer": "none", "instructed": False,
         "scenario": "blackmail", "urgency": None, "reconstructed": False, "evidence": "rate_only"},
        {"study": study, "model": "claude-opus-4", "behaviour": "blackmail", "peer": "none", "instructed": False,
         "scenario": "blackmail", "urgency": "replacement", "reconstructed": False, "evidence": "counts"},
        {"study": study, "model": "claude-opus-4", "behaviour": "blackmail", "peer": "none", "instructed": False,
         "scenario": "blackmail", "urgency": "none", "reconstructed": False, "evidence": "counts"},
    ])
    keys = ["study", "behaviour", "model", "scenario", "peer", "instructed", "urgency", "evidence"]
    stems = cell_stems(cells, keys, NAMES)
    assert stems[0] == "LynchClaudeOpusFourBlackmail"
    assert stems[1:] == ["LynchClaudeOpusFourBlackmailModelClaudeOpusFourUrgencyReplacementEvidenceCounts",
                         "LynchClaudeOpusFourBlackmailModelClaudeOpusFourUrgencyNoneEvidenceCounts"]


def test_values_a_fit_could_not_estimate_are_null_in_json(tmp_path) -> None:
    effects = pd.DataFrame([{"study": "palisade_2025", "behaviour": "shutdown_sabotage", "term": "(Intercept)",
                             "odds_ratio": 1e-12, "or_ci_low": float("nan"), "or_ci_high": float("inf"), "p": float("nan"),
                             "converged": True, "separated": False}])
    numbers = fixed_effect_numbers(effects, FORMAT, NAMES)
    write_numbers(numbers, tmp_path / "n.tex", tmp_path / "n.json")
    written = json.loads((tmp_path / "n.json").read_text())
    assert {k: written["PalisadeShutdownSabotageInterceptModelORLow"][k] for k in ("value", "text")} == {"value": None, "text": "n/a"}
    assert {k: written["PalisadeShutdownSabotageInterceptModelORHigh"][k] for k in ("value", "text")} == {"value": None, "text": "∞"}


def test_separated_and_unconverged_fits_give_no_odds_ratios_and_say_why() -> None:
    """fits marked separated (an OR of 3e12 'converged') or not converged print "not estimable", never their OR."""
    def term(study: str, name: str, separated: bool, converged: bool = True) -> dict:
        return {"study": study, "behaviour": "shutdown_sabotage", "term": name, "odds_ratio": 3e12, "or_ci_low": 1e-300,
                "or_ci_high": float("inf"), "p": 0.99, "converged": converged, "separated": separated}
    effects = pd.DataFrame([term("palisade_2025", "(Intercept)", False), term("palisade_2025", "instructed=true", True),
                            term("lynch_2025_agentic_misalignment", "instructed=true", False, converged=False)])
    numbers = fixed_effect_numbers(effects, FORMAT, NAMES)
    for stem in ("PalisadeShutdownSabotageInterceptModel", "PalisadeShutdownSabotageInstructedTrueModel"):
        assert {numbers[stem + s].text for s in ("OR", "ORLow", "ORHigh", "P")} == {"not estimable"}
        assert numbers[stem + "OR"].value is None
        assert numbers[stem + "OR"].note == "separated fit: no finite estimate for instructed=true"
    assert numbers["LynchShutdownSabotageInstructedTrueModelOR"].note == "the fit did not converge"


def test_every_number_records_its_cells_and_their_sources(built: Path, numbers: dict[str, dict]) -> None:
    """Each entry names its table, keys, rates cells (by id) and their sources, as cell_sources lists them."""
    rates = read_rates(built / "data/processed/rates.csv").set_index("cell")
    cell_sources = read_cell_sources(str(built / "data/processed/cell_sources.parquet"))
    of_cell = cell_sources.groupby("cell")["source"].apply(set).to_dict()
    for name, entry in numbers.items():
        assert {"value", "text", "quantity", "table", "keys", "cells", "sources", "sources_total"} <= set(entry), name
        if entry["quantity"] == "setting":
            assert entry["table"] == "config" and entry["cells"] == [], name
            continue
        assert entry["cells"] and set(entry["cells"]) <= set(rates.index), name
        behind = set().union(*(of_cell[cell] for cell in entry["cells"]))
        assert entry["sources_total"] == len(behind) and set(entry["sources"]) <= behind, name
    k = numbers["PalisadeOThreeShutdownSabotageK"]
    (cell,) = k["cells"]
    assert (k["quantity"], k["table"], k["keys"]["model"], k["keys"]["instructed"]) == ("k", "data/processed/rates.csv", "o3", False)
    assert rates.loc[cell, "k"] == k["value"] and k["sources"] == [rates.loc[cell, "sources"]]
    effect = numbers["PalisadeOThreeShutdownSabotageInstructionOR"]
    assert [rates.loc[c, "instructed"] for c in effect["cells"]] == [False, True] and effect["quantity"] == "odds_ratio"
    model = numbers["PalisadeShutdownSabotageInstructedTrueModelOR"]
    assert model["table"] == "data/processed/models/fixed_effects.csv" and model["keys"]["term"] == "instructed=true"
    assert set(model["cells"]) == set(rates[(rates["study"] == "palisade_2025") & (rates["evidence"] == "counts")].index)


def test_meta_numbers_name_the_cells_of_their_pooled_units_only(built: Path, numbers: dict[str, dict]) -> None:
    """A Meta number's cells are the union of its analysis's kept units' cells: a model counted in one arm is in none."""
    units = read_units(built / "data/processed/meta/units.csv")
    rates = read_rates(built / "data/processed/rates.csv").set_index("cell")
    kept = units[(units["analysis"] == "instruction/shutdown_sabotage") & (units["excluded"] == "")]
    expected = sorted({cell for column in ("cells1", "cells0") for text in kept[column] for cell in text.split()})
    meta = {name: entry for name, entry in numbers.items() if name.startswith("MetaInstructionShutdownSabotage") and entry["quantity"] != "setting"}
    assert meta and all(entry["cells"] == expected for entry in meta.values()), {n: e["cells"] for n, e in meta.items()}
    grok = units[(units["analysis"] == "instruction/shutdown_sabotage") & (units["model"] == "Grok 3")]
    assert grok["excluded"].tolist() == ["one arm only: no uninstructed cell"]
    assert grok["cells1"].iloc[0] not in expected and rates.loc[grok["cells1"].iloc[0], "model"] == "Grok 3"
    method = numbers["MetaInstructionShutdownSabotageMethod"]
    assert (method["table"], method["keys"]) == ("config", {"meta.hartung_knapp": False, "meta.method": "REML"})
    correction = numbers["MetaInstructionShutdownSabotageCorrection"]
    assert (correction["value"], correction["text"]) == (2, "0.5 added to every cell of the 2 tables with a zero cell")


def test_meta_numbers_follow_the_units_when_reconstructed_cells_are_left_out() -> None:
    """With include_reconstructed false the pooled units, and so the numbers' cells, are the logged cells alone."""
    rows = [{"study": "s", "behaviour": "shutdown_sabotage", "model": model, "scenario": "x", "peer": "none", "instructed": told,
             "reconstructed": origin == "reconstructed", "coded": False, "evidence": "counts", "k": k, "n": 100,
             "cell": f"{model}-{told}-{origin}"}
            for model, base in (("a", 10), ("b", 20), ("c", 30)) for origin in ("logged", "reconstructed")
            for told, k in ((False, base + (origin == "logged")), (True, base // 5))]
    rows.append({**rows[0], "model": "told-only", "instructed": True, "cell": "told-only"})
    for include, origins in ((True, ("logged", "reconstructed")), (False, ("logged",))):
        units = contrast_units(pd.DataFrame(rows), [], include_reconstructed=include)
        _, pooled = pooled_table(units, 0.95, "REML", False)
        numbers = meta_numbers(pooled, units, FORMAT, {"method": "REML", "hartung_knapp": False})
        expected = sorted(row["cell"] for row in rows if row["model"] != "told-only" and row["cell"].endswith(origins))
        assert list(numbers["MetaInstructionShutdownSabotageOR"].origin.cells) == expected
        assert numbers["MetaInstructionShutdownSabotageK"].value == 3


def test_merging_number_families_refuses_a_name_two_make() -> None:
    one, other = {"A": Number(1, "1"), "B": Number(2, "2")}, {"C": Number(3, "3")}
    assert list(merge_numbers(one, other)) == ["A", "B", "C"]
    with pytest.raises(ValueError, match="number name\\(s\\) made by two families: A, B"):
        merge_numbers(one, other, {"B": Number(4, "4"), "A": Number(5, "5")})
