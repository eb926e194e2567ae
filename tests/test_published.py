"""Published figures: k/n become reconstructed trials; rates and words are carried, never given an n."""

from __future__ import annotations

import pytest

from preservation.ingest.published import FigureError, read_published
from preservation.records import factor_names

HEADER = "figure_id,study,citation,locator,model,behaviour,scenario,peer,instructed,k,n,rate,verbal,qualifier,note,subject\n"


def figures_file(tmp_path, *rows: str):
    path = tmp_path / "figures.csv"
    path.write_text(HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


def row(figure_id="f1", k="3", n="10", rate="", verbal="", behaviour="shutdown_sabotage", peer="none", instructed="no", subject=""):
    return f"{figure_id},s,cite,loc,m,{behaviour},scen,{peer},{instructed},{k},{n},{rate},{verbal},,,{subject}"


def test_counts_become_reconstructed_trials(tmp_path, config):
    path = figures_file(tmp_path, row(k="3", n="10", instructed="yes"))
    shard, catalogue = read_published(path, config, factor_names(config))
    frame = shard.table.to_pandas()
    assert len(frame) == 10 and frame["outcome"].sum() == 3
    assert frame["reconstructed"].all() and frame["instructed"].all()
    assert frame["trial_id"].is_unique and set(frame["source_line"]) == {2}
    assert catalogue.loc[0, "evidence"] == "counts"


def test_rate_only_and_verbal_figures_get_no_trials_and_no_n(tmp_path, config):
    path = figures_file(tmp_path, row("f1", k="", n="", rate="0.84"), row("f2", k="", n="", verbal="rarely", subject="self"))
    shard, catalogue = read_published(path, config, factor_names(config))
    assert shard.table.num_rows == 0
    assert list(catalogue["evidence"]) == ["rate_only", "verbal"]
    assert catalogue["n"].isna().all() and catalogue.loc[1, "subject"] == "self"
    assert (shard.summary["figures_rate_only"], shard.summary["figures_verbal"]) == (1, 1)


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (row(k="11", n="10"), "k=11 of n=10 is not a proportion"),
        (row(k="3", n=""), "k and n must be given together"),
        (row(k="3", n="10", rate="0.5"), "disagrees with k/n"),
        (row(k="", n="", rate="1.5"), "outside [0, 1]"),
        (row(k="", n=""), "no k/n, rate or verbal level"),
        (row(behaviour="sulking"), "behaviour 'sulking' is not declared"),
        (row(instructed="maybe"), "instructed 'maybe' is not yes/no"),
        (row(subject="both"), "factor subject='both'"),
        (row(k="-1"), "k '-1' is not a non-negative integer"),
        (row(k="3\u00b3"), "k '3\u00b3' is not a non-negative integer"),
        (row(k="1", n="100000000000"), "n=100000000000 is over 1000000"),
        (row() + ",extra", "row has 17 fields; the header has 16"),
    ],
)
def test_bad_figure_rows_are_quarantined(tmp_path, config, bad, reason):
    path = figures_file(tmp_path, row("ok"), bad)
    shard, catalogue = read_published(path, config, factor_names(config))
    assert len(catalogue) == 1 and len(shard.quarantined) == 1
    assert shard.quarantined[0].line == 3 and reason in shard.quarantined[0].reason


@pytest.mark.parametrize(
    ("extra", "message"),
    [("mood", r"header has undeclared column\(s\) \['mood'\]"), ("k", r"header repeats column\(s\) \['k'\]")],
)
def test_bad_header_is_an_error_naming_the_file(tmp_path, config, extra, message):
    path = tmp_path / "figures.csv"
    path.write_text(f"{HEADER.strip()},{extra}\n", encoding="utf-8")
    with pytest.raises(FigureError, match=rf"{path}:1: {message}"):
        read_published(path, config, factor_names(config))


def test_row_that_is_not_utf8_is_quarantined_with_its_bytes(tmp_path, config):
    path = tmp_path / "figures.csv"
    bad = row("f2").replace("cite", "caf\u00e9").encode("cp1252")
    path.write_bytes((HEADER + row("ok") + "\n").encode() + bad + b"\n")
    shard, catalogue = read_published(path, config, factor_names(config))
    (record,) = shard.quarantined
    assert (record.file, record.line) == (str(path), 3) and record.reason.startswith("not valid UTF-8: byte 0xe9")
    assert record.raw.encode("utf-8", "surrogateescape") == bad
    assert (shard.summary["records"], shard.summary["valid"], len(catalogue)) == (2, 1, 1)


def test_byte_order_mark_before_the_header_is_not_part_of_it(tmp_path, config):
    path = tmp_path / "figures.csv"
    path.write_text("\ufeff" + HEADER + row() + "\n", encoding="utf-8")
    shard, catalogue = read_published(path, config, factor_names(config))
    assert len(catalogue) == 1 and not shard.quarantined


def test_quarantined_row_keeps_its_text_and_first_line(tmp_path, config):
    bad = 'f2,s,"Smith, J.\nand Lee",loc,m,shutdown_sabotage,scen,none,no,30,10,,,,,'
    path = figures_file(tmp_path, row("ok"), bad, row("f3"))
    shard, catalogue = read_published(path, config, factor_names(config))
    (record,) = shard.quarantined
    assert (record.line, record.raw) == (3, bad) and "k=30 of n=10" in record.reason
    assert list(catalogue["source_line"]) == [2, 5]


def test_unreadable_csv_is_an_error_naming_file_and_line(tmp_path, config):
    path = figures_file(tmp_path, row("ok"), row("f2").replace("cite", "c" * 200_000))
    with pytest.raises(FigureError, match=rf"{path}:3: field larger than field limit"):
        read_published(path, config, factor_names(config))
