"""The fitted GLMMs at full precision, so later rules reuse them instead of refitting.

The CSV tables round for reading; `fits.json` keeps every number a fit
produced (shortest round-trip floats, NaN as null), keyed by
``study/behaviour``. The glmer cross-check compares R's estimates with it.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from preservation.stats.glmm import GlmmFit
from preservation.stats.study_models import StudyFit

ARRAYS = ("beta", "se", "sd", "sd_se")
TUPLES = ("columns", "group_names", "n_levels")


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray | list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    return None if isinstance(value, float) and math.isnan(value) else value


def write_fits_json(fits: Sequence[StudyFit], path: str | Path) -> None:
    """Every fitted subset's GlmmFit, deterministic bytes."""
    stored = {f.fit_id: {name: _plain(value) for name, value in dataclasses.asdict(f.fit).items()} for f in fits if f.fit is not None}
    Path(path).write_text(json.dumps(stored, indent=1, sort_keys=True, allow_nan=False) + "\n", encoding="utf-8")


def read_fits_json(path: str | Path) -> dict[str, GlmmFit]:
    """The fits written by :func:`write_fits_json`, as GlmmFit objects."""
    stored = json.loads(Path(path).read_text(encoding="utf-8"))
    fits = {}
    for fit_id, fields in stored.items():
        fields |= {name: np.array([np.nan if v is None else v for v in fields[name]], dtype=float) for name in ARRAYS}
        fields |= {name: tuple(fields[name]) for name in TUPLES}
        fields["minus2loglik"] = np.nan if fields["minus2loglik"] is None else fields["minus2loglik"]
        fits[fit_id] = GlmmFit(**fields)
    return fits
