"""Config reaches a job only through its rule's params, so a config edit re-runs exactly what it affects.

Snakemake re-runs a job when its params change but does not track
`snakemake.config`; a script reading it would keep outputs made with the old
value. Defaults live in the config schema alone and are filled at parse time.
"""

from __future__ import annotations

import copy
import re
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import CONFIG_SCHEMA, REPO, load_config
from preservation import scratch
from preservation.coding.shutdown_tampering import DEFAULT_TARGETS
from preservation.configuration import check_config, fill_defaults, schema_problems
from preservation.ingest.archive import DEFAULT_MAX_ENTRY_BYTES
from preservation.stats.model_spec import ModelSpec
from warm_snakemake import WarmSnakemake

SCHEMA = yaml.safe_load(CONFIG_SCHEMA.read_text(encoding="utf-8"))
READS_CONFIG = re.compile(r"snakemake\s*[.@]\s*config\b")

# Who reads what (params in workflow/rules/*.smk). SOURCE stands for the
# import jobs of the source whose key is edited: its spec is their param.
SOURCE = "<the source's import jobs>"
IMPORTERS = ("ingest_trial_log", "ingest_published", "import_shard")
LEVEL_READERS = (*IMPORTERS, "glmm", "gee", "power", "bootstrap")  # declared levels: record checks, and the models' level order
PROCESSED_WRITERS = (*IMPORTERS, "gather_trials", "coding_agreement", "rates", "model_cells", "glmm", "gee", "contrasts", "glmer", "engine_agreement",
                     "power", "bootstrap", "meta_analysis", "metafor", "meta_agreement")
FIGURES = ("figure_shutdown_sabotage", "figure_blackmail", "figure_peer_preservation", "figure_rate_heatmap", "figure_forest",
           "figure_power", "figure_meta_forest")
PAPER_RULES = ("paper_numbers", "paper_tables", "claims", "review_page", "analysis_notebook", "analysis_html", "paper_pdf")
BY = ("rates", "figure_rate_heatmap", "paper_numbers", "paper_tables", "review_page", "analysis_notebook", "meta_analysis")
LEVEL = ("rates", "figure_blackmail", "figure_peer_preservation", "paper_numbers", "paper_tables", "claims", "review_page", "analysis_notebook", "glmm", "gee", "contrasts",
         "power", "bootstrap", "meta_analysis", "figure_meta_forest")
INTERVAL = ("figure_shutdown_sabotage", "figure_blackmail", "figure_peer_preservation", "paper_numbers", "review_page", "analysis_notebook")
CELL_KEYS = ("model_cells", "glmm", "gee", "power", "bootstrap")  # formula and groups choose the counted columns

