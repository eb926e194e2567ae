"""What the ``models:`` block of the configuration asks to fit.

Kept apart from the fitting code (and its SciPy imports) because the Snakefile
reads it at parse time to check the block (preservation.configuration).
The pipeline's defaults are the config schema's; the field defaults here are
the library's, for callers without a configuration, and a test keeps them
equal to the schema's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_FORMULA = "outcome ~ peer * instructed"
DEFAULT_GROUPS = ("model", "batch", "scenario")


@dataclass(frozen=True)
class ModelSpec:
    """What to fit; built from a configuration with :meth:`from_config`, or in a job from the fields its rule passes."""

    formula: str = DEFAULT_FORMULA
    groups: tuple[str, ...] = DEFAULT_GROUPS
    nagq: int = 1
    formulas: Mapping[str, str] = field(default_factory=dict)
    reference_levels: Mapping[str, str] = field(default_factory=dict)
    declared_levels: Mapping[str, tuple[str, ...] | None] = field(default_factory=dict)
    include_reconstructed: bool = True
    gee_cluster: str = "model"
    ci_level: float = 0.95

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ModelSpec:
        """Read ``config['models']`` (defaults filled, preservation.configuration) plus the declared factor levels."""
        block = config["models"]
        declared: dict[str, tuple[str, ...] | None] = {"peer": tuple(config["peer_levels"])}
        for name, spec in config["factors"].items():
            declared[name] = tuple(spec["levels"]) if spec["levels"] else None
        return cls(
            formula=block["formula"],
            groups=tuple(block["groups"]),
            nagq=block["nagq"],
            formulas=dict(block["formulas"]),
            reference_levels=dict(block["reference_levels"]),
            declared_levels=declared,
            include_reconstructed=block["include_reconstructed"],
            gee_cluster=block["gee_cluster"],
            ci_level=config["ci_level"],
        )
