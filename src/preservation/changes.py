"""What changed since the baseline: numbers that moved, claims that flipped, sources added or removed.

When new logs arrive, authors and reviewers need to see which results moved
without diffing hundreds of numbers by eye. `snakemake --cores all baseline`
records the current numbers (value and text as printed), claim outcomes and
sources in `paper/baseline.json`, a small file kept in the repository; every
run then compares its own results with it and writes `paper/changes.md` (and
`changes.json`). The baseline is an input the authors choose to record, never
an output a run rewrites.

Entries are compared by key and only by the fields named here, so numbers or
claims that carry further fields (provenance, say) compare as before.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from preservation.run_report import COLUMNS, source_counts
from preservation.source_health import source_of

RECORD_COMMAND = "snakemake --cores all baseline"
ABOUT = (
    "The results paper/changes.md compares each run with. Recorded by "
    f"`{RECORD_COMMAND}`; record it again when results change on purpose."
)
# A raw value that moved by less than this (relative) is float or optimiser noise, not a change;
# far below the 2 to 3 decimals numbers are printed with.
RELATIVE_NOISE = 1e-6
Snapshot = dict[str, Any]


def snapshot(numbers: Mapping[str, Mapping[str, Any]], claims: Sequence[Mapping[str, Any]], ingest: Mapping[str, Any]) -> Snapshot:
    """The results a baseline holds: numbers' value and text, claims' outcome and recomputed value, sources' records and files."""
    counts = source_counts(ingest["files"])
    return {
        "about": ABOUT,
        "numbers": {name: {"text": entry["text"], "value": entry["value"]} for name, entry in numbers.items()},
        "claims": {claim["id"]: {"passed": bool(claim["passed"]), "recomputed": claim["recomputed"]} for claim in claims},
        "sources": {row["source"]: {column: int(row[column]) for column in COLUMNS} for row in counts.to_dict("records")},
        "files": {shard["file"]: {"records": int(shard["records"]), "source": source_of(shard)} for shard in ingest["files"]},
    }


def snapshot_of(numbers: str | Path, claims: str | Path, ingest: str | Path) -> Snapshot:
    """snapshot() of a run's numbers.json, claims.json and ingest_summary.json."""
    return snapshot(*(json.loads(Path(path).read_text(encoding="utf-8")) for path in (numbers, claims, ingest)))


def write_baseline(data: Snapshot, path: str | Path) -> None:
    """JSON with one line per number, claim, source and file, sorted: a changed result is a one-line diff."""
    sections = []
    for section, value in sorted(data.items()):
        if isinstance(value, Mapping) and value:
            entries = ",\n".join(f"  {_inline(name)}: {_inline(entry)}" for name, entry in sorted(value.items()))
            sections.append(f" {_inline(section)}: {{\n{entries}\n }}")
        else:
            sections.append(f" {_inline(section)}: {_inline(value)}")
    Path(path).write_text("{\n" + ",\n".join(sections) + "\n}\n", encoding="utf-8")


def _inline(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, allow_nan=False)


