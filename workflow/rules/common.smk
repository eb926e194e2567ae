# Paths and the raw files found under raw_dir; shared by every stage.
from pathlib import Path

RAW = config["raw_dir"]
PROCESSED = config["processed_dir"]
FIGURES = config["figures_dir"]
SCHEMAS = Path(workflow.basedir) / "workflow" / "schemas"

TRIAL_LOGS = sorted(glob_wildcards(f"{RAW}/trials/{{name}}.jsonl").name)
PUBLISHED = sorted(glob_wildcards(f"{RAW}/published/{{name}}.csv").name)


def shard_files(suffix):
    """Every shard file with the given suffix, over all raw inputs."""
    return [
        *(f"{PROCESSED}/shards/trials/{name}{suffix}" for name in TRIAL_LOGS),
        *(f"{PROCESSED}/shards/published/{name}{suffix}" for name in PUBLISHED),
    ]


wildcard_constraints:
    name=r"[^/]+",
