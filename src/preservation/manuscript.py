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


@dataclass(frozen=True)
class Section:
    """A part of the manuscript (the abstract, or a heading) and the number names it prints, in order of first appearance."""

    title: str
    names: tuple[str, ...]


# A typst heading line ("= Results", "== Blackmail").
HEADING = re.compile(r"^\s*(=+)\s+(.+?)\s*$")
# What the text before the first heading is called, with and without an abstract in it.
FRONT_MATTER = ("Abstract", "Front matter")


def printed_numbers(source: str) -> list[Printed]:
    """Every number name the placeholders in `source` print, sorted by name; unknown helpers fail."""
    lines: dict[str, list[int]] = {}
    for number, text in enumerate(source.splitlines(), start=1):
        for name in _placeholder_names(number, text):
            lines.setdefault(name, []).append(number)
    return [Printed(name, tuple(sorted(set(found)))) for name, found in sorted(lines.items())]


def printed_by_section(source: str) -> list[Section]:
    """The numbers each part of the manuscript prints, in the order a reader meets them.

    The text before the first heading (title block and abstract) comes first,
    as "Abstract" when it holds one; then each heading, subsections named
    "Results / Blackmail". Parts that print no number are left out.
    """
    titles: list[str] = []
    sections: list[tuple[str, list[str]]] = [(FRONT_MATTER[0] if _has_abstract(source) else FRONT_MATTER[1], [])]
    for number, text in enumerate(source.splitlines(), start=1):
        heading = HEADING.match(_without_comment(text))
        if heading:
            depth = len(heading.group(1))
            titles = [*titles[: depth - 1], heading.group(2)]
            sections.append((" / ".join(titles), []))
            continue
        names = sections[-1][1]
        names += [name for name in _placeholder_names(number, text) if name not in names]
    return [Section(title, tuple(names)) for title, names in sections if names]


def _has_abstract(source: str) -> bool:
    """Whether the text before the first heading has an abstract (a line naming it)."""
    for line in source.splitlines():
        if HEADING.match(_without_comment(line)):
            return False
        if "abstract" in _without_comment(line).lower():
            return True
    return False


def _placeholder_names(number: int, text: str) -> list[str]:
    """The number names a line's placeholders print, in order; an unknown helper fails naming the line."""
    names = []
    for match in PLACEHOLDER.finditer(_without_comment(text)):
        helper, stem = match.group(1) or "", match.group(2)
        if helper not in HELPERS:
            raise ValueError(f"paper.typ line {number}: unknown placeholder helper {helper!r} in {match.group(0)}")
        suffixes, whole = HELPERS[helper]
        names += [*(stem + suffix for suffix in suffixes), *whole]
    return names


def swallowed_semicolons(source: str) -> list[int]:
    """Lines where an embedded typst expression is directly followed by `;` (which typst would drop from the text)."""
    return [number for number, text in enumerate(source.splitlines(), start=1) if SWALLOWED_SEMICOLON.search(_without_comment(text))]


def _without_comment(line: str) -> str:
    """The line without a `//` comment (not inside a URL such as https://)."""
    return re.sub(r"(?<!:)//.*$", "", line)
