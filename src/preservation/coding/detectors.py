"""Detectors by the name a source's configuration uses for them, built from its `coding:` block."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from preservation.coding.commands import Verdict
from preservation.coding.exfiltration import detect_self_exfiltration
from preservation.coding.shutdown_tampering import DEFAULT_TARGETS, shutdown_tampering

Detector = Callable[[Iterable[str]], Verdict]

DETECTOR_NAMES = ("shutdown_tampering", "self_exfiltration")


def detector(coding: Mapping[str, Any]) -> Detector:
    """The detector a source's `coding:` block declares, with its mechanism where it has one."""
    name = coding["detector"]
    if name == "shutdown_tampering":
        return shutdown_tampering(tuple(coding.get("targets", DEFAULT_TARGETS)), tuple(coding.get("bypass", ())))
    if name == "self_exfiltration":
        return detect_self_exfiltration
    raise ValueError(f"unknown detector {name!r} (one of {DETECTOR_NAMES})")
