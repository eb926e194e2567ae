"""The reviewer's page: its links resolve, and a number's cell and trial rows are the right ones from trials.parquet."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import trial, write_jsonl
from preservation import aggregate
from preservation.aggregate import cell_id, cell_keys, cell_sources_table, count_cell_sources, rates_table, trials_of_cells
from preservation.claims import COVERAGE_ID
from preservation.ingest.published import read_published
from preservation.ingest.trial_log import read_trial_log
from preservation.ingest.validator import compile_validator
from preservation.manuscript import Section, printed_by_section
from preservation.numbers import Format, Sources, fixed_effect_numbers, number_entry, rate_numbers
from preservation.records import factor_names
from preservation.review_page import PageInputs, anchor, build_page, referenced_cells

FORMAT = Format(percent_decimals=1, ratio_decimals=2, p_floor=0.001)
FIGURES_HEADER = "figure_id,study,citation,locator,model,behaviour,scenario,peer,instructed,k,n,rate,verbal,qualifier,note\n"


class Anchors(HTMLParser):
    """Every element id and every in-page link (href="#...") of a page, and whether an id repeats."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.append(values["id"])
        if (values.get("href") or "").startswith("#"):
            self.hrefs.append(values["href"][1:])


def anchors_of(page: str) -> Anchors:
    parser = Anchors()
    parser.feed(page)
    return parser


def element(page: str, element_id: str) -> str:
    """The HTML of the element (article or table row) with this id, as the page writes it."""
    match = re.search(rf'<(article|tr) id="{re.escape(element_id)}">(.*?)</\1>', page, re.S)
    assert match, f"no element with id {element_id}"
    return match.group(2)


def test_sections_list_numbers_in_reading_order_abstract_first() -> None:
    source = "\n".join([
        "#set heading(numbering: \"1.\")",
        "*Abstract.* In {{kn:AStem}} runs ({{ci:AStem}}); rate {{Rate}}.",
        "= Results",
        "// {{Commented}} out",
        "== Shutdown",
        "Again {{kn:AStem}} and {{effect:BStem}}.",
        "= Empty",
        "no numbers here",
    ])
    sections = printed_by_section(source)
    assert [s.title for s in sections] == ["Abstract", "Results / Shutdown"]
    assert sections[0].names == ("AStemK", "AStemN", "AStemLow", "AStemHigh", "Rate")
    assert sections[1].names == ("AStemK", "AStemN", "BStemOR", "BStemORLow", "BStemORHigh", "BStemP", "CiLevel")
    assert printed_by_section("Intro {{X}}\n= A\n{{Y}}")[0].title == "Front matter"
    with pytest.raises(ValueError, match="line 1"):
        printed_by_section("{{nope:X}}")


def test_anchors_are_one_to_one_and_fragment_safe() -> None:
    ids = [anchor("term", "s", "b", term) for term in ("instructed=true", "instructed_true", "instructed.true", "instructed-true")]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+", value) for value in ids)
    assert anchor("term", "a.b", "c") != anchor("term", "a", "b.c")


def _trials(tmp_path: Path, config: dict[str, Any], schema: Path) -> Path:
    """Three files: model-a in two cells (one spread over two files), model-b, and a model named with markup."""
    validate = compile_validator(schema, config)
    files = {
        "one.jsonl": [trial(f"a{i}", int(i % 3 == 0)) for i in range(30)] + [trial(f"t{i}", 1, instructed=True) for i in range(4)],
        "two.jsonl": [trial(f"b{i}", 0, model="model-b") for i in range(5)] + [trial(f"a{i}", 1) for i in range(30, 37)],
        "three.jsonl": [trial("x0", 1, model="<script>alert(1)</script>")],
    }
    tables = [read_trial_log(write_jsonl(tmp_path / name, lines), validate, factor_names(config)).table for name, lines in files.items()]
    path = tmp_path / "trials.parquet"
    pq.write_table(pa.concat_tables(tables), path, row_group_size=8)  # many small row groups: rows reach a cell over several batches
    return path


