"""Benchmark the real pipeline on synthetic trial logs (`make bench`).

For each size, the workflow is copied to a scratch directory whose config
points raw_dir at generated data (bench/generate.py), and each stage runs
through `snakemake --cores 2 --until <rules>`, so times include Snakemake's own
start-up. Per stage: wall time, records/s, the peak RSS of any process (from
wait4) and of any job (from the rules' `benchmark:` files). Beside them, on the
same data: pyarrow.json.read_json (the parsing floor); R's glmer on the same
counted cells as the Python fits (the glmer job), when Rscript and lme4
exist; the Snakemake floor, as many start-only jobs as there are trial
logs; and Snakemake with every ingest job done (its start-up alone). Then
Inspect logs of 2,000 and 20,000 tool-calling samples (bench/inspect_logs.py):
the import job against inspect_ai's own reads of the same log. Then the
shipped data: a cold run and a no-op re-run. Last, power at 1,000
simulations and a 50-study meta-analysis (bench/power.py). Prints a table; writes
bench/results.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

from preservation import scratch
from preservation.stats.crosscheck import glmer_unavailable

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
STAGES = (
    ("ingest", ("ingest_trial_log", "ingest_published")),
    ("gather", ("gather_trials",)),
    ("aggregate", ("rates",)),
    ("fit", ("glmm", "gee", "contrasts")),
    ("glmer", ("engine_agreement",)),  # with the glmer job it needs
)
READ_JSON = """
import sys, time, pyarrow.json as pj
start, cpu = time.perf_counter(), time.process_time()
rows = sum(pj.read_json(path).num_rows for path in sys.argv[1:])
print(rows, time.perf_counter() - start, time.process_time() - cpu)
"""
INGEST_CODE = """
import sys, tempfile, time, yaml
from pathlib import Path
from preservation.ingest.trial_log import read_trial_log
from preservation.ingest.validator import compile_validator
from preservation.records import factor_names
from preservation.writers import write_shard
config = yaml.safe_load(Path("config/config.yaml").read_text(encoding="utf-8"))
validate = compile_validator("workflow/schemas/trial_log.schema.json", config)
start, cpu = time.perf_counter(), time.process_time()
with tempfile.TemporaryDirectory() as scratch:
    for path in sys.argv[1:]:
        shard = read_trial_log(path, validate, factor_names(config))
        write_shard(shard, *(f"{scratch}/shard{suffix}" for suffix in (".parquet", ".quarantine.jsonl", ".summary.json")))
print(time.perf_counter() - start, time.process_time() - cpu)
"""
# The fixed cost of per-file jobs: as many Snakemake `script:` jobs as there are
# trial logs, each starting Python and importing what an ingest job imports, and
# doing nothing else. No ingest stage built from per-file jobs can beat it.
FLOOR_SNAKEFILE = """
rule all:
    input: expand("floor/{i}.done", i=range(int(config["jobs"])))
rule start_only:
    output: "floor/{i}.done"
    script: "floor.py"
"""
FLOOR_SCRIPT = """
import preservation.ingest.trial_log, preservation.ingest.validator, preservation.runlog, preservation.writers
open(snakemake.output[0], "w").close()
"""
def measure(command: list[str], cwd: Path) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds of the whole process tree, peak RSS in MiB of its
    largest process, and stdout. CPU seconds matter on a shared machine, where
    wall time also counts waiting for other users' processes."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n{output[-4000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, output


def scratch_workflow(target: Path, raw_dir: Path | None) -> Path:
    """A fresh copy of the workflow in target; with raw_dir, its config reads raw data from there."""
    shutil.rmtree(target, ignore_errors=True)
    scratch.copy_workflow(REPO, target, raw=raw_dir is None)
    if raw_dir is not None:
        scratch.read_raw_from(target, raw_dir)
    return target


def benchmark_row(path: Path) -> dict[str, str]:
    """The measurements a rule's `benchmark:` file holds for its one run."""
    with path.open(encoding="utf-8") as handle:
        return next(csv.DictReader(handle, delimiter="\t"))


