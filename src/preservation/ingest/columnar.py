"""Fast path for JSONL trial logs: parse whole files with pyarrow, validate column-wise.

Per-line parsing and validation costs microseconds per record in Python; this
path costs nanoseconds. It only vouches for lines it can prove valid: every
other line is returned as a suspect for the per-line reference path, which
alone decides blank lines and quarantine reasons, so the results are the same.
A line is a suspect when it is not `{...}` on its own, is longer than
LONGEST_LINE, contains the text `null` (Arrow cannot tell an explicit null
from a missing field), sits in a small block Arrow fails to parse, or breaks a
rule checked column-wise.

The good lines are read in one pass with inferred types; only when Arrow
rejects a line or infers a type other than the declared one are they read
again with the declared schema, in blocks halved around the failures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

# Blocks that fail to parse are halved until this many lines, then left to the per-line path.
SMALLEST_BLOCK = 64
# Arrow's parser recurses once per nesting level and crashes the process (a segfault, not an
# error) on lines nested some 10^4-10^6 deep; a line of n bytes nests at most n/2 deep, and a
# trial record takes a few hundred bytes, so longer lines are left to the per-line path.
LONGEST_LINE = 4096
LINE = pa.field("line", pa.int64())
JSON_TYPES = {"string": pa.string(), "boolean": pa.bool_(), "integer": pa.int64()}


@dataclass
class Lines:
    """Byte offsets of a file's lines, numbered like Python's `for line in file`."""

    starts: np.ndarray
    ends: np.ndarray

    @classmethod
    def of(cls, data: np.ndarray) -> Lines:
        newlines = np.flatnonzero(data == ord("\n"))
        ends = newlines if len(data) == 0 or data[-1] == ord("\n") else np.append(newlines, len(data))
        return cls(np.concatenate(([0], ends[:-1] + 1)).astype(np.int64)[: len(ends)], ends)


@dataclass
class Parsed:
    """Records the fast path vouches for (with their 1-based `line`), and the rest."""

    table: pa.Table
    suspects: np.ndarray
    lines: Lines
    empty: int


def arrow_schema(schema: Mapping[str, Any]) -> pa.Schema:
    """The Arrow schema of a trial-log line, from the configured JSON schema."""
    props = schema["properties"]
    fields = []
    for name, spec in props.items():
        if name == "outcomes":
            behaviours = props["outcomes"]["propertyNames"]["enum"]
            fields.append(pa.field(name, pa.struct([(b, pa.int64()) for b in behaviours])))
        elif name == "factors":
            fields.append(pa.field(name, pa.struct([(f, pa.string()) for f in spec["properties"]])))
        else:
            fields.append(pa.field(name, JSON_TYPES[spec["type"]]))
    return pa.schema(fields)


def parse(data: bytes, schema: Mapping[str, Any]) -> Parsed:
    """Parse and validate every line Arrow can; name the lines the per-line path must judge."""
    raw = np.frombuffer(data, dtype=np.uint8)
    lines = Lines.of(raw)
    length = lines.ends - lines.starts
    empty = length == 0
    framed = ~empty & (length <= LONGEST_LINE) & (raw[np.minimum(lines.starts, len(raw) - 1)] == ord("{"))
    framed &= raw[np.maximum(lines.ends - 1, 0)] == ord("}")
    framed[_lines_containing(raw, b"null", lines)] = False
    good = np.flatnonzero(framed)
    keep = np.repeat(framed, length + 1)[: len(raw)] if len(good) < len(length) else None
    buffer = pa.py_buffer(data if keep is None else raw[keep].tobytes())
    # Each good line's bytes and newline; the last line may have none.
    offsets = np.minimum(np.concatenate(([0], np.cumsum(length[good] + 1))), buffer.size)
    declared = arrow_schema(schema)
    # Arrow does not check UTF-8 while parsing. ASCII is valid UTF-8, and isascii() takes 1-2 ms
    # per 100k records where validate(full=True) took 5 ms.
    utf8 = not data.isascii()
    pieces: list[pa.Table] = []
    failed: list[np.ndarray] = []
    try:
        if len(good):
            pieces.append(_parse_inferred(buffer, good, declared, utf8))
    except (pa.ArrowInvalid, ValueError):  # a line Arrow rejects, or types other than the declared ones
        options = pj.ParseOptions(explicit_schema=declared, unexpected_field_behavior="error")
        _parse_blocks(buffer, offsets, good, options, utf8, pieces, failed)
    table = pa.concat_tables(pieces) if pieces else declared.append(LINE).empty_table()
    invalid = _invalid(table, schema)
    suspects = [np.flatnonzero(~framed & ~empty) + 1, *failed]
    if pc.any(invalid).as_py():  # filtering copies every column, so only when needed
        suspects.append(table["line"].filter(invalid).to_numpy())
        table = table.filter(pc.invert(invalid))
    return Parsed(table, np.sort(np.concatenate(suspects)), lines, int(empty.sum()))


def _lines_containing(raw: np.ndarray, needle: bytes, lines: Lines) -> np.ndarray:
    """0-based indices of the lines containing `needle` (2 bytes or more).

    Its first two bytes are looked for as 16-bit words at even and odd offsets, the rest
    compared at the few hits: 7 ms per 100k records, where a bytes.find loop took 16 ms.
    """
    head = int.from_bytes(needle[:2], "little")
    words = [raw[odd : odd + (len(raw) - odd) // 2 * 2].view("<u2") for odd in (0, 1)]
    starts = np.concatenate([np.flatnonzero(pairs == head) * 2 + odd for odd, pairs in enumerate(words)])
    starts = starts[starts <= len(raw) - len(needle)]
    for at, byte in enumerate(needle[2:], start=2):
        starts = starts[raw[starts + at] == byte]
    return np.searchsorted(lines.starts, starts, side="right") - 1


def _read(block: pa.Buffer, lines: int, options: pj.ParseOptions, utf8: bool) -> pa.Table:
    """The records of `lines` lines; raises if Arrow rejects one of them or reads another count."""
    table = pj.read_json(pa.BufferReader(block), parse_options=options)
    if utf8:
        table.validate(full=True)
    if table.num_rows != lines:
        raise ValueError("a line held more than one JSON value")
    return table


def _parse_inferred(buffer: pa.Buffer, numbers: np.ndarray, declared: pa.Schema, utf8: bool) -> pa.Table:
    """All good lines in one read with inferred types; raises ValueError unless they fit `declared`.

    With an explicit schema Arrow fills each declared field a line lacks with a null, one at
    a time: the 6 of 8 declared factors absent from the bench files cost 40 ms per 100k
    records. Inferred types hold only the fields present; when they are the declared types,
    the values are those an explicit schema gives, and the cast adds absent fields as nulls.
    """
    table = _read(buffer, len(numbers), pj.ParseOptions(), utf8)
    if not _fits(pa.struct(table.schema), pa.struct(declared)):
        raise ValueError("inferred types differ from the declared ones")
    records = pa.Table.from_struct_array(table.to_struct_array().cast(pa.struct(declared)))
    return records.append_column(LINE, pa.array(numbers + 1, pa.int64()))


def _fits(inferred: pa.DataType, declared: pa.DataType) -> bool:
    """Whether `inferred` is `declared`, or a struct holding some of its children with their types."""
    if pa.types.is_struct(inferred) and pa.types.is_struct(declared):
        names = [child.name for child in declared]
        return all(child.name in names and _fits(child.type, declared.field(child.name).type) for child in inferred)
    return inferred == declared


def _parse_blocks(
    buffer: pa.Buffer,
    offsets: np.ndarray,
    numbers: np.ndarray,
    options: pj.ParseOptions,
    utf8: bool,
    pieces: list[pa.Table],
    failed: list[np.ndarray],
) -> None:
    """Parse lines numbers[i] (bytes offsets[i]:offsets[i+1]); halve failing blocks down to SMALLEST_BLOCK."""
    if len(numbers) == 0:
        return
    block = buffer.slice(int(offsets[0]), int(offsets[-1] - offsets[0]))
    try:
        table = _read(block, len(numbers), options, utf8)
    except (pa.ArrowInvalid, ValueError):
        if len(numbers) <= SMALLEST_BLOCK:
            failed.append(numbers + 1)
            return
        half = len(numbers) // 2
        _parse_blocks(buffer, offsets[: half + 1], numbers[:half], options, utf8, pieces, failed)
        _parse_blocks(buffer, offsets[half:], numbers[half:], options, utf8, pieces, failed)
        return
    pieces.append(table.append_column(LINE, pa.array(numbers + 1, pa.int64())))


def _invalid(table: pa.Table, schema: Mapping[str, Any]) -> pa.Array:
    """Rows breaking a rule Arrow's parser did not already enforce (types, unknown names)."""
    props = schema["properties"]
    bad = pa.array(np.zeros(table.num_rows, dtype=bool))
    for name in schema["required"]:
        bad = pc.or_(bad, pc.is_null(table[name]))
    for name, spec in props.items():
        if spec.get("minLength"):
            bad = pc.or_kleene(bad, _shorter(table[name], spec["minLength"]))
        if "enum" in spec:
            bad = pc.or_kleene(bad, pc.invert(pc.is_in(table[name], pa.array(spec["enum"]))))
    outcomes = table["outcomes"]
    present = pa.array(np.zeros(table.num_rows, dtype=bool))
    allowed = pa.array(props["outcomes"]["additionalProperties"]["enum"], pa.int64())
    for behaviour in props["outcomes"]["propertyNames"]["enum"]:
        values = pc.struct_field(outcomes, behaviour)
        present = pc.or_(present, pc.is_valid(values))
        bad = pc.or_(bad, _outside(values, allowed))
    bad = pc.or_(bad, pc.invert(present))
    for name, spec in props["factors"]["properties"].items():
        if "enum" in spec:
            values = pc.struct_field(table["factors"], name)
            bad = pc.or_(bad, _outside(values, pa.array(spec["enum"])))
    return pc.fill_null(bad, True)


def _shorter(values: pa.ChunkedArray, minimum: int) -> pa.ChunkedArray:
    """True where a string has fewer than `minimum` characters. Fewer than 1 means no bytes,
    which binary_length tells in 0.2 ms per 100k strings; utf8_length counts in 1.35 ms."""
    length = pc.binary_length(values) if minimum == 1 else pc.utf8_length(values)
    return pc.less(length, minimum)


def _outside(values: pa.Array, allowed: pa.Array) -> pa.Array:
    """True where a value is present and not allowed (is_in calls a null simply absent)."""
    return pc.and_(pc.is_valid(values), pc.invert(pc.is_in(values, allowed)))