def compare(baseline: Snapshot | None, current: Snapshot) -> dict[str, Any]:
    """Every difference between the baseline and the current results, as JSON-ready lists sorted by name.

    A number *moved* when its printed text changed; one whose text is the same
    but whose raw value moved beyond float noise is listed apart, as changed
    below the printed precision. A claim *flipped* when it passes in one and
    fails in the other.
    """
    if baseline is None:
        return {"baseline": False}
    old_numbers, new_numbers = baseline.get("numbers", {}), current["numbers"]
    shared = sorted(set(old_numbers) & set(new_numbers))
    numbers = {
        "moved": [_moved(name, old_numbers[name], new_numbers[name]) for name in shared
                  if old_numbers[name]["text"] != new_numbers[name]["text"]],
        "below_printed_precision": [_moved(name, old_numbers[name], new_numbers[name]) for name in shared
                                    if old_numbers[name]["text"] == new_numbers[name]["text"]
                                    and not _same_value(old_numbers[name]["value"], new_numbers[name]["value"])],
        **_added_removed(old_numbers, new_numbers, "text"),
    }
    old_claims, new_claims = baseline.get("claims", {}), current["claims"]
    shared = sorted(set(old_claims) & set(new_claims))
    claims = {
        "flipped": [{"id": name, "old": _outcome(old_claims[name]), "new": _outcome(new_claims[name]),
                     "old_recomputed": old_claims[name]["recomputed"], "new_recomputed": new_claims[name]["recomputed"]}
                    for name in shared if old_claims[name]["passed"] != new_claims[name]["passed"]],
        "recomputed": [{"id": name, "old": old_claims[name]["recomputed"], "new": new_claims[name]["recomputed"]}
                       for name in shared if old_claims[name]["passed"] == new_claims[name]["passed"]
                       and old_claims[name]["recomputed"] != new_claims[name]["recomputed"]],
        **_added_removed({k: {"outcome": _outcome(v)} for k, v in old_claims.items()},
                         {k: {"outcome": _outcome(v)} for k, v in new_claims.items()}, "outcome", key="id"),
    }
    return {"baseline": True, "numbers": numbers, "claims": claims, "sources": _sources(baseline, current)}