def job_benchmarks(workdir: Path, seen: set[Path]) -> tuple[int, float, float, float]:
    """Jobs finished since `seen`: their count, summed wall and CPU seconds, largest max_rss (MiB)."""
    fresh = sorted(set((workdir / "benchmarks").rglob("*.tsv")) - seen)
    seen.update(fresh)
    rows = [benchmark_row(path) for path in fresh]
    rss = [float(row["max_rss"]) for row in rows if row["max_rss"] not in ("", "NA", "-")]
    cpu = sum(float(row["cpu_time"]) for row in rows if row["cpu_time"] not in ("", "NA", "-"))
    return len(rows), sum(float(row["s"]) for row in rows), cpu, max(rss, default=float("nan"))


def bench_size(records: int, files: int | None) -> dict[str, Any]:
    """Generate (if needed) and benchmark one data size."""
    data = BENCH / "data" / f"n{records}"
    if not (data / "README.md").exists():
        command = [sys.executable, str(BENCH / "generate.py"), "--records", str(records), "--out", str(data)]
        subprocess.run([*command, *(["--files", str(files)] if files else [])], check=True)
    workdir = scratch_workflow(BENCH / "data" / "work" / f"n{records}", data)
    rules = set(measure([SNAKEMAKE, "--list-rules"], workdir)[3].split())
    seen: set[Path] = set()
    stages = {}
    for stage, names in STAGES:
        present = [name for name in names if name in rules]
        if not present or (stage == "glmer" and glmer_unavailable() is not None):
            continue
        wall, cpu, peak, _ = measure([SNAKEMAKE, "--cores", "2", "--until", *present], workdir)
        jobs, job_seconds, job_cpu, job_rss = job_benchmarks(workdir, seen)
        stages[stage] = {
            "wall_s": round(wall, 2),
            "records_per_s": round(records / wall),
            "cpu_s": round(cpu, 2),
            "records_per_cpu_s": round(records / cpu),
            "peak_rss_mib": round(peak, 1),
            "jobs": jobs,
            "job_seconds": round(job_seconds, 2),
            "job_cpu_s": round(job_cpu, 2),
            "job_max_rss_mib": round(job_rss, 1),
        }
    # Snakemake's own cost with every ingest job done: start, parse the workflow, build the DAG, check files.
    ingest_rules = [name for name in dict(STAGES)["ingest"] if name in rules]
    noop, _, _, output = measure([SNAKEMAKE, "--cores", "2", "--until", *ingest_rules], workdir)
    assert "Execute" not in output, output  # no job ran
    trial_logs = sorted(str(path) for path in (data / "trials").glob("*.jsonl"))
    _, _, peak, output = measure([sys.executable, "-c", READ_JSON, *trial_logs], workdir)
    rows, seconds, cpu = (float(value) for value in output.split())
    read_json = {"rows": int(rows), "wall_s": round(seconds, 2), "records_per_s": round(records / seconds)}
    read_json |= {"cpu_s": round(cpu, 2), "records_per_cpu_s": round(records / cpu), "peak_rss_mib": round(peak, 1)}
    _, _, peak, output = measure([sys.executable, "-c", INGEST_CODE, *trial_logs], workdir)
    seconds, cpu = (float(value) for value in output.split())
    in_process = {"wall_s": round(seconds, 2), "records_per_s": round(records / seconds), "cpu_s": round(cpu, 2)}
    in_process |= {"records_per_cpu_s": round(records / cpu), "peak_rss_mib": round(peak, 1)}
    reference = {"read_json": read_json, "ingest_code_in_process": in_process, "snakemake_floor": snakemake_floor(workdir, len(trial_logs))}
    reference["snakemake_noop_ingest_s"] = round(noop, 2)
    if "glmer" in stages:
        reference["glmer_same_cells"] = glmer_same_cells(workdir)
    total = sum(stages[stage]["wall_s"] for stage in ("ingest", "gather", "aggregate"))
    return {
        "records": records,
        "files": len(trial_logs),
        "bytes": sum(Path(path).stat().st_size for path in trial_logs),
        "stages": stages,
        "reference": reference,
        "ingest_to_aggregate_wall_s": round(total, 2),
        "ingest_vs_read_json": round(stages["ingest"]["records_per_s"] / read_json["records_per_s"], 3),
        "ingest_vs_read_json_cpu": round(stages["ingest"]["records_per_cpu_s"] / read_json["records_per_cpu_s"], 3),
        "ingest_code_vs_read_json": round(in_process["records_per_s"] / read_json["records_per_s"], 3),
        "ingest_code_vs_read_json_cpu": round(in_process["records_per_cpu_s"] / read_json["records_per_cpu_s"], 3),
        "peak_rss_any_process_mib": max(stage["peak_rss_mib"] for stage in stages.values()),
    }


