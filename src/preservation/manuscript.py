"""The numbers the manuscript prints, read from its placeholders without running typst.

paper/paper.typ never embeds a number as a typst expression: typst ends an
embedded expression at a `;` and swallows it, so `#kn("X");` printed "30/100"
with the semicolon lost. It writes a placeholder instead, `{{Name}}` for one
number or `{{helper:Stem}}` for a group (`{{kn:Stem}}` prints StemK/StemN),
which a show rule in the manuscript replaces; the text around a placeholder
stays plain markup, punctuation included. HELPERS is what each helper prints,
mirrored by the manuscript's show rule; a test compares this reading with
the numbers typst records as printed (`typst query` for <number-printed>).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

PLACEHOLDER = re.compile(r"\{\{(?:([a-z-]+):)?([A-Za-z]+)\}\}")
# helper -> the name suffixes it prints after its stem, and whole numbers it prints too.
HELPERS: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "": (("",), ()),
    "kn": (("K", "N"), ()),
    "ci": (("Low", "High"), ()),
    "effect": (("OR", "ORLow", "ORHigh", "P"), ("CiLevel",)),
}
# A typst call or field access in markup directly followed by `;`, which typst swallows.
SWALLOWED_SEMICOLON = re.compile(r"#[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*(?:\((?:[^()\n]|\([^()\n]*\))*\))+;")


@dataclass(frozen=True)
class Printed:
    """A number the manuscript prints, and the lines of paper.typ that print it."""

    name: str
    lines: tuple[int, ...]


def printed_numbers(source: str) -> list[Printed]:
    """Every number name the placeholders in `source` print, sorted by name; unknown helpers fail."""
    lines: dict[str, list[int]] = {}
    for number, text in enumerate(source.splitlines(), start=1):
        for match in PLACEHOLDER.finditer(_without_comment(text)):
            helper, stem = match.group(1) or "", match.group(2)
            if helper not in HELPERS:
                raise ValueError(f"paper.typ line {number}: unknown placeholder helper {helper!r} in {match.group(0)}")
            suffixes, whole = HELPERS[helper]
            for name in (*(stem + suffix for suffix in suffixes), *whole):
                lines.setdefault(name, []).append(number)
    return [Printed(name, tuple(sorted(set(found)))) for name, found in sorted(lines.items())]


def swallowed_semicolons(source: str) -> list[int]:
    """Lines where an embedded typst expression is directly followed by `;` (which typst would drop from the text)."""
    return [number for number, text in enumerate(source.splitlines(), start=1) if SWALLOWED_SEMICOLON.search(_without_comment(text))]


def _without_comment(line: str) -> str:
    """The line without a `//` comment (not inside a URL such as https://)."""
    return re.sub(r"(?<!:)//.*$", "", line)
