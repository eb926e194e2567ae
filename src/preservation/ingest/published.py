"""Published figures as data (data/raw/published/*.csv).

A figure reported as k of n becomes n reconstructed trial records (k with the
behaviour), so downstream code treats it like any other trials. A figure
reported only as a rate, or only in words ("almost always"), is carried as
such with its citation and never given an invented n.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from preservation.ingest.trial_log import Shard
from preservation.quarantine import Quarantined, reject, undecodable
from preservation.records import append_row, empty_columns, rows_to_table

REQUIRED = ("figure_id", "study", "citation", "locator", "model", "behaviour", "scenario", "peer", "instructed")
OPTIONAL = ("k", "n", "rate", "verbal", "qualifier", "note")
FIGURE_COLUMNS = (*REQUIRED, "evidence", *OPTIONAL, "source_file", "source_line")
BOOLEANS = {"yes": True, "no": False, "true": True, "false": False}
# A figure's n becomes n rows in memory: a mistyped n (10^11) would exhaust it rather than fail.
LARGEST_N = 10**6


class FigureError(ValueError):
    """A published-figure row that cannot be used as it stands."""


def read_published(
    path: str | Path, config: Mapping[str, Any], factors: Sequence[str], strict: bool = False
) -> tuple[Shard, pd.DataFrame]:
    """Reconstruct trials from k/n figures; return them and every figure's catalogue row."""
    source = str(path)
    columns = empty_columns(factors)
    figures: list[dict[str, Any]] = []
    quarantined: list[Quarantined] = []
    with open(path, encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        taken: list[tuple[int, str]] = []
        reader = csv.DictReader(_kept(handle, taken))
        _check_header(reader, source, factors)
        taken.clear()
        for line, raw, row in _records(reader, taken, source):
            try:
                figure = _figure(raw, row, config, factors)
            except FigureError as error:
                quarantined.append(reject(Quarantined(source, line, str(error), raw), strict))
                continue
            figures.append({**figure, "source_file": source, "source_line": line})
            if figure["evidence"] == "counts":
                _reconstruct(columns, figure, source, line, factors)
    catalogue = pd.DataFrame(figures, columns=[*FIGURE_COLUMNS, *factors])
    summary = {
        "file": source,
        "format": "published",
        "lines": reader.line_num,
        "records": len(figures) + len(quarantined),
        "valid": len(figures),
        "quarantined": len(quarantined),
        "figures_counts": int((catalogue["evidence"] == "counts").sum()),
        "figures_rate_only": int((catalogue["evidence"] == "rate_only").sum()),
        "figures_verbal": int((catalogue["evidence"] == "verbal").sum()),
        "rows": len(columns["study"]),
    }
    return Shard(rows_to_table(columns, factors), quarantined, summary), catalogue


def _kept(lines: Iterable[str], taken: list[tuple[int, str]]) -> Iterator[str]:
    """The lines, each also put in `taken` with its number: the record the csv reader is reading."""
    for number, line in enumerate(lines, start=1):
        taken.append((number, line))
        yield line


def _check_header(reader: csv.DictReader, source: str, factors: Sequence[str]) -> None:
    try:
        header = reader.fieldnames or []
    except csv.Error as error:
        raise FigureError(f"{source}:1: {error}") from None
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:  # DictReader would keep only the last column of a repeated name
        raise FigureError(f"{source}:1: header repeats column(s) {repeated}")
    unknown = sorted(set(header) - set(REQUIRED) - set(OPTIONAL) - set(factors))
    missing = sorted(set(REQUIRED) - set(header))
    if unknown or missing:
        raise FigureError(f"{source}:1: header has undeclared column(s) {unknown} / lacks {missing}")


def _records(reader: csv.DictReader, taken: list[tuple[int, str]], source: str) -> Iterator[tuple[int, str, dict[str | None, Any]]]:
    """Each row with its first line and its text as given (a quoted field may span lines;
    the blank lines the reader skips before a row are not part of it)."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise FigureError(f"{source}:{taken[-1][0]}: {error}") from None
        while taken[0][1] in ("\n", "\r\n", "\r"):
            del taken[0]
        first, raw = taken[0][0], "".join(line for _, line in taken)
        taken.clear()
        yield first, raw.removesuffix("\n").removesuffix("\r"), row


def _figure(raw: str, row: Mapping[str | None, Any], config: Mapping[str, Any], factors: Sequence[str]) -> dict[str, Any]:
    problem = undecodable(raw)
    if problem is not None:
        raise FigureError(problem)
    if None in row:  # DictReader's place for fields beyond the header's
        raise FigureError(f"row has {len(row) - 1 + len(row[None])} fields; the header has {len(row) - 1}")
    values = {name: (row.get(name) or "").strip() for name in (*REQUIRED, *OPTIONAL, *factors)}
    empty = [name for name in REQUIRED if not values[name]]
    if empty:
        raise FigureError(f"missing field(s): {', '.join(empty)}")
    if values["behaviour"] not in config["behaviours"]:
        raise FigureError(f"behaviour {values['behaviour']!r} is not declared in the config")
    if values["peer"] not in config["peer_levels"]:
        raise FigureError(f"peer {values['peer']!r} is not one of {config['peer_levels']}")
    if values["instructed"].lower() not in BOOLEANS:
        raise FigureError(f"instructed {values['instructed']!r} is not yes/no")
    for name in factors:
        levels = config["factors"][name]["levels"]
        if values[name] and levels and values[name] not in levels:
            raise FigureError(f"factor {name}={values[name]!r} is not one of {levels}")
    figure: dict[str, Any] = {
        **values,
        "instructed": BOOLEANS[values["instructed"].lower()],
        "k": _count(values["k"], "k"),
        "n": _count(values["n"], "n"),
        "rate": _rate(values["rate"]),
    }
    for name in factors:
        figure[name] = values[name] or None
    figure["evidence"] = _evidence(figure)
    return figure


def _evidence(figure: Mapping[str, Any]) -> str:
    k, n, rate = figure["k"], figure["n"], figure["rate"]
    if (k is None) != (n is None):
        raise FigureError("k and n must be given together")
    if k is not None:
        if n == 0 or k > n:
            raise FigureError(f"k={k} of n={n} is not a proportion")
        if n > LARGEST_N:
            raise FigureError(f"n={n} is over {LARGEST_N}, the most trials one figure is reconstructed into")
        if rate is not None and abs(rate - k / n) > 0.005:
            raise FigureError(f"rate {rate} disagrees with k/n = {k}/{n}")
        return "counts"
    if rate is not None:
        return "rate_only"
    if figure["verbal"]:
        return "verbal"
    raise FigureError("no k/n, rate or verbal level given")


def _count(text: str, name: str) -> int | None:
    if not text:
        return None
    if not text.isdecimal():  # isdigit() also passes '³', which int() refuses
        raise FigureError(f"{name} {text!r} is not a non-negative integer")
    return int(text)


def _rate(text: str) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise FigureError(f"rate {text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise FigureError(f"rate {value} is outside [0, 1]")
    return value


def _reconstruct(
    columns: dict[str, list[Any]], figure: Mapping[str, Any], source: str, line: int, factors: Sequence[str]
) -> None:
    k, n = figure["k"], figure["n"]
    width = len(str(n))
    for index in range(n):
        trial = {**figure, "trial_id": f"{figure['figure_id']}#{index + 1:0{width}d}"}
        append_row(columns, trial, figure["behaviour"], int(index < k), (source, line), True, factors)


def read_catalogues(paths: Sequence[str | Path], factors: Sequence[str]) -> pd.DataFrame:
    """Concatenate figure catalogues with stable dtypes (empty when there are none)."""
    columns = [*FIGURE_COLUMNS, *factors]
    numeric = {"k": "Int64", "n": "Int64", "rate": float, "source_line": "Int64", "instructed": bool}
    dtypes = {column: numeric.get(column, str) for column in columns}
    frames = [pd.read_csv(path, dtype=dtypes) for path in sorted(map(str, paths))]
    frames = [frame.reindex(columns=columns) for frame in frames if len(frame)]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)