def snakemake_floor(workdir: Path, jobs: int) -> dict[str, Any]:
    """Wall and CPU seconds of `jobs` start-only script jobs (FLOOR_SNAKEFILE) at --cores 2."""
    floor = workdir / "floor"
    shutil.rmtree(floor, ignore_errors=True)
    floor.mkdir()
    (floor / "Snakefile").write_text(FLOOR_SNAKEFILE, encoding="utf-8")
    (floor / "floor.py").write_text(FLOOR_SCRIPT, encoding="utf-8")
    wall, cpu, _, _ = measure([SNAKEMAKE, "--cores", "2", "--config", f"jobs={jobs}"], floor)
    return {"jobs": jobs, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2)}


def glmer_same_cells(workdir: Path) -> dict[str, Any]:
    """The glmm job (Python fits) against the glmer job (R) on the same counted cells.

    glmm reads the cells table, builds each design, fits it and writes the
    cells it fitted for R; glmer reads those cells and fits them with lme4.
    """
    table = pd.read_csv(workdir / "data/processed/models/engine_agreement.csv")
    seconds = {rule: round(float(benchmark_row(workdir / f"benchmarks/models/{rule}.tsv")["s"]), 2) for rule in ("glmm", "glmer")}
    return {
        "fits": int(table[["study", "behaviour"]].drop_duplicates().shape[0]),
        "parameters": len(table),
        "all_within_tolerance": bool(table["within_tolerance"].eq(True).all()),
        "python_job_s": seconds["glmm"],
        "glmer_job_s": seconds["glmer"],
    }


def bench_shipped() -> dict[str, Any]:
    """The whole pipeline on the shipped data: cold, then a no-op re-run."""
    workdir = scratch_workflow(BENCH / "data" / "work" / "shipped", None)
    cold, _, cold_rss, _ = measure([SNAKEMAKE, "--cores", "2"], workdir)
    noop, _, _, output = measure([SNAKEMAKE, "--cores", "2"], workdir)
    assert "Nothing to be done" in output, output
    return {"cold_s": round(cold, 2), "cold_peak_rss_mib": round(cold_rss, 1), "noop_s": round(noop, 2)}


