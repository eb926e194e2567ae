# Paths and the raw files found under raw_dir; shared by every stage.
import os
import sys
from dataclasses import asdict
from pathlib import Path

from preservation.code_version import code_version
from preservation.configuration import ConfigError, check_config, raw_names, sorted_keys
from preservation.ingest.sources import FORMATS, absent_sources, discover_units, empty_sources
from preservation.records import factor_names
from preservation.run_report import current_summary
from preservation.stats.model_spec import ModelSpec

# Relative, so that a moved or copied project does not see its inputs as changed.
SCHEMAS = Path(os.path.relpath(workflow.basedir)) / "workflow" / "schemas"
SCRIPTS = Path(workflow.basedir) / "workflow" / "scripts"

# The schema, the cross-references it cannot check (names, levels, raw_dir) and
# the raw-data layout, before any job runs. The message names every problem on
# a line of its own; Snakemake would add a traceback of this file to it.
# check_config also fills in the schema's defaults, the only ones there are.
try:
    check_config(config, SCHEMAS / "config.schema.yaml", workflow.configfiles)
    TRIAL_LOGS = raw_names(f"{config['raw_dir']}/trials", ".jsonl")
    PUBLISHED = raw_names(f"{config['raw_dir']}/published", ".csv")
except ConfigError as error:
    sys.exit(str(error))

RAW = config["raw_dir"]
PROCESSED = config["processed_dir"]
FIGURES = config["figures_dir"]
PAPER = config["paper"]["dir"]

# The results each run's change report compares with: recorded on request
# (`snakemake baseline`) and kept in the repository, so never a rule's output.
BASELINE = f"{PAPER}/baseline.json"


def baseline_if_recorded(wildcards):
    """The baseline when one is recorded, else nothing: a run without one still writes its report."""
    return [BASELINE] if os.path.exists(BASELINE) else []


# Figures built from rates.csv (the forest plot waits for the model tables).
RATE_FIGURES = ["shutdown_sabotage", "blackmail", "peer_preservation", "rate_heatmap"]
# Units (a file, a robot batch, an experiment) of the configured `sources:`.
IMPORT_UNITS = {(unit.format, unit.name): unit for unit in discover_units(config)}
# Sources whose path exists but holds nothing their format reads (said loudly by gather_trials).
EMPTY_SOURCES = empty_sources(config, list(IMPORT_UNITS.values()))


def code_of(script, *notebooks):
    """The package code a rule's script (and notebook) runs, as a parameter of the rule.

    Snakemake tracks the script file itself, not the modules it imports; with
    this param an edit under src/ re-runs exactly the rules that reach it.
    """
    return code_version(SCRIPTS / script, *notebooks)


# Config reaches a job through its rule's params alone, exactly the values its
# script reads: Snakemake re-runs a job when its params change, and does not
# track `snakemake.config`, which no script reads (tests/test_config_route.py).
# The declared behaviours and levels every importer checks records against.
LEVELS = sorted_keys({name: config[name] for name in ("behaviours", "peer_levels", "factors")})
FACTORS = factor_names(config)
MODEL_SPEC = ModelSpec.from_config(config)


def model_fields(*names):
    """The fields of the configured ModelSpec a model rule's script uses, as its parameter.

    The script builds its ModelSpec from these alone (the rest keep the
    library's defaults), so they must be every field it uses.
    """
    return sorted_keys({name: getattr(MODEL_SPEC, name) for name in names})


def import_unit(wildcards):
    return IMPORT_UNITS[(wildcards.format, wildcards.name)]


def import_shard_files(suffix):
    """Shard files of every import unit, for gather_trials and coding_agreement."""
    return [f"{PROCESSED}/shards/{fmt}/{name}{suffix}" for fmt, name in sorted(IMPORT_UNITS)]


def shard_files(suffix):
    """Every shard file with the given suffix, over all raw inputs."""
    return [
        *(f"{PROCESSED}/shards/trials/{name}{suffix}" for name in TRIAL_LOGS),
        *(f"{PROCESSED}/shards/published/{name}{suffix}" for name in PUBLISHED),
        *import_shard_files(suffix),
    ]


def current_shards():
    """Every file the current raw inputs write under shards/ (any other is stale: gather_trials removes it)."""
    return sorted(
        [
            *(path for suffix in (".parquet", ".quarantine.jsonl", ".summary.json") for path in shard_files(suffix)),
            *(f"{PROCESSED}/shards/published/{name}.figures.csv" for name in PUBLISHED),
            *import_shard_files(".coding.csv"),
        ]
    )


wildcard_constraints:
    name=r"[^/]+",


def figure_outputs(name):
    """PDF and PNG of one figure, both in the report under its caption."""
    return {
        ext: report(f"{FIGURES}/{name}.{ext}", caption=f"../report/{name}.rst", category="Figures")
        for ext in ("pdf", "png")
    }