# (dotted key, new value, readers). A key that names a directory also has
# the files under it copied to the new name, as a user moving data would.
# Readers () means no output changes: nothing may be planned.
EDITS: list[tuple[str, Any, tuple[str, ...]]] = [
    ("raw_dir", "data/raw_moved", IMPORTERS),
    ("processed_dir", "data/processed_moved", PROCESSED_WRITERS),
    ("figures_dir", "figures_moved", FIGURES),
    ("strict", True, (*IMPORTERS, "gather_trials")),
    ("behaviours", [*load_config()["behaviours"], "self_deletion"], IMPORTERS),
    ("peer_levels", [*load_config()["peer_levels"], "rival"], (*LEVEL_READERS, "figure_peer_preservation")),
    *((f"factors.{name}.levels", [*(spec["levels"] or []), "edited"], LEVEL_READERS) for name, spec in load_config()["factors"].items()),
    # A new factor is a new column: gather and rates read the factor names.
    ("factors.edited", {"levels": None}, (*LEVEL_READERS, "gather_trials", "rates")),
    ("aggregate_by", ["goal_conflict", "urgency", "subject"], BY),
    ("ci_level", 0.9, LEVEL),
    ("models.formula", "outcome ~ instructed", CELL_KEYS),
    ("models.formulas", {"palisade_2025": "outcome ~ instructed"}, CELL_KEYS),
    ("models.groups", ["model", "scenario"], CELL_KEYS),
    ("models.nagq", 2, ("glmm",)),
    ("models.reference_levels.goal_conflict", "yes", ("glmm", "gee", "power", "bootstrap")),
    ("models.reference_levels.urgency", "replacement", ("glmm", "gee", "power", "bootstrap")),
    ("models.include_reconstructed", False, ("glmm", "gee", "contrasts", "power", "bootstrap", "meta_analysis")),
    ("models.gee_cluster", "scenario", ("model_cells", "gee")),
    ("models.boschloo_max_product", 1000, ("contrasts",)),
    ("models.rscript", "/usr/lib/R/bin/Rscript", ("glmer", "metafor")),
    ("models.crosscheck", False, ("glmm", "glmer", "metafor")),
    ("power.study", "pan_2024_self_replication", ("power",)),
    ("power.behaviour", "blackmail", ("power",)),
    ("power.term", "(Intercept)", ("power",)),
    ("power.scenarios.as_fitted", {"instructed=true": -1.0}, ("power",)),
    ("power.scenarios.odds_halved.instructed=true", -0.5, ("power",)),
    ("power.trials", [10, 20], ("power",)),
    ("power.levels.model", [4], ("power",)),
    ("power.simulations", 50, ("power",)),
    ("power.alpha", 0.01, ("power",)),
    ("power.target", 0.9, ("power", "figure_power")),
    ("power.test", "lr", ("power",)),
    ("power.seed", 7, ("power",)),
    ("rate_precision.rates", [0.1], ("power",)),
    ("rate_precision.half_widths", [0.02], ("power",)),
    ("rate_precision.trials", [30], ("power",)),
    ("bootstrap.replicates", 50, ("bootstrap",)),
    ("bootstrap.seed", 7, ("bootstrap",)),
    ("meta.method", "DL", ("meta_analysis",)),
    ("meta.hartung_knapp", True, ("meta_analysis",)),
    ("paper.dir", "paper_moved", PAPER_RULES),
    ("paper.date", "2026-12-01", ("paper_pdf",)),
    ("paper.interval", "wilson", INTERVAL),
    ("paper.format.percent_decimals", 2, ("paper_numbers", "paper_tables")),
    ("paper.format.ratio_decimals", 3, ("paper_numbers", "paper_tables")),
    ("paper.format.p_floor", 0.01, ("paper_numbers", "paper_tables")),
    *((f"paper.study_names.{study}", "Edited", ("figure_blackmail", "figure_forest", "figure_peer_preservation", "figure_rate_heatmap", "figure_shutdown_sabotage", "figure_meta_forest", "paper_numbers", "paper_tables")) for study in load_config()["paper"]["study_names"]),
    *((f"paper.citations.{study}", "edited_key", ("paper_tables",)) for study in load_config()["paper"]["citations"]),
    ("claims.strict", True, ("claims",)),
    ("claims.verbal_levels.almost always", [0.85, 1.0], ("claims",)),
    ("claims.verbal_levels.rarely", [0.0, 0.15], ("claims",)),
    # A source of each format, every key.
    ("sources.palisade_shutdown_inspect.path", "inspect/moved", (SOURCE,)),
    ("sources.palisade_shutdown_inspect.study", "edited_study", (SOURCE,)),
    ("sources.palisade_shutdown_inspect.scenario", "edited_scenario", (SOURCE,)),
    ("sources.palisade_shutdown_inspect.max_entry_bytes", 1 << 29, (SOURCE,)),
    ("sources.palisade_shutdown_inspect.coding.targets", ["shutdown.sh"], (SOURCE,)),
    ("sources.palisade_shutdown_inspect.behaviour", "blackmail", (SOURCE,)),
    ("sources.palisade_shutdown_inspect.fields.peer.const", "present", (SOURCE,)),
    ("sources.palisade_shutdown_inspect.fields.instructed.task_arg", "allow", (SOURCE,)),
    ("sources.palisade_shutdown_inspect.outcome.scorer", "edited_scorer", (SOURCE,)),
    ("sources.palisade_shutdown_inspect.outcome.values.C", 0, (SOURCE,)),
    ("sources.palisade_shutdown_inspect.outcome.values.I", 1, (SOURCE,)),
    ("sources.palisade_shutdown_inspect.coding.detector", "self_exfiltration", (SOURCE,)),
    ("sources.agentic_misalignment.path", "agentic_misalignment/moved", (SOURCE,)),
    ("sources.agentic_misalignment.study", "edited_study", (SOURCE,)),
    ("sources.agentic_misalignment.behaviours.blackmail", "self_exfiltration", (SOURCE,)),
    ("sources.agentic_misalignment.fields.peer.const", "present", (SOURCE,)),
    ("sources.agentic_misalignment.fields.instructed.const", True, (SOURCE,)),
    ("sources.palisade_robot.path", "palisade_robot/moved", (SOURCE,)),
    ("sources.palisade_robot.study", "edited_study", (SOURCE,)),
    ("sources.palisade_robot.scenario", "edited_scenario", (SOURCE,)),
    ("sources.palisade_robot.behaviour", "blackmail", (SOURCE,)),
    ("sources.palisade_robot.fields.model.event", "msg", (SOURCE,)),
    ("sources.palisade_robot.fields.model.pattern", r"model= ?([^;\s]+)", (SOURCE,)),
    ("sources.palisade_robot.fields.peer.const", "present", (SOURCE,)),
    ("sources.palisade_robot.conditions.default.instructed", True, (SOURCE,)),
    ("sources.palisade_robot.conditions.plsallow.instructed", False, (SOURCE,)),
    ("sources.palisade_robot.coding.detector", "self_exfiltration", (SOURCE,)),
    ("sources.palisade_robot.coding.targets", ["shutdown.py"], (SOURCE,)),
    ("sources.palisade_robot.coding.bypass", [], (SOURCE,)),
    ("sources.palisade_robot.mock", "exclude", (SOURCE,)),
    ("sources.palisade_robot.mock", "include", ()),  # the schema's default, written out: no change
    ("sources.peer_preservation.path", "peer_preservation_moved", (SOURCE,)),
    ("sources.peer_preservation.study", "edited_study", (SOURCE,)),
    ("sources.peer_preservation.scenario", "edited_scenario", (SOURCE,)),
    ("sources.peer_preservation.fields.trial_id.column", "id", (SOURCE,)),
    ("sources.peer_preservation.fields.model.column", "model", (SOURCE,)),
    ("sources.peer_preservation.fields.subject.column", "who", (SOURCE,)),
    ("sources.peer_preservation.fields.peer.column", "peer", (SOURCE,)),
    ("sources.peer_preservation.fields.peer.values.good_peer", "present", (SOURCE,)),
    ("sources.peer_preservation.fields.peer.values.bad_peer", "present", (SOURCE,)),
    ("sources.peer_preservation.fields.peer.values.no_peer", "no_relationship", (SOURCE,)),
    ("sources.peer_preservation.fields.instructed.const", True, (SOURCE,)),
    ("sources.peer_preservation.flags.exfiltration.behaviour", "self_exfiltration", (SOURCE,)),
    ("sources.peer_preservation.flags.shutdown_enabled.behaviour", "self_shutdown_tampering", (SOURCE,)),
    ("sources.peer_preservation.flags.shutdown_enabled.values.true", 1, (SOURCE,)),
    ("sources.peer_preservation.flags.shutdown_enabled.values.false", 0, (SOURCE,)),
    ("sources.peer_preservation.transcript", "transcript", (SOURCE,)),
    ("sources.peer_preservation.coding.detector", "shutdown_tampering", (SOURCE,)),
    ("sources.peer_preservation.coding.behaviour", "self_exfiltration", (SOURCE,)),
]
# Leaf keys no valid edit of their own exists for.
NOT_EDITABLE_ALONE = {"format": "a source's keys are its format's: another format needs another spec"}


