# Paths and the raw files found under raw_dir; shared by every stage.
from pathlib import Path

RAW = config["raw_dir"]
PROCESSED = config["processed_dir"]
FIGURES = config["figures_dir"]
SCHEMAS = Path(workflow.basedir) / "workflow" / "schemas"

TRIAL_LOGS = sorted(glob_wildcards(f"{RAW}/trials/{{name}}.jsonl").name)
PUBLISHED = sorted(glob_wildcards(f"{RAW}/published/{{name}}.csv").name)


wildcard_constraints:
    name=r"[^/]+",
