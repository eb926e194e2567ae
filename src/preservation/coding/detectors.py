"""Detectors by the name a source's configuration uses for them."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from preservation.coding.commands import Verdict
from preservation.coding.exfiltration import detect_self_exfiltration
from preservation.coding.shutdown_tampering import detect_shutdown_tampering

Detector = Callable[[Iterable[str]], Verdict]

DETECTORS: dict[str, Detector] = {
    "shutdown_tampering": detect_shutdown_tampering,
    "self_exfiltration": detect_self_exfiltration,
}
