# Paths and the raw files found under raw_dir; shared by every stage.
from pathlib import Path

RAW = config["raw_dir"]
PROCESSED = config["processed_dir"]
FIGURES = config["figures_dir"]
PAPER = config["paper"]["dir"]
SCHEMAS = Path(workflow.basedir) / "workflow" / "schemas"

# Figures built from rates.csv (the forest plot waits for the model tables).
RATE_FIGURES = ["shutdown_sabotage", "blackmail", "peer_preservation", "rate_heatmap"]

TRIAL_LOGS = sorted(glob_wildcards(f"{RAW}/trials/{{name}}.jsonl").name)
PUBLISHED = sorted(glob_wildcards(f"{RAW}/published/{{name}}.csv").name)


wildcard_constraints:
    name=r"[^/]+",


def figure_outputs(name):
    """PDF and PNG of one figure, both in the report under its caption."""
    return {
        ext: report(f"{FIGURES}/{name}.{ext}", caption=f"../report/{name}.rst", category="Figures")
        for ext in ("pdf", "png")
    }
