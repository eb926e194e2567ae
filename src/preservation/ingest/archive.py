"""Safety checks on a zip archive before it is read.

`.eval` logs are zip archives; checking the central directory first turns a
truncated or hostile archive into a clear reason (and a quarantined file)
instead of a stack trace or a memory blow-up. The archive is returned open,
so that its directory (20,000 entries for a 20,000-sample log) is parsed
once for every read of it. Nothing is ever extracted to disk.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import zipfile_zstd  # noqa: F401  # registers zstd, the compression inspect_ai writes, with zipfile

DEFAULT_MAX_ENTRY_BYTES = 1 << 30


class ArchiveError(ValueError):
    """An archive that is unreadable or unsafe to read."""


def open_archive(path: str | Path, max_entry_bytes: int = DEFAULT_MAX_ENTRY_BYTES) -> zipfile.ZipFile:
    """The archive, open for reading (the caller closes it); ArchiveError for a corrupt archive, an escaping entry name or an oversized entry."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise ArchiveError(f"not a readable zip archive (truncated or corrupt): {error}") from error
    try:
        _check_entries(archive.infolist(), max_entry_bytes)
    except ArchiveError:
        archive.close()
        raise
    return archive


def _check_entries(entries: list[zipfile.ZipInfo], max_entry_bytes: int) -> None:
    for entry in entries:
        name = entry.filename.replace("\\", "/")
        parts = name.split("/")  # not PurePosixPath: it interns every part of 20,000 names for good
        if name.startswith("/") or ".." in parts or ":" in parts[0]:
            raise ArchiveError(f"entry name {entry.filename!r} escapes the archive")
        if entry.file_size > max_entry_bytes:
            raise ArchiveError(f"entry {entry.filename!r} is {entry.file_size} bytes, over the limit of {max_entry_bytes}")
