"""Deterministic writers for shards and outputs (no pandas, so ingest jobs start fast)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from preservation.ingest.trial_log import Shard
from preservation.quarantine import write_quarantine

PARQUET_OPTIONS: dict[str, Any] = {"compression": "zstd", "write_statistics": True, "store_schema": True}


def write_json(data: Any, path: str | Path) -> None:
    """Deterministic JSON: sorted keys, fixed indentation, trailing newline."""
    Path(path).write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def write_table(table: pa.Table, path: str | Path) -> None:
    """Parquet without wall-clock metadata, so equal tables give equal bytes."""
    pq.write_table(table, path, **PARQUET_OPTIONS)


def write_shard(shard: Shard, table_path: str | Path, quarantine_path: str | Path, summary_path: str | Path) -> None:
    write_table(shard.table, table_path)
    write_quarantine(shard.quarantined, quarantine_path)
    write_json(shard.summary, summary_path)