def print_table(results: dict[str, Any]) -> None:
    print(f"\n{'data':<10} {'stage':<14} {'wall s':>7} {'records/s':>10} {'CPU s':>7} {'rec/CPU s':>10} {'peak RSS MiB':>12} {'jobs':>4} {'job max RSS':>11}")
    for name, size in results["sizes"].items():
        for stage, row in size["stages"].items():
            print(
                f"{name:<10} {stage:<14} {row['wall_s']:>7.2f} {row['records_per_s']:>10,} {row['cpu_s']:>7.2f} "
                f"{row['records_per_cpu_s']:>10,} {row['peak_rss_mib']:>12.1f} {row['jobs']:>4} {row['job_max_rss_mib']:>11.1f}"
            )
        for label, key in (("ref read_json", "read_json"), ("ingest code", "ingest_code_in_process")):
            read = size["reference"][key]
            print(
                f"{name:<10} {label:<14} {read['wall_s']:>7.2f} {read['records_per_s']:>10,} {read['cpu_s']:>7.2f} "
                f"{read['records_per_cpu_s']:>10,} {read['peak_rss_mib']:>12.1f}"
            )
        if "glmer_same_cells" in size["reference"]:
            glmer = size["reference"]["glmer_same_cells"]
            print(
                f"{name:<10} model fit on the same cells: Python (glmm job) {glmer['python_job_s']} s, glmer (glmer job) "
                f"{glmer['glmer_job_s']} s; {glmer['fits']} fits, {glmer['parameters']} parameters, all within tolerance: {glmer['all_within_tolerance']}"
            )
        print(
            f"{name:<10} ingest..aggregate {size['ingest_to_aggregate_wall_s']} s wall; ingest at {size['ingest_vs_read_json']:.2f}x "
            f"read_json's records/s ({size['ingest_vs_read_json_cpu']:.2f}x per CPU s); peak RSS of any process {size['peak_rss_any_process_mib']} MiB"
        )
        floor = size["reference"]["snakemake_floor"]
        print(
            f"{name:<10} Snakemake with every ingest job done (start-up, DAG, file checks): {size['reference']['snakemake_noop_ingest_s']} s; "
            f"twice read_json's time is {2 * size['reference']['read_json']['wall_s']:.2f} s"
        )
        print(
            f"{name:<10} Snakemake floor: {floor['jobs']} start-only script jobs take {floor['wall_s']} s wall ({floor['cpu_s']} CPU s), "
            f"{floor['wall_s'] / size['reference']['read_json']['wall_s']:.1f}x read_json's time for the whole stage"
        )
        print(
            f"{name:<10} ingest code in one process (no Snakemake or interpreter start-up): {size['ingest_code_vs_read_json']:.2f}x "
            f"read_json's records/s ({size['ingest_code_vs_read_json_cpu']:.2f}x per CPU s)"
        )
    shipped = results.get("shipped")
    if shipped:
        print(f"shipped    cold run {shipped['cold_s']} s (peak {shipped['cold_peak_rss_mib']} MiB); no-op re-run {shipped['noop_s']} s")


def main() -> None:
    from inspect_logs import STREAM_CAP, bench_inspect, print_inspect  # here: inspect_logs imports this module
    from power import bench_meta, bench_power, print_results

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--files", type=int, help="files per size (default: one per 100,000 records)")
    parser.add_argument("--no-shipped", action="store_true", help="skip the shipped-data cold/no-op runs")
    parser.add_argument("--no-planning", action="store_true", help="skip power (1,000 simulations) and the 50-study meta-analysis")
    parser.add_argument("--inspect-samples", type=int, nargs="*", default=[2_000, 20_000], help="Inspect log sizes (none: skip)")
    parser.add_argument("--inspect-stream-cap", type=int, default=STREAM_CAP, help="see bench/inspect_logs.py --stream-cap")
    parser.add_argument("--out", type=Path, default=BENCH / "results.json")
    args = parser.parse_args()
    results: dict[str, Any] = {"cores": 2, "machine_cpus": os.cpu_count()}
    results["sizes"] = {f"n{records}": bench_size(records, args.files) for records in args.records}
    if args.inspect_samples:
        results["inspect"] = {f"n{samples}": bench_inspect(samples, args.inspect_stream_cap) for samples in args.inspect_samples}
    if not args.no_shipped:
        results["shipped"] = bench_shipped()
    if not args.no_planning:
        results["planning"] = {"power": bench_power(), "meta": bench_meta()}
    args.out.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print_table(results)
    if "inspect" in results:
        print_inspect(results["inspect"])
    if "planning" in results:
        print_results(results["planning"]["power"], results["planning"]["meta"])
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
