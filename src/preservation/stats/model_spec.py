"""What the ``models:`` block of the configuration asks to fit, with its defaults.

Kept apart from the fitting code (and its SciPy imports) because the Snakefile
reads it at parse time to check the block (preservation.configuration).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from preservation.stats.r_session import rscript_from_config

DEFAULT_FORMULA = "outcome ~ peer * instructed"
DEFAULT_GROUPS = ("model", "batch", "scenario")


@dataclass(frozen=True)
class ModelSpec:
    """What to fit; built from config with :meth:`from_config`."""

    formula: str = DEFAULT_FORMULA
    groups: tuple[str, ...] = DEFAULT_GROUPS
    nagq: int = 1
    formulas: Mapping[str, str] = field(default_factory=dict)
    reference_levels: Mapping[str, str] = field(default_factory=dict)
    declared_levels: Mapping[str, tuple[str, ...] | None] = field(default_factory=dict)
    include_reconstructed: bool = True
    gee_cluster: str = "model"
    ci_level: float = 0.95
    rscript: str | None = "Rscript"  # for the glmer cross-check; None switches it off

    @classmethod
    def from_config(cls, config: Mapping) -> ModelSpec:
        """Read ``config['models']`` plus the declared factor levels."""
        block = dict(config.get("models") or {})
        declared: dict[str, tuple[str, ...] | None] = {"peer": tuple(config.get("peer_levels") or ())}
        for name, spec in (config.get("factors") or {}).items():
            levels = (spec or {}).get("levels")
            declared[name] = tuple(levels) if levels else None
        return cls(
            formula=block.get("formula", DEFAULT_FORMULA),
            groups=tuple(block.get("groups", DEFAULT_GROUPS)),
            nagq=int(block.get("nagq", 1)),
            formulas=dict(block.get("formulas") or {}),
            reference_levels=dict(block.get("reference_levels") or {}),
            declared_levels=declared,
            include_reconstructed=bool(block.get("include_reconstructed", True)),
            gee_cluster=block.get("gee_cluster", "model"),
            rscript=rscript_from_config(config),
            ci_level=float(config.get("ci_level", 0.95)),
        )
