"""The compiled paper reads like one: numbers keep their punctuation, figures and tables are numbered in the
order they are first cited, every study is cited from refs.bib, and typst prints exactly the numbers the claims check."""

from __future__ import annotations

import json
import shutil
import re
from pathlib import Path

import pandas as pd
import pypdf
import pytest
import typst
import yaml
from conftest import REPO

from preservation.manuscript import printed_numbers, swallowed_semicolons
from preservation.numbers import Format
from preservation.tables import results_table

SOURCE = (REPO / "paper/paper.typ").read_text(encoding="utf-8")


def _query(built: Path, selector: str, **options: object) -> list:
    return json.loads(typst.query(str(built / "paper/paper.typ"), selector, root=str(built), ignore_system_fonts=True,
                                  sys_inputs={"figures": "/figures"}, **options))


@pytest.fixture(scope="module")
def pdf_text(built: Path) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(built / "paper/paper.pdf").pages)


def test_typst_prints_exactly_the_numbers_read_from_the_placeholders(built: Path) -> None:
    """preservation.manuscript mirrors the manuscript's helpers; typst records what it printed (<number-printed>)."""
    printed = set(_query(built, "<number-printed>", field="value"))
    assert printed == {number.name for number in printed_numbers(SOURCE)}


def test_punctuation_after_a_number_survives(pdf_text: str) -> None:
    """The defect was "codex-mini in 30/100 Gemini 2.5 Pro": typst swallowed the ';' after an embedded expression."""
    assert swallowed_semicolons(SOURCE) == []
    assert re.search(r"codex-mini in \d+/\d+;", pdf_text)
    assert "))" not in pdf_text  # "OR 0.02 (95% CI …))": the effect text no longer brings its own parentheses
    assert re.search(r"\(OR \d\.\d\d, 95% CI \d\.\d\d–\d\.\d\d, 𝑝 [<=] ", pdf_text)


@pytest.mark.parametrize("kind", ["image", "table"])
def test_figures_and_tables_are_numbered_in_the_order_first_cited(built: Path, pdf_text: str, kind: str) -> None:
    figures = [figure["label"] for figure in _query(built, "figure") if figure["kind"] == kind]
    cited = list(dict.fromkeys(ref["target"] for ref in _query(built, "ref") if ref["target"] in figures))
    assert cited == figures  # typst numbers figures in document order
    word = {"image": "Figure", "table": "Table"}[kind]
    captions = [int(n) for n in re.findall(rf"{word}\s+(\d+):", pdf_text)]
    first_mentions = [int(n) for n in dict.fromkeys(re.findall(rf"{word}\s+(\d+)(?!\d|:)", pdf_text))]
    assert captions == list(range(1, len(figures) + 1)) and first_mentions == sorted(first_mentions)


def test_every_study_is_cited_from_refs_bib_with_a_url_or_a_note_saying_why_not() -> None:
    config = yaml.safe_load((REPO / "config/config.yaml").read_text(encoding="utf-8"))
    bib = (REPO / "paper/refs.bib").read_text(encoding="utf-8")
    entries = dict(re.findall(r"@\w+\{(\w+),(.*?)\n\}", bib, flags=re.DOTALL))
    studies = {path.stem for path in (REPO / "data/raw/published").glob("*.csv")}
    studies |= {source["study"] for source in config["sources"].values()}
    citations = config["paper"]["citations"]
    assert studies <= set(citations) and set(citations.values()) <= set(entries)
    for key in citations.values():
        fields = entries[key]
        assert "url =" in fields or re.search(r"note = \{[^}]*URL is (?:not )?recorded", fields) or "no URL" in fields.lower(), key
        assert not re.search(r"url = \{(?!https://(?:arxiv\.org/abs/|github\.com/PalisadeResearch/))", fields), key


def test_the_paper_has_its_references_and_every_table_row_its_citation(built: Path, pdf_text: str) -> None:
    assert "References" in pdf_text and "https://arxiv.org/abs/2509.14260" in pdf_text.replace("\n", "")
    table = pd.read_csv(built / "paper/tables/results.csv", keep_default_na=False)
    assert list(table.columns[:2]) == ["source", "source_ref"] and (table["source_ref"] != "").all()
    assert not table["source"].str.contains("_").any()  # short names, no study ids


def test_a_study_from_logs_is_shown_by_its_short_name_with_its_citation() -> None:
    """The robot study has no published citation in rates.csv (its cells come from logs): config names and cites it."""
    config = yaml.safe_load((REPO / "config/config.yaml").read_text(encoding="utf-8"))
    rates = pd.DataFrame([{"study": "palisade_robot_2026", "behaviour": "shutdown_sabotage", "model": "grok-4-0709", "peer": "none",
                           "instructed": False, "evidence": "counts", "k": 52, "n": 100, "rate": 0.52}])
    table = results_table(rates, [], Format(1, 2, 0.001), config["paper"]["study_names"], config["paper"]["citations"])
    assert table[["source", "source_ref"]].values.tolist() == [["Palisade Robot", "palisade2026robot"]]


def test_a_number_the_data_did_not_give_is_printed_as_missing_not_a_failed_build(built: Path, tmp_path: Path) -> None:
    """A design or study absent from the data leaves its numbers out of numbers.json: the paper still compiles and shows it."""
    shutil.copytree(built / "paper", tmp_path / "paper")
    shutil.copytree(built / "figures", tmp_path / "figures")
    numbers = json.loads((tmp_path / "paper/numbers.json").read_text())
    gone = ("DesignOddsHalvedSixModelsTrials", "PalisadeOThreeShutdownSabotageInstructionOR")
    (tmp_path / "paper/numbers.json").write_text(json.dumps({k: v for k, v in numbers.items() if k not in gone}))
    pdf = typst.compile(str(tmp_path / "paper/paper.typ"), root=str(tmp_path), ignore_system_fonts=True, sys_inputs={"figures": "/figures"})
    (tmp_path / "paper.pdf").write_bytes(pdf)
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(tmp_path / "paper.pdf").pages)
    joined = text.replace("-\n", "").replace("\n", " ")  # typst hyphenates long names
    assert all(f"missing: {name}" in joined for name in gone), joined