@pytest.fixture
def page_inputs(tmp_path: Path, config: dict[str, Any], trial_log_schema: Path, monkeypatch: pytest.MonkeyPatch) -> PageInputs:
    """A page built through the library from small trial logs, a rate-only published figure and one model fit."""
    monkeypatch.setattr(aggregate, "BATCH_ROWS", 10)
    trials_path = _trials(tmp_path, config, trial_log_schema)
    by = config["aggregate_by"]
    figures_csv = tmp_path / "fig.csv"
    figures_csv.write_text(FIGURES_HEADER + "f1,pub,Cite 2025,Table 1,model-z,blackmail,bm,none,no,,,0.84,,,\n", encoding="utf-8")
    cells, source_counts = count_cell_sources(str(trials_path), by)
    rates = rates_table(cells, read_published(figures_csv, config, factor_names(config))[1], by)
    cell_sources = cell_sources_table(cells, source_counts, rates, by)
    sources = Sources.build(rates, cell_sources, "data/processed/rates.csv", "data/processed/models/fixed_effects.csv", True)
    fixed = pd.DataFrame([{"study": "unit_study", "behaviour": "shutdown_sabotage", "term": "instructed=true", "estimate": -1.2, "se": 0.5,
                           "z": -2.4, "p": 0.016, "ci_low": -2.2, "ci_high": -0.2, "odds_ratio": 0.3, "or_ci_low": 0.11, "or_ci_high": 0.82,
                           "singular": False, "converged": True, "separated": False}])
    numbers = {**rate_numbers(rates, by, "jeffreys", FORMAT, {"unit_study": "Unit"}, sources), **fixed_effect_numbers(fixed, FORMAT, {}, sources)}
    entries = {name: number_entry(number, sources) for name, number in sorted(numbers.items())}
    a_cell = entries["UnitModelAShutdownSabotageK"]["cells"][0]
    claims = [
        {"id": "a-counts", "text": "model-a <sabotaged> in 12/37", "passed": True, "expected": "12/37", "recomputed": "12/37",
         "cells": [a_cell], "term": {}, "numbers": ["UnitModelAShutdownSabotageK", "UnitModelAShutdownSabotageN"]},
        {"id": "glmm", "text": "pooled", "passed": False, "expected": "OR 0.3", "recomputed": "OR 0.3", "message": "off & wrong", "cells": [],
         "term": {"study": "unit_study", "behaviour": "shutdown_sabotage", "term": "instructed=true"}, "numbers": ["UnitStudyShutdownSabotageInstructedTrueModelOR"]},
        {"id": COVERAGE_ID, "text": "every number", "passed": True, "expected": "", "recomputed": "", "cells": [], "term": {}, "numbers": ["UnitModelAShutdownSabotageK"]},
    ]
    sections = [Section("Abstract", ("UnitModelAShutdownSabotageK", "UnitModelAShutdownSabotageN", "PubModelZBlackmailRate")),
                Section("Results / Pooled", ("UnitStudyShutdownSabotageInstructedTrueModelOR", "CiLevel"))]
    cited = referenced_cells(entries, claims)
    return PageInputs(entries, claims, rates, cell_sources, fixed, sections, trials_of_cells(str(trials_path), by, cited, 5), by, first_rows=5)


def test_every_link_resolves_and_every_id_is_unique(page_inputs: PageInputs) -> None:
    page = build_page(page_inputs)
    found = anchors_of(page)
    assert len(found.ids) == len(set(found.ids))
    assert set(found.hrefs) <= set(found.ids), sorted(set(found.hrefs) - set(found.ids))
    for cell in referenced_cells(page_inputs.numbers, page_inputs.claims):
        assert {anchor("cell", cell), anchor("trials", cell)} <= set(found.hrefs)
    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;sabotaged&gt;" in page and "off &amp; wrong" in page