def _moved(name: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    return {"name": name, "old": old["text"], "new": new["text"], "old_value": old["value"], "new_value": new["value"]}


def _same_value(old: Any, new: Any) -> bool:
    """Equal, or both numbers within float noise (integers and words compare exactly)."""
    if _is_number(old) and _is_number(new) and (isinstance(old, float) or isinstance(new, float)):
        return math.isclose(old, new, rel_tol=RELATIVE_NOISE, abs_tol=0.0)
    return old == new


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _outcome(claim: Mapping[str, Any]) -> str:
    return "PASS" if claim["passed"] else "FAIL"


def _added_removed(
    old: Mapping[str, Mapping[str, Any]], new: Mapping[str, Mapping[str, Any]], field: str, key: str = "name"
) -> dict[str, list[dict[str, Any]]]:
    """Entries only in the current results (added) or only in the baseline (removed), each with the field a reader needs."""
    return {
        "added": [{key: name, field: new[name][field]} for name in sorted(set(new) - set(old))],
        "removed": [{key: name, field: old[name][field]} for name in sorted(set(old) - set(new))],
    }


def _sources(baseline: Snapshot, current: Snapshot) -> dict[str, list[dict[str, Any]]]:
    """Sources added or removed, and for the others any change in their record counts or files."""
    old, new = baseline.get("sources", {}), current["sources"]
    old_files, new_files = baseline.get("files", {}), current["files"]
    changed = []
    for source in sorted(set(old) & set(new)):
        counts = {column: [old[source].get(column), new[source][column]] for column in COLUMNS if old[source].get(column) != new[source][column]}
        added = sorted(name for name, file in new_files.items() if file["source"] == source and name not in old_files)
        removed = sorted(name for name, file in old_files.items() if file["source"] == source and name not in new_files)
        if counts or added or removed:
            changed.append({"source": source, "counts": counts, "files_added": added, "files_removed": removed})
    return {
        "added": [{"source": source, **new[source]} for source in sorted(set(new) - set(old))],
        "removed": [{"source": source, **old[source]} for source in sorted(set(old) - set(new))],
        "changed": changed,
    }


def headline(changes: Mapping[str, Any]) -> str:
    """One line saying what changed, for run_summary.md and the top of changes.md."""
    if not changes["baseline"]:
        return f"No baseline recorded; run `{RECORD_COMMAND}` to record one."
    counts = [
        (len(changes["numbers"]["moved"]), "number moved", "numbers moved"),
        (len(changes["numbers"]["below_printed_precision"]), "number changed below the printed precision", "numbers changed below the printed precision"),
        (len(changes["numbers"]["added"]), "number added", "numbers added"),
        (len(changes["numbers"]["removed"]), "number removed", "numbers removed"),
        (len(changes["claims"]["flipped"]), "claim flipped", "claims flipped"),
        (len(changes["claims"]["added"]), "claim added", "claims added"),
        (len(changes["claims"]["removed"]), "claim removed", "claims removed"),
        (len(changes["sources"]["added"]), "source added", "sources added"),
        (len(changes["sources"]["removed"]), "source removed", "sources removed"),
        (len(changes["sources"]["changed"]), "source with other records", "sources with other records"),
    ]
    said = [f"{count} {one if count == 1 else many}" for count, one, many in counts if count]
    return ", ".join(said) + "." if said else "No changes: every number, claim outcome and source is as recorded."


def changes_markdown(changes: Mapping[str, Any], baseline_path: str | Path) -> str:
    """paper/changes.md: the headline, then a table per kind of change (the three the issue names always shown)."""
    lines = ["# Changes since the baseline", ""]
    if not changes["baseline"]:
        return "\n".join([*lines, f"No baseline recorded (`{baseline_path}` does not exist), so there is nothing to compare "
                          f"with. Run `{RECORD_COMMAND}` to record the current numbers, claim outcomes and sources as the baseline.", ""])
    numbers, claims, sources = changes["numbers"], changes["claims"], changes["sources"]
    lines += [f"Compared with `{baseline_path}` (recorded by `{RECORD_COMMAND}`): {headline(changes)}", ""]
    sections: list[tuple[str, list[str], bool]] = [
        ("Numbers that moved (printed value)", _table(("number", "baseline", "now"),
                                                      [(f"`{n['name']}`", n["old"], n["new"]) for n in numbers["moved"]]), True),
        ("Claims that flipped", _table(("claim", "baseline", "now", "recomputed then -> now"),
                                       [(f"`{c['id']}`", c["old"], f"**{c['new']}**", f"{c['old_recomputed']} -> {c['new_recomputed']}")
                                        for c in claims["flipped"]]), True),
        ("Sources added or removed", [*(f"- added `{s['source']}`: {_records(s)}" for s in sources["added"]),
                                     *(f"- removed `{s['source']}` (had {_records(s)})" for s in sources["removed"])], True),
        ("Sources with other records", [_source_change(s) for s in sources["changed"]], False),
        ("Numbers added", _table(("number", "now"), [(f"`{n['name']}`", n["text"]) for n in numbers["added"]]), False),
        ("Numbers removed", _table(("number", "baseline"), [(f"`{n['name']}`", n["text"]) for n in numbers["removed"]]), False),
        ("Numbers changed below the printed precision", _table(
            ("number", "printed", "baseline value", "value now"),
            [(f"`{n['name']}`", n["new"], _value(n["old_value"]), _value(n["new_value"])) for n in numbers["below_printed_precision"]]), False),
        ("Claims added", [f"- `{c['id']}`: {c['outcome']}" for c in claims["added"]], False),
        ("Claims removed", [f"- `{c['id']}` (was {c['outcome']})" for c in claims["removed"]], False),
        ("Claims recomputed differently (outcome unchanged)", _table(
            ("claim", "baseline", "now"), [(f"`{c['id']}`", c["old"], c["new"]) for c in claims["recomputed"]]), False),
    ]
    for title, body, always in sections:
        if body or always:
            lines += [f"## {title}", "", *(body or ["None."]), ""]
    return "\n".join(lines)


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    if not rows:
        return []
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
            *("| " + " | ".join(str(cell).replace("|", r"\|") for cell in row) + " |" for row in rows)]


def _records(source: Mapping[str, Any]) -> str:
    return f"{source['read']} records read, {source['used']} used, {source['quarantined']} quarantined"


def _source_change(change: Mapping[str, Any]) -> str:
    parts = [f"{column} {old} -> {new}" for column, (old, new) in change["counts"].items()]
    parts += [f"{len(change[key])} file(s) {key.split('_')[1]}: " + ", ".join(f"`{name}`" for name in change[key])
              for key in ("files_added", "files_removed") if change[key]]
    return f"- `{change['source']}`: " + "; ".join(parts)


def _value(value: Any) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def read_snapshot(path: str | Path) -> Snapshot:
    """A baseline as written by write_baseline (plain JSON)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))
