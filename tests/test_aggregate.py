"""Per-condition rates from canonical trials plus carried published figures."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from conftest import trial, write_jsonl
from preservation.aggregate import (
    cell_id,
    cell_keys,
    cell_sources_table,
    count_cell_sources,
    count_cells,
    rates_table,
    read_cell_sources,
    read_rates,
    write_cell_sources,
    write_rates,
)
from preservation.ingest.published import read_published
from preservation.ingest.trial_log import read_trial_log
from preservation.ingest.validator import compile_validator
from preservation.records import factor_names
from preservation.writers import write_table


def test_cells_counted_per_condition_and_reported_rows_appended(tmp_path, config, trial_log_schema):
    validate = compile_validator(trial_log_schema, config)
    lines = [trial(f"a{i}", int(i < 3)) for i in range(10)]
    lines += [trial(f"b{i}", int(i < 1), instructed=True) for i in range(4)]
    lines += [trial("c0", 1, factors={"subject": "peer"}, peer="cooperative")]
    shard = read_trial_log(write_jsonl(tmp_path / "t.jsonl", lines), validate, factor_names(config))
    write_table(shard.table, tmp_path / "trials.parquet")
    figures_csv = tmp_path / "fig.csv"
    figures_csv.write_text(
        "figure_id,study,citation,locator,model,behaviour,scenario,peer,instructed,k,n,rate,verbal,qualifier,note\n"
        "f1,pub,Cite 2025,Table 1,model-z,blackmail,bm,none,no,,,0.84,,,\n",
        encoding="utf-8",
    )
    _, figures = read_published(figures_csv, config, factor_names(config))
    by = config["aggregate_by"]
    table = rates_table(count_cells(str(tmp_path / "trials.parquet"), by), figures, by)
    counted = table[table["evidence"] == "counts"].set_index(["instructed", "peer"])
    assert (counted.loc[(False, "none"), ["k", "n"]].tolist()) == [3, 10]
    assert (counted.loc[(True, "none"), ["k", "n"]].tolist()) == [1, 4]
    assert counted.loc[(False, "cooperative"), "subject"] == "peer"
    assert counted.loc[(False, "none"), "wilson_low"] < 0.3 < counted.loc[(False, "none"), "wilson_high"]
    reported = table[table["evidence"] == "rate_only"].iloc[0]
    assert reported["rate"] == 0.84 and pd.isna(reported["n"]) and pd.isna(reported["wilson_low"])
    assert reported["citation"] == "Cite 2025" and reported["sources"].endswith("fig.csv:2")


def _thirteen_one_trial_logs(tmp_path, config, trial_log_schema) -> None:
    """tmp_path/trials.parquet: one cell of 13 trials (6 with the behaviour), each from its own log file."""
    validate = compile_validator(trial_log_schema, config)
    shards = [
        read_trial_log(write_jsonl(tmp_path / f"log{i:02d}.jsonl", [trial(f"t{i}", i % 2)]), validate, factor_names(config)).table
        for i in range(13)
    ]
    write_table(pa.concat_tables(shards), tmp_path / "trials.parquet")


def test_a_cell_from_many_files_lists_the_first_ten_and_counts_the_rest(tmp_path, config, trial_log_schema):
    _thirteen_one_trial_logs(tmp_path, config, trial_log_schema)
    (cell,) = count_cells(str(tmp_path / "trials.parquet"), config["aggregate_by"]).itertuples()
    listed = cell.sources.split(";")
    assert (cell.k, cell.n) == (6, 13)
    assert [name.rsplit("/", 1)[-1] for name in listed[:10]] == [f"log{i:02d}.jsonl" for i in range(10)]
    assert listed[10] == " and 3 more" and len(listed) == 11


def test_no_trials_and_no_figures_give_a_rates_table_with_no_rows(tmp_path, config, trial_log_schema):
    """Not one row of empty keys, which every reader of rates.csv then refused (NA in a boolean column)."""
    validate = compile_validator(trial_log_schema, config)
    shard = read_trial_log(write_jsonl(tmp_path / "t.jsonl", [trial("a")]), validate, factor_names(config))
    write_table(shard.table.slice(0, 0), tmp_path / "trials.parquet")
    by = config["aggregate_by"]
    cells = count_cells(str(tmp_path / "trials.parquet"), by)
    assert cells.empty
    figures_csv = tmp_path / "fig.csv"
    figures_csv.write_text("figure_id,study,citation,locator,model,behaviour,scenario,peer,instructed,k,n,rate,verbal,qualifier,note\n", encoding="utf-8")
    write_rates(rates_table(cells, read_published(figures_csv, config, factor_names(config))[1], by), str(tmp_path / "rates.csv"))
    assert read_rates(str(tmp_path / "rates.csv")).empty


def test_every_source_of_a_cell_is_kept_with_its_counts(tmp_path, config, trial_log_schema):
    """rates.csv lists ten sources; cell_sources keeps all thirteen, with k and n per file summing to the cell's."""
    _thirteen_one_trial_logs(tmp_path, config, trial_log_schema)
    by = config["aggregate_by"]
    cells, source_counts = count_cell_sources(str(tmp_path / "trials.parquet"), by)
    figures_csv = tmp_path / "fig.csv"
    figures_csv.write_text(
        "figure_id,study,citation,locator,model,behaviour,scenario,peer,instructed,k,n,rate,verbal,qualifier,note\n"
        "f1,pub,Cite 2025,Table 1,model-z,blackmail,bm,none,no,,,0.84,,,\n",
        encoding="utf-8",
    )
    rates = rates_table(cells, read_published(figures_csv, config, factor_names(config))[1], by)
    sources = cell_sources_table(cells, source_counts, rates, by)
    (counted,) = rates.loc[rates["evidence"] == "counts", "cell"]
    (reported,) = rates.loc[rates["evidence"] == "rate_only", "cell"]
    mine = sources[sources["cell"] == counted]
    assert [name.rsplit("/", 1)[-1] for name in mine["source"]] == [f"log{i:02d}.jsonl" for i in range(13)]
    assert (mine["k"].sum(), mine["n"].sum()) == (6, 13)
    assert sources.loc[sources["cell"] == reported, "source"].str.endswith("fig.csv:2").tolist() == [True]
    write_cell_sources(sources, str(tmp_path / "cell_sources.parquet"))
    pd.testing.assert_frame_equal(read_cell_sources(str(tmp_path / "cell_sources.parquet")), sources, check_dtype=False)