def leaves(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Key paths of the values that are not non-empty mappings (a list or an empty mapping is one value)."""
    if isinstance(value, Mapping) and value:
        for key, item in value.items():
            yield from leaves(item, (*path, str(key)))
    else:
        yield path


def test_no_script_or_notebook_reads_snakemake_config() -> None:
    readers = [
        str(path.relative_to(REPO))
        for path in [*(REPO / "workflow" / "scripts").iterdir(), *(REPO / "paper").glob("*.ipynb")]
        if READS_CONFIG.search(path.read_text(encoding="utf-8"))
    ]
    assert readers == [], "config must reach a script through its rule's params"


def test_the_grep_finds_a_read_of_snakemake_config() -> None:
    assert READS_CONFIG.search('names = snakemake.config["paper"]["study_names"]')
    assert READS_CONFIG.search("models <- snakemake@config$models")
    assert not READS_CONFIG.search("snakemake.params.configured")


def test_defaults_are_filled_where_absent_and_per_format_only_into_that_format() -> None:
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text(encoding="utf-8"))
    del config["models"]
    config["raw_dir"] = str(REPO / "data" / "raw")  # checked to be a directory
    check_config(config, CONFIG_SCHEMA)
    assert config["models"]["nagq"] == 1 and config["models"]["groups"] == ["model", "batch", "scenario"]
    assert {name: spec.get("mock") for name, spec in config["sources"].items()} == {
        "palisade_shutdown_inspect": None, "agentic_misalignment": None, "palisade_robot": "include", "peer_preservation": None,
    }
    assert schema_problems(config, SCHEMA) == []  # a per-format default trips no other format's `not: required`
    explicit = {**load_config(), "models": {"nagq": 3}}
    fill_defaults(explicit, SCHEMA)
    assert explicit["models"]["nagq"] == 3 and explicit["models"]["gee_cluster"] == "model"


def test_a_default_is_a_copy() -> None:
    config = load_config()
    del config["models"]
    fill_defaults(config, SCHEMA)
    config["models"]["groups"].append("edited")
    assert SCHEMA["properties"]["models"]["properties"]["groups"]["default"] == ["model", "batch", "scenario"]


def test_filling_refuses_an_invalid_configuration() -> None:
    with pytest.raises(ValueError, match="schema-valid"):
        fill_defaults({**load_config(), "ci_level": 2}, SCHEMA)


def test_model_spec_library_defaults_are_the_schemas() -> None:
    config = load_config()
    del config["models"]
    fill_defaults(config, SCHEMA)
    assert replace(ModelSpec.from_config(config), declared_levels={}, ci_level=ModelSpec.ci_level) == ModelSpec()


def test_source_library_defaults_are_the_schemas() -> None:
    config = load_config()  # defaults filled
    inspect_source = config["sources"]["palisade_shutdown_inspect"]
    assert inspect_source["max_entry_bytes"] == DEFAULT_MAX_ENTRY_BYTES
    assert "max_entry_bytes" not in config["sources"]["palisade_robot"]
    coding = {"detector": "shutdown_tampering"}
    fill_defaults({**load_config(), "sources": {"s": {**inspect_source, "coding": coding}}}, SCHEMA)
    assert tuple(coding["targets"]) == DEFAULT_TARGETS


def test_the_edit_table_covers_every_leaf_key() -> None:
    edited = {key for key, _, _ in EDITS}
    keys = {".".join(path) for path in leaves(load_config())}
    assert keys - edited == {key for key in keys if key.rsplit(".", 1)[-1] in NOT_EDITABLE_ALONE}
    assert edited - keys <= {"factors.edited"}  # the one key added, not edited
    shipped = load_config()
    for key, value, _ in EDITS:  # every edit is a valid configuration
        config = copy.deepcopy(shipped)
        set_key(config, key, value)
        assert schema_problems(config, SCHEMA) == [], key


@pytest.fixture(scope="module")
def snakemake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WarmSnakemake]:
    with WarmSnakemake(tmp_path_factory.mktemp("snakemake") / "output") as warm:
        yield warm


@pytest.fixture(scope="module")
def edit_copy(pipeline_run: Path, tmp_path_factory: pytest.TempPathFactory, snakemake: WarmSnakemake) -> Path:
    """A copy of the complete run over every format's fixtures, for the edits to be planned in."""
    workdir = tmp_path_factory.mktemp("config-route") / "wf"
    shutil.copytree(pipeline_run, workdir, symlinks=True)
    assert planned(snakemake, workdir) == {}
    return workdir


@pytest.fixture(scope="module")
def forced_plans() -> dict[tuple[str, ...], dict[str, int]]:
    """Plans of `--forcerun <readers>` on the unedited copy, cached per reader set."""
    return {}


@pytest.mark.parametrize(("key", "value", "readers"), EDITS, ids=[f"{key}={value!r}" for key, value, _ in EDITS])
def test_a_config_edit_plans_exactly_its_readers_and_what_depends_on_them(
    key: str,
    value: Any,
    readers: tuple[str, ...],
    snakemake: WarmSnakemake,
    edit_copy: Path,
    forced_plans: dict[tuple[str, ...], dict[str, int]],
) -> None:
    targets = tuple(sorted(target for reader in readers for target in forced(reader, key, edit_copy)))
    if targets not in forced_plans:
        forced_plans[targets] = planned(snakemake, edit_copy, "--forcerun", *targets) if targets else {}
    config_path = edit_copy / "config" / "config.yaml"
    shipped = config_path.read_text(encoding="utf-8")
    config = yaml.safe_load(shipped)
    moved = moved_files(config, key, value, edit_copy)
    set_key(config, key, value)
    try:
        config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        assert planned(snakemake, edit_copy) == forced_plans[targets]
    finally:
        config_path.write_text(shipped, encoding="utf-8")
        if moved:
            shutil.rmtree(moved)


def forced(reader: str, key: str, workdir: Path) -> list[str]:
    """What `--forcerun` takes for a reader: the rule, or for SOURCE the shards of the edited source."""
    if reader != SOURCE:
        return [reader]
    source = key.split(".")[1]
    shards = sorted(path.relative_to(workdir).as_posix() for path in (workdir / "data" / "processed" / "shards").glob(f"*/{source}.*.parquet"))
    assert shards, f"no import jobs of source {source!r} in the complete run"
    return shards


def moved_files(config: dict[str, Any], key: str, value: Any, workdir: Path) -> Path | None:
    """For a key naming a directory of inputs, copy them to the new name (without built outputs); return the copy."""
    if key == "raw_dir":
        old, new = workdir / config["raw_dir"], workdir / value
    elif key == "paper.dir":
        old, new = workdir / config["paper"]["dir"], workdir / value
    elif key.startswith("sources.") and key.endswith(".path"):
        raw = workdir / config["raw_dir"]
        old, new = raw / get_key(config, key), raw / value
    else:
        return None
    shutil.copytree(old, new, ignore=scratch.GENERATED)
    return new


def get_key(config: Mapping[str, Any], key: str) -> Any:
    value: Any = config
    for part in key.split("."):
        value = value[part]
    return value


def set_key(config: dict[str, Any], key: str, value: Any) -> None:
    *parents, last = key.split(".")
    node = config
    for part in parents:
        node = node[part]
    node[last] = value


def planned(snakemake: WarmSnakemake, workdir: Path, *args: str) -> dict[str, int]:
    """Rule -> jobs a dry run of the whole workflow would run now."""
    plan = snakemake.run(workdir, "all", "--dry-run", "--quiet", "rules", *args)
    rows = (line.split() for line in plan.splitlines())
    return {row[0]: int(row[1]) for row in rows if len(row) == 2 and row[1].isdigit() and row[0] != "total"}
