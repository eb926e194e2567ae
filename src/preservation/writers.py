"""Deterministic writers for shards and outputs (no pandas, so ingest jobs start fast)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from preservation.ingest.trial_log import Shard
from preservation.quarantine import write_quarantine

# Per-trial ids are nearly unique: dictionary-encoding them costs write time and bytes for nothing.
UNIQUE_COLUMNS = ("trial_id", "source_line")


def parquet_options(schema: pa.Schema, statistics: bool = True) -> dict[str, Any]:
    """Writer options: zstd, the Arrow schema kept, dictionaries only where values repeat."""
    dictionary = [name for name in schema.names if name not in UNIQUE_COLUMNS]
    return {"compression": "zstd", "write_statistics": statistics, "store_schema": True, "use_dictionary": dictionary}


def write_json(data: Any, path: str | Path) -> None:
    """Deterministic JSON: sorted keys, fixed indentation, trailing newline."""
    Path(path).write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def write_table(table: pa.Table, path: str | Path, statistics: bool = True) -> None:
    """Parquet without wall-clock metadata, so equal tables give equal bytes."""
    pq.write_table(table, path, **parquet_options(table.schema, statistics))


def write_shard(shard: Shard, table_path: str | Path, quarantine_path: str | Path, summary_path: str | Path) -> None:
    # The gather reads shards whole, so min/max statistics (about 40% of a shard's write time) are left out.
    write_table(shard.table, table_path, statistics=False)
    write_quarantine(shard.quarantined, quarantine_path)
    write_json(shard.summary, summary_path)
