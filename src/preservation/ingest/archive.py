"""Safety checks on a zip archive before a library reads it.

`.eval` logs are zip archives read in memory by inspect_ai; checking the
central directory first turns a truncated or hostile archive into a clear
reason (and a quarantined file) instead of a stack trace or a memory blow-up.
Nothing is ever extracted to disk.
"""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

DEFAULT_MAX_ENTRY_BYTES = 1 << 30


class ArchiveError(ValueError):
    """An archive that is unreadable or unsafe to read."""


def check_archive(path: str | Path, max_entry_bytes: int = DEFAULT_MAX_ENTRY_BYTES) -> list[str]:
    """The archive's entry names; ArchiveError for a corrupt archive, an escaping entry name or an oversized entry."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise ArchiveError(f"not a readable zip archive (truncated or corrupt): {error}") from error
    for entry in entries:
        name = entry.filename.replace("\\", "/")
        parts = PurePosixPath(name).parts
        if name.startswith("/") or ".." in parts or (parts and ":" in parts[0]):
            raise ArchiveError(f"entry name {entry.filename!r} escapes the archive")
        if entry.file_size > max_entry_bytes:
            raise ArchiveError(f"entry {entry.filename!r} is {entry.file_size} bytes, over the limit of {max_entry_bytes}")
    return [entry.filename for entry in entries]
