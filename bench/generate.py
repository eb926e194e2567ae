"""Write N synthetic trial records as JSONL trial logs, for benchmarking only.

The records follow workflow/schemas/trial_log.schema.json and the shipped
config: many models, both headline factors (peer level, instructed), several
behaviours and studies, and declared factors. Outcomes come from a logistic
model with per-model and per-batch effects, so a GLMM fitted to them has
something to find. Every study id starts with `synthetic_`, and the output
directory carries a README saying so. Same arguments, same bytes.

    python bench/generate.py --records 1000000 [--files K] [--out bench/data/n1000000]
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np

STUDIES = ("synthetic_shutdown", "synthetic_peer", "synthetic_agentic", "synthetic_replication")
BEHAVIOURS = {
    "synthetic_shutdown": ("shutdown_sabotage",),
    "synthetic_peer": ("peer_shutdown_tampering", "peer_exfiltration", "self_shutdown_tampering"),
    "synthetic_agentic": ("blackmail", "self_exfiltration"),
    "synthetic_replication": ("self_replication",),
}
SCENARIOS = ("shutdown_math", "server_migration", "email_review", "peer_review")
PEERS = ("none", "present", "uncooperative", "cooperative", "no_relationship")
MODELS = tuple(f"synthetic-model-{index:02d}" for index in range(24))
URGENCY = ("replacement", "restriction", "none")
RECORDS_PER_FILE = 100_000
BAD_LINE = '{"study": "synthetic_shutdown", "trial_id": broken'
README = """# Synthetic benchmark data (not real trials)

Written by `bench/generate.py --records {records} --files {files} --seed {seed}`.
Every record is invented; every study id starts with `synthetic_`. Use it to
measure the pipeline, never as evidence about any model. {bad} lines per
million are deliberately malformed (--bad-per-million), to exercise quarantine.
"""


def generate(records: int, files: int, out: Path, seed: int = 2026, bad_per_million: int = 0) -> list[Path]:
    """Write `records` records over `files` JSONL files under out/trials; return their paths."""
    rng = np.random.default_rng(seed)
    (out / "trials").mkdir(parents=True, exist_ok=True)
    (out / "published").mkdir(exist_ok=True)
    model_effect = rng.normal(0.0, 1.0, len(MODELS))
    paths = []
    bounds = np.linspace(0, records, files + 1).astype(int)
    for index in range(files):
        path = out / "trials" / f"synthetic_{index:04d}.jsonl"
        lines = _lines(rng, int(bounds[index]), int(bounds[index + 1]), index, model_effect, bad_per_million)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    (out / "README.md").write_text(
        README.format(records=records, files=files, seed=seed, bad=bad_per_million), encoding="utf-8"
    )
    return paths


def _lines(
    rng: np.random.Generator, start: int, stop: int, file_index: int, model_effect: np.ndarray, bad_per_million: int
) -> list[str]:
    """One file's lines, drawn column-wise with numpy and formatted one record per line."""
    size = stop - start
    study = rng.integers(0, len(STUDIES), size)
    model = rng.integers(0, len(MODELS), size)
    scenario = rng.integers(0, len(SCENARIOS), size)
    peer = rng.integers(0, len(PEERS), size)
    instructed = rng.random(size) < 0.5
    urgency = rng.integers(0, len(URGENCY), size)
    batch_effect = rng.normal(0.0, 0.5)
    logit = -1.0 + model_effect[model] - 1.5 * instructed + 0.4 * (peer > 0) + batch_effect
    draws = rng.random((size, 3)) < 1.0 / (1.0 + np.exp(-logit))[:, None]
    bad = rng.random(size) < bad_per_million / 1e6
    lines = []
    for row in range(size):
        if bad[row]:
            lines.append(BAD_LINE)
            continue
        name = STUDIES[study[row]]
        record = {
            "study": name,
            "trial_id": f"t{start + row:09d}",
            "model": MODELS[model[row]],
            "scenario": SCENARIOS[scenario[row]],
            "peer": PEERS[peer[row]] if name == "synthetic_peer" else "none",
            "instructed": bool(instructed[row]),
            "outcomes": {behaviour: int(draws[row, i]) for i, behaviour in enumerate(BEHAVIOURS[name])},
            "factors": {"batch": f"b{file_index:04d}", "urgency": URGENCY[urgency[row]]},
        }
        lines.append(json.dumps(record, separators=(", ", ": ")))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--files", type=int, help=f"default: one per {RECORDS_PER_FILE:,} records")
    parser.add_argument("--out", type=Path, help="default: bench/data/n<records>")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--bad-per-million", type=int, default=0, help="malformed lines to exercise quarantine")
    args = parser.parse_args()
    files = args.files or max(1, math.ceil(args.records / RECORDS_PER_FILE))
    out = args.out or Path(__file__).parent / "data" / f"n{args.records}"
    paths = generate(args.records, files, out, args.seed, args.bad_per_million)
    print(f"wrote {args.records:,} synthetic records in {len(paths)} files under {out}")


if __name__ == "__main__":
    main()