def test_a_cell_id_depends_on_the_cell_alone_and_is_found_again_from_its_trials(tmp_path, config, trial_log_schema):
    """Ids survive other cells arriving, and hashing a trial row's keys gives its cell's id (the reviewer's join)."""
    validate = compile_validator(trial_log_schema, config)
    by = config["aggregate_by"]
    no_figures = tmp_path / "fig.csv"
    no_figures.write_text("figure_id,study,citation,locator,model,behaviour,scenario,peer,instructed,k,n,rate,verbal,qualifier,note\n", encoding="utf-8")
    figures = read_published(no_figures, config, factor_names(config))[1]
    first = [trial(f"a{i}", int(i < 3)) for i in range(10)]
    more = first + [trial(f"b{i}", 1, instructed=True, factors={"urgency": "none"}) for i in range(4)]
    ids = []
    for name, lines in (("one", first), ("two", more)):
        shard = read_trial_log(write_jsonl(tmp_path / f"{name}.jsonl", lines), validate, factor_names(config))
        write_table(shard.table, tmp_path / f"{name}.parquet")
        ids.append(rates_table(count_cells(str(tmp_path / f"{name}.parquet"), by), figures, by))
    assert ids[0]["cell"].iloc[0] in set(ids[1]["cell"]) and ids[1]["cell"].nunique() == 2
    trials = pd.read_parquet(tmp_path / "two.parquet")
    from_trials = {cell_id(row, cell_keys(by)) for row in trials.to_dict("records")}
    assert from_trials == set(ids[1]["cell"])
    assert cell_id({"study": "s", "urgency": None}, ["study", "urgency"]) == cell_id({"study": "s", "urgency": float("nan")}, ["study", "urgency"])