def test_a_number_reaches_its_cell_and_trial_rows_as_trials_parquet_holds_them(page_inputs: PageInputs, tmp_path: Path) -> None:
    """Abstract row -> cell (k, n, intervals, sources) -> trial rows: count, first rows and file:line recomputed from trials.parquet."""
    page = build_page(page_inputs)
    keys = cell_keys(page_inputs.by)
    trials = pd.read_parquet(tmp_path / "trials.parquet")
    trials["cell"] = [cell_id(row, keys) for row in trials.to_dict("records")]
    abstract = re.search(r'<section id="part-Abstract">(.*?)</section>', page, re.S).group(1)
    (cell,) = set(re.findall(r'href="#cell-(c[0-9a-f]{16})"', abstract)) & set(trials["cell"])
    mine = trials[trials["cell"] == cell]
    assert (len(mine), int(mine["outcome"].sum())) == (37, 17)  # model-a uninstructed, over one.jsonl and two.jsonl
    card = element(page, anchor("cell", cell))
    assert "<dd>model-a</dd>" in card and ">17</td>" in card and ">37</td>" in card
    assert "one.jsonl</code></td><td class=\"num\">10</td><td class=\"num\">30</td>" in card
    assert f'href="#{anchor("trials", cell)}">37 trials' in card
    rows = element(page, anchor("trials", cell))
    assert "37 trials, the first 5 shown" in rows
    shown = re.findall(r"<code>([^<]+)</code></td><td class=\"num\">(\d)</td><td><code class=\"source\">([^<]+)</code>", rows)
    expected = [(row.trial_id, str(row.outcome), f"{row.source_file}:{row.source_line}") for row in mine.head(5).itertuples()]
    assert shown == expected


def test_a_published_rate_has_its_source_and_no_trials(page_inputs: PageInputs) -> None:
    page = build_page(page_inputs)
    (cell,) = page_inputs.numbers["PubModelZBlackmailRate"]["cells"]
    assert "fig.csv:2</code>" in element(page, anchor("cell", cell))
    assert "no trials (published without n)" in element(page, anchor("trials", cell))


def test_a_model_term_links_to_its_row_and_every_cell_it_was_fitted_from(page_inputs: PageInputs) -> None:
    page = build_page(page_inputs)
    term = anchor("term", "unit_study", "shutdown_sabotage", "instructed=true")
    row = element(page, term)
    fitted = sorted(page_inputs.rates.loc[page_inputs.rates["evidence"] == "counts"].query("study == 'unit_study'")["cell"])
    assert re.findall(r'href="#cell-(c[0-9a-f]{16})"', row) == fitted and f"{len(fitted)} cells" in row
    assert "0.3000 [0.1100, 0.8200]" in row
    assert f'href="#{term}"' in element(page, anchor("claim", "glmm")) and "FAIL" in element(page, anchor("claim", "glmm"))
    assert f'href="#{term}"' in element(page, anchor("number", "UnitStudyShutdownSabotageInstructedTrueModelOR"))


def test_the_page_is_the_same_whatever_order_numbers_arrive_in(page_inputs: PageInputs) -> None:
    reordered = PageInputs(**{**page_inputs.__dict__, "numbers": dict(reversed(list(page_inputs.numbers.items())))})
    assert build_page(reordered) == build_page(page_inputs)


def test_trials_of_cells_counts_every_row_and_keeps_the_first_in_file_order(tmp_path: Path, config: dict[str, Any], trial_log_schema: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aggregate, "BATCH_ROWS", 7)
    path = _trials(tmp_path, config, trial_log_schema)
    keys = cell_keys(config["aggregate_by"])
    trials = pd.read_parquet(path)
    trials["cell"] = [cell_id(row, keys) for row in trials.to_dict("records")]
    wanted = sorted(set(trials["cell"]))[:2] + ["c0000000000000000"]
    found = trials_of_cells(str(path), config["aggregate_by"], wanted, 3)
    assert sorted(found) == sorted(wanted[:2])
    for cell, result in found.items():
        mine = trials[trials["cell"] == cell]
        assert result.count == len(mine)
        assert result.rows.to_dict("records") == mine[["trial_id", "outcome", "source_file", "source_line"]].head(3).to_dict("records")
