"""Records that cannot be used: kept with file, line and reason, never dropped.

Quarantine files are JSONL, one object per rejected record, holding the raw
text exactly as the user gave it so nothing is lost.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path


class IngestError(ValueError):
    """A record could not be used and the run is strict: stop with file:line and reason."""


@dataclass(frozen=True)
class Quarantined:
    file: str
    line: int
    reason: str
    raw: str

    def located(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


def write_quarantine(records: Iterable[Quarantined], path: str | Path) -> int:
    """Write quarantined records as JSONL; return how many were written.

    A raw line that was not UTF-8 holds lone surrogates (its bytes, read with
    surrogateescape); they are written as JSON \\udcXX escapes, so the line's bytes
    can be recovered exactly: raw.encode("utf-8", "surrogateescape").
    """
    count = 0
    with open(path, "w", encoding="utf-8", errors="backslashreplace") as out:
        for record in records:
            out.write(json.dumps(asdict(record), ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
    return count


def read_quarantine(path: str | Path) -> list[Quarantined]:
    with open(path, encoding="utf-8") as handle:
        return [Quarantined(**json.loads(line)) for line in handle if line.strip()]


def undecodable(raw: str) -> str | None:
    """Why text read with errors="surrogateescape" is not UTF-8 (its first bad byte), or None."""
    if raw.isascii():
        return None
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError as error:
        return f"not valid UTF-8: byte 0x{ord(raw[error.start]) - 0xDC00:02x} at column {error.start + 1}"
    return None


def reject(record: Quarantined, strict: bool) -> Quarantined:
    """Return the record for quarantine, or raise at once when the run is strict."""
    if strict:
        raise IngestError(f"quarantined record (strict mode): {record.located()}")
    return record
