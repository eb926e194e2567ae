"""The counted cells the model rules read: same counts, same fits as the per-trial table."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from preservation.stats.contrasts import contrast_table
from preservation.stats.study_models import ModelSpec, StudyFit, fit_study_models
from preservation.stats import model_cells
from preservation.stats.fit_store import read_fits_json, write_fits_json
from preservation.stats.model_cells import count_model_cells, read_model_subsets
from preservation.stats.simulate import TrueParameters, expand_trials, simulate_cells


def trial_table(seed: int = 5) -> pd.DataFrame:
    """Two studies of simulated trials with batches, one batch label missing, and provenance columns."""
    rng = np.random.default_rng(seed)
    parts = [
        expand_trials(simulate_cells(rng, TrueParameters(sd_batch=0.5), n_models=6, trials=40, n_batches=3), study=study, behaviour="b")
        for study in ("s1", "s2")
    ]
    trials = pd.concat(parts, ignore_index=True).assign(reconstructed=False, coded=False)
    trials.loc[7, "batch"] = None
    trials["source_file"] = "log.jsonl"
    trials["source_line"] = np.arange(len(trials))
    return trials


def test_cells_count_every_combination_of_the_model_columns(tmp_path, monkeypatch):
    trials = trial_table()
    path = tmp_path / "trials.parquet"
    pq.write_table(pa.Table.from_pandas(trials, preserve_index=False), path, row_group_size=500)
    monkeypatch.setattr(model_cells, "BATCH_ROWS", 700)  # many batches,
    monkeypatch.setattr(model_cells, "COMPACT_ROWS", 100)  # whose counts are merged along the way
    spec = ModelSpec(groups=("model", "batch"))

    cells = count_model_cells(str(path), spec).to_pandas()

    keys = [c for c in cells.columns if c not in ("k", "n")]
    assert set(keys) == {"study", "behaviour", "reconstructed", "model", "scenario", "peer", "instructed", "batch"}
    expected = trials.groupby(keys, dropna=False)["outcome"].agg(k="sum", n="count").reset_index()
    merged = cells.merge(expected, on=keys, how="outer", suffixes=("", "_trials"), indicator=True)
    assert (merged["_merge"] == "both").all()
    assert (merged["k"] == merged["k_trials"]).all() and (merged["n"] == merged["n_trials"]).all()
    assert cells["n"].sum() == len(trials) and cells["batch"].isna().sum() == 1


def test_fits_and_contrasts_from_cells_equal_those_from_trials(tmp_path):
    trials = trial_table()
    path = tmp_path / "trials.parquet"
    pq.write_table(pa.Table.from_pandas(trials, preserve_index=False), path)
    spec = ModelSpec(groups=("model", "batch"))
    out = tmp_path / "cells.parquet"
    pq.write_table(count_model_cells(str(path), spec), out)
    cells = pd.read_parquet(out)
    assert len(cells) < len(trials) / 10

    from_cells, from_trials = fit_study_models(cells, spec), fit_study_models(trials, spec)
    for a, b in zip(from_cells, from_trials, strict=True):
        assert a.cells.formula == b.cells.formula and a.cells.dropped == b.cells.dropped
        assert any("missing for 1 trials" in note for note in a.cells.dropped) == (a.study == "s1")
        np.testing.assert_allclose(a.fit.beta, b.fit.beta, rtol=0, atol=1e-8)
        np.testing.assert_allclose(a.fit.se, b.fit.se, rtol=1e-6)
    pd.testing.assert_frame_equal(contrast_table(cells), contrast_table(trials))

    pd.testing.assert_frame_equal(contrast_table(read_model_subsets(str(out))), contrast_table(cells))  # what the job reads
    subset_by_subset = fit_study_models(read_model_subsets(str(out)), spec)  # what the model jobs read
    assert [f.fit_id for f in subset_by_subset] == [f.fit_id for f in from_cells]
    for a, b in zip(subset_by_subset, from_cells, strict=True):
        assert a.cells.formula == b.cells.formula and a.cells.dropped == b.cells.dropped
        np.testing.assert_array_equal(a.cells.X, b.cells.X)
        np.testing.assert_array_equal(a.fit.beta, b.fit.beta)


def test_an_empty_trial_table_gives_an_empty_cell_table(tmp_path):
    path = tmp_path / "trials.parquet"
    pq.write_table(pa.Table.from_pandas(trial_table().iloc[:0], preserve_index=False), path)
    cells = count_model_cells(str(path), ModelSpec())
    assert cells.num_rows == 0 and cells.column_names[-2:] == ["k", "n"]


def test_stored_fits_round_trip_exactly(tmp_path):
    trials = trial_table()
    spec = ModelSpec(groups=("model", "batch"))
    fits = fit_study_models(trials, spec)
    write_fits_json(fits, tmp_path / "fits.json")
    first = (tmp_path / "fits.json").read_bytes()

    stored = read_fits_json(tmp_path / "fits.json")
    again = [StudyFit(f.study, f.behaviour, f.requested_formula, f.cells, stored[f.fit_id], f.status) for f in fits if f.fit]

    write_fits_json(again, tmp_path / "again.json")
    assert (tmp_path / "again.json").read_bytes() == first
    assert sorted(stored) == sorted(f.fit_id for f in fits if f.fit)
    for original in fits:
        copy = stored[original.fit_id]
        np.testing.assert_array_equal(copy.beta, original.fit.beta)
        np.testing.assert_array_equal(copy.sd_se, original.fit.sd_se)  # NaN on a boundary SD survives
        assert copy.columns == original.fit.columns and copy.n_levels == original.fit.n_levels
