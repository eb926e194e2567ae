"""numbers.tex / numbers.json state exactly what rates.csv says, and the paper is built from them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from preservation.aggregate import read_rates
from preservation.notebook import strip_volatile
from preservation.numbers import Format, fixed_effect_numbers, macro_name, row_stem, tex_escape

FORMAT = Format(percent_decimals=1, ratio_decimals=2, p_floor=0.001)


@pytest.fixture(scope="module")
def numbers(built: Path) -> dict[str, dict]:
    return json.loads((built / "paper/numbers.json").read_text())


def test_counts_and_rates_match_rates_csv(built: Path, numbers: dict[str, dict]) -> None:
    rates = read_rates(built / "data/processed/rates.csv")
    for row in rates.to_dict("records"):
        stem = row_stem(row)
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
    named = set(re.findall(r'(?<![\w-])n\("(\w+)"\)', source))
    for helper, suffixes in (("kn", ("K", "N")), ("ci", ("Low", "High")), ("effect", ("InstructionOR", "InstructionP"))):
        named |= {stem + s for stem in re.findall(rf'(?<![\w-]){helper}\("(\w+)"\)', source) for s in suffixes}
    assert named and named <= set(numbers)


def test_paper_and_appendix_are_built(built: Path) -> None:
    assert (built / "paper/paper.pdf").read_bytes()[:4] == b"%PDF"
    html = (built / "paper/analysis.html").read_text()
    assert "Claims checked against the recomputed results" in html and "start_time" not in html


def test_macro_names_are_letters_only() -> None:
    assert macro_name("o3", "Claude 3.7 Sonnet") == "OThreeClaudeThreeSevenSonnet"


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
                             "estimate": -3.9, "se": 0.4, "odds_ratio": 0.02, "or_low": 0.009, "or_high": 0.044, "p": 1e-8}])
    numbers = fixed_effect_numbers(effects, FORMAT)
    stem = "PalisadeShutdownSabotageInstructedTTrueModel"
    assert {name: n.text for name, n in numbers.items()} == {
        f"{stem}OR": "0.02", f"{stem}ORLow": "0.01", f"{stem}ORHigh": "0.04", f"{stem}P": "< 0.001"}
