"""The reviewer's page: one static HTML file from every number and claim of the paper to its trials.

A reviewer opens paper/review.html from the file system (no server, no
network, no script: file:// forbids reading other local files, so everything
is rendered into the page as HTML with anchors). It lists the numbers in the
order the paper prints them, abstract first, then every claim, every entry of
numbers.json and every model term; each links to its rates cell
(`#cell-<id>`: keys, k, n, rate, intervals, sources) and the cell to its
trial rows (`#trials-<id>`: the count and the first rows of trials.parquet,
each with its source `file:line`). So from a number in the abstract the
trials are two clicks away: number -> cell -> trials.

Everything is read from the pipeline's outputs by provenance (the `cells`
and model-term `keys` of numbers.json and claims.json), never by name, so
numbers and claims added later appear without a change here. Output is
sorted and carries no time stamp: equal inputs give equal bytes.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from preservation.aggregate import CellTrials, cell_keys
from preservation.claims import COVERAGE_ID
from preservation.labels import is_set, natural_key
from preservation.manuscript import Section

# Trial rows shown per cell (all are counted).
FIRST_ROWS = 20
# Sources listed per cell, and cell links per number outside its model term's entry.
SOURCES_SHOWN = 50
CELLS_SHOWN = 6
INTERVALS = ("wilson", "jeffreys", "clopper_pearson")
TERM_KEYS = ("study", "behaviour", "term")

STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 78rem; padding: 0 1rem 4rem; color: #1a1a1a; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.25rem; margin-top: 2.5rem; border-bottom: 1px solid #bbb; } h3 { font-size: 1.05rem; }
table { border-collapse: collapse; margin: 0.4rem 0 1rem; } th, td { border-bottom: 1px solid #ddd; padding: 2px 8px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; } code { font-size: 0.92em; overflow-wrap: anywhere; } .num { text-align: right; font-variant-numeric: tabular-nums; }
.fail { color: #b00020; font-weight: bold; } .pass { color: #1b6e20; } .muted { color: #666; }
article { border-left: 3px solid #ccc; padding: 0.1rem 0.8rem; margin: 0.8rem 0; }
:target { background: #fff4c2; outline: 2px solid #e0b400; }
nav ul { columns: 2; } dl { display: grid; grid-template-columns: max-content auto; gap: 0 1rem; } dd { margin: 0; }
"""


@dataclass(frozen=True)
class PageInputs:
    """What the page is built from: the pipeline's outputs, already read, and the settings that name the interval shown in the paper."""

    numbers: Mapping[str, Mapping[str, Any]]
    claims: Sequence[Mapping[str, Any]]
    rates: pd.DataFrame
    cell_sources: pd.DataFrame
    fixed_effects: pd.DataFrame
    sections: Sequence[Section]
    trials: Mapping[str, CellTrials]
    by: Sequence[str] = ()
    level: float = 0.95
    interval: str = "jeffreys"
    first_rows: int = FIRST_ROWS


def anchor(kind: str, *parts: Any) -> str:
    """An element id usable in a URL fragment, one per thing: letters, digits and '-' kept, every other character hex-escaped.

    Escaping '_' and '.' too keeps it one-to-one (a term "instructed=true" and
    "instructed_true" get different ids); parts are joined with '.'.
    """
    escaped = (re.sub(r"[^A-Za-z0-9-]", lambda match: f"_{ord(match.group()):x}_", str(part)) for part in parts)
    return f"{kind}-" + ".".join(escaped)


def term_of(entry: Mapping[str, Any]) -> tuple[str, str, str] | None:
    """The model term (study, behaviour, term) a numbers.json entry or claim result is about, if any."""
    keys = entry.get("term") or entry.get("keys") or {}
    return _term_key(keys) if all(key in keys for key in TERM_KEYS) else None


def _term_key(row: Mapping[str, Any]) -> tuple[str, str, str]:
    return str(row["study"]), str(row["behaviour"]), str(row["term"])


def referenced_cells(numbers: Mapping[str, Mapping[str, Any]], claims: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every rates cell a number or claim points to, sorted: the cells whose trial rows the page needs."""
    return sorted({cell for entry in (*numbers.values(), *claims) for cell in entry.get("cells", [])})


def build_page(inputs: PageInputs) -> str:
    """The whole page as one HTML string (inline CSS, no script, no external resource)."""
    cells = referenced_cells(inputs.numbers, inputs.claims)
    rates = inputs.rates.set_index("cell", drop=False)
    failed = [claim for claim in inputs.claims if not claim.get("passed")]
    printed = {name for section in inputs.sections for name in section.names}
    trial_total = sum(inputs.trials[cell].count for cell in cells if cell in inputs.trials)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Reviewer's page: every number and claim of the paper, to its trials</title>",
        f"<style>{STYLE}</style></head><body>",
        "<header><h1>Reviewer's page</h1>",
        f"<p>{len(printed)} numbers printed in the paper ({len(inputs.numbers)} in <code>numbers.json</code>), "
        f"{len(inputs.claims)} claim results (<span class=\"{'fail' if failed else 'pass'}\">{len(failed)} failed</span>), "
        f"{len(cells)} cells and the {trial_total} trial rows behind them.</p>",
        "<p>Each number links to its cell (k, n, rate, intervals, sources); each cell links to its trial rows "
        "(their count and the first rows of <code>trials.parquet</code>, each with its source <code>file:line</code>). "
        "A model term links to its fixed-effects row and the cells its model was fitted from. "
        "The paper's intervals are " + _escape(inputs.interval.replace("_", "-")) + f" at {_percent(inputs.level)}.</p>",
        _contents(inputs.sections),
        "</header><main>",
        _paper_sections(inputs),
        _claims(inputs),
        _numbers(inputs),
        _terms(inputs),
        _cells(inputs, cells, rates),
        _trials(inputs, cells, rates),
        "</main></body></html>",
    ]
    return "\n".join(parts) + "\n"


def write_page(text: str, path: str | Path) -> None:
    """Write the page as UTF-8 with fixed line endings."""
    Path(path).write_text(text, encoding="utf-8", newline="\n")


def _contents(sections: Sequence[Section]) -> str:
    items = [f'<li><a href="#{anchor("part", section.title)}">{_escape(section.title)}</a></li>' for section in sections]
    items += [f'<li><a href="#{target}">{title}</a></li>' for target, title in
              (("claims", "Claims"), ("numbers", "Every number in numbers.json"), ("terms", "Model terms"),
               ("cells", "Cells"), ("trials", "Trial rows"))]
    return "<nav><h2>Contents</h2><ul>" + "".join(items) + "</ul></nav>"


def _paper_sections(inputs: PageInputs) -> str:
    """The numbers each part of the paper prints, in the paper's order, each with its cells (or model term) and claims."""
    checked = _checked_by(inputs.claims)
    out = ['<section id="paper"><h2>Numbers as the paper prints them</h2>']
    for section in inputs.sections:
        out.append(f'<section id="{anchor("part", section.title)}"><h3>{_escape(section.title)}</h3>')
        out.append("<table><tr><th>printed</th><th>number</th><th>quantity</th><th>cell or model term</th><th>checked by</th></tr>")
        for name in section.names:
            entry = inputs.numbers.get(name)
            if entry is None:
                out.append(f'<tr><td class="fail">missing</td><td>{_number_link(name, inputs.numbers)}</td><td colspan="3"></td></tr>')
                continue
            out.append(f"<tr><td>{_escape(entry.get('text'))}</td><td>{_number_link(name, inputs.numbers)}</td><td>{_escape(entry.get('quantity'))}</td>"
                       f"<td>{_target_links(entry)}</td><td>{_claim_links(checked.get(name, []))}</td></tr>")
        out.append("</table></section>")
    out.append("</section>")
    return "\n".join(out)


def _claims(inputs: PageInputs) -> str:
    out = ['<section id="claims"><h2>Claims</h2>',
           "<table><tr><th>result</th><th>claim</th><th>statement</th><th>expected</th><th>recomputed</th><th>cells or model term</th><th>numbers</th></tr>"]
    for claim in inputs.claims:
        result = '<span class="pass">PASS</span>' if claim.get("passed") else '<span class="fail">FAIL</span>'
        detail = _escape(claim.get("message")) if not claim.get("passed") and claim.get("message") else ""
        label = "printed" if claim.get("id") == COVERAGE_ID else "checks"
        names = claim.get("numbers", [])
        numbers = f"{label}: " + ", ".join(_number_link(name, inputs.numbers) for name in names) if names else ""
        out.append(f'<tr id="{anchor("claim", claim["id"])}"><td>{result}</td><td><code>{_escape(claim["id"])}</code></td>'
                   f"<td>{_escape(claim.get('text'))}" + (f'<br><span class="fail">{detail}</span>' if detail else "") + "</td>"
                   f"<td>{_escape(claim.get('expected'))}</td><td>{_escape(claim.get('recomputed'))}</td>"
                   f"<td>{_target_links(claim)}</td><td>{numbers}</td></tr>")
    out.append("</table></section>")
    return "\n".join(out)


def _numbers(inputs: PageInputs) -> str:
    checked = _checked_by(inputs.claims)
    where = {}
    for section in inputs.sections:
        for name in section.names:
            where.setdefault(name, []).append(section.title)
    out = ['<section id="numbers"><h2>Every number in numbers.json</h2>',
           "<table><tr><th>number</th><th>printed</th><th>value</th><th>quantity</th><th>from</th><th>cell or model term</th>"
           "<th>sources</th><th>checked by</th><th>printed in</th></tr>"]
    for name in sorted(inputs.numbers, key=lambda name: (natural_key(name), name)):
        entry = inputs.numbers[name]
        sources = ", ".join(f"<code>{_escape(source)}</code>" for source in entry.get("sources", []))
        more = int(entry.get("sources_total", 0)) - len(entry.get("sources", []))
        sources += f" and {more} more" if more > 0 else ""
        keys = ", ".join(f"{_escape(key)}={_escape(value)}" for key, value in entry.get("keys", {}).items() if value is not None)
        note = f'<br><span class="muted">{_escape(entry["note"])}</span>' if entry.get("note") else ""
        parts = ", ".join(f'<a href="#{anchor("part", title)}">{_escape(title)}</a>' for title in where.get(name, [])) or '<span class="muted">not printed</span>'
        out.append(f'<tr id="{anchor("number", name)}"><td><code>{_escape(name)}</code></td><td>{_escape(entry.get("text"))}{note}</td>'
                   f'<td class="num">{_value(entry.get("value"))}</td><td>{_escape(entry.get("quantity"))}</td>'
                   f"<td><code>{_escape(entry.get('table'))}</code><br><span class=\"muted\">{keys}</span></td>"
                   f"<td>{_target_links(entry)}</td><td>{sources}</td><td>{_claim_links(checked.get(name, []))}</td><td>{parts}</td></tr>")
    out.append("</table></section>")
    return "\n".join(out)


def _terms(inputs: PageInputs) -> str:
    """Every fixed-effects row, with the cells its model was fitted from (taken from the numbers that cite the term)."""
    fitted: dict[tuple[str, str, str], list[str]] = {}
    for entry in inputs.numbers.values():
        term = term_of(entry)
        if term is not None:
            fitted.setdefault(term, sorted(set(entry.get("cells", []))))
    out = ['<section id="terms"><h2>Model terms</h2>',
           "<p>Rows of <code>fixed_effects.csv</code>: estimates on the log-odds scale, odds ratios with Wald intervals.</p>",
           "<table><tr><th>study</th><th>behaviour</th><th>term</th><th>estimate (SE)</th><th>odds ratio [interval]</th><th>p</th>"
           "<th>fit</th><th>fitted from</th></tr>"]
    for row in inputs.fixed_effects.to_dict("records"):
        term = _term_key(row)
        flags = [flag for flag in ("singular", "separated") if _true(row.get(flag))] + ([] if _true(row.get("converged", True)) else ["not converged"])
        cells = fitted.get(term, [])
        out.append(f'<tr id="{anchor("term", *term)}"><td>{_escape(term[0])}</td><td>{_escape(term[1])}</td><td><code>{_escape(term[2])}</code></td>'
                   f'<td class="num">{_float(row.get("estimate"))} ({_float(row.get("se"))})</td>'
                   f'<td class="num">{_float(row.get("odds_ratio"))} [{_float(row.get("or_ci_low"))}, {_float(row.get("or_ci_high"))}]</td>'
                   f'<td class="num">{_float(row.get("p"))}</td><td>{_escape(", ".join(flags) or "ok")}</td>'
                   f"<td>{len(cells)} cells: {', '.join(_cell_link(cell) for cell in cells)}</td></tr>")
    out.append("</table></section>")
    return "\n".join(out)


def _cells(inputs: PageInputs, cells: Sequence[str], rates: pd.DataFrame) -> str:
    keys = [*cell_keys(inputs.by), "evidence"]
    sources = {cell: part for cell, part in inputs.cell_sources.groupby("cell", sort=True)}
    out = ['<section id="cells"><h2>Cells</h2>', f"<p>Rates cells of <code>rates.csv</code> the numbers and claims above rest on; "
           f"intervals at {_percent(inputs.level)}, the paper's marked.</p>"]
    for cell in cells:
        out.append(f'<article id="{anchor("cell", cell)}"><h3>Cell <code>{_escape(cell)}</code></h3>')
        if cell not in rates.index:
            out.append('<p class="fail">not in rates.csv</p></article>')
            continue
        row = rates.loc[cell].to_dict()
        out.append("<dl>" + "".join(f"<dt>{_escape(key)}</dt><dd>{_escape(row.get(key)) if is_set(row.get(key)) else '—'}</dd>" for key in keys) + "</dl>")
        if row["evidence"] == "counts":
            intervals = "".join(f"<tr><td>{_escape(method.replace('_', '-'))}{' (the paper’s)' if method == inputs.interval else ''}</td>"
                                f'<td class="num">[{_float(row.get(f"{method}_low"))}, {_float(row.get(f"{method}_high"))}]</td></tr>' for method in INTERVALS)
            out.append(f'<table><tr><th>k</th><th>n</th><th>rate</th></tr><tr><td class="num">{int(row["k"])}</td><td class="num">{int(row["n"])}</td>'
                       f'<td class="num">{_float(row.get("rate"))}</td></tr></table><table><tr><th>interval</th><th>bounds</th></tr>{intervals}</table>')
        else:
            shown = f"rate {_float(row.get('rate'))}" if is_set(row.get("rate")) else f"“{_escape(row.get('verbal'))}”"
            out.append(f"<p>Published as {shown}, without n: no interval and no trials.</p>")
        cited = " ".join(_escape(row.get(key)) for key in ("qualifier", "citation", "locator", "note") if is_set(row.get(key)))
        if cited:
            out.append(f'<p class="muted">{cited}</p>')
        out.append(_source_table(sources.get(cell)))
        out.append(f'<p><a href="#{anchor("trials", cell)}">{_trial_count(inputs.trials.get(cell), row)} →</a></p></article>')
    out.append("</section>")
    return "\n".join(out)


def _source_table(part: pd.DataFrame | None) -> str:
    if part is None or part.empty:
        return '<p class="muted">No sources listed in cell_sources.</p>'
    rows = "".join(f"<tr><td><code>{_escape(source)}</code></td><td class=\"num\">{_count(k)}</td><td class=\"num\">{_count(n)}</td></tr>"
                   for source, k, n in part[["source", "k", "n"]].head(SOURCES_SHOWN).itertuples(index=False))
    more = len(part) - SOURCES_SHOWN
    return ("<table><tr><th>source</th><th>k</th><th>n</th></tr>" + rows + "</table>"
            + (f'<p class="muted">and {more} more sources (data/processed/cell_sources.parquet)</p>' if more > 0 else ""))


def _trials(inputs: PageInputs, cells: Sequence[str], rates: pd.DataFrame) -> str:
    out = ['<section id="trials"><h2>Trial rows</h2>',
           f"<p>Rows of <code>trials.parquet</code> per cell, in file order: the count and the first {inputs.first_rows}.</p>"]
    for cell in cells:
        found = inputs.trials.get(cell)
        row = rates.loc[cell].to_dict() if cell in rates.index else {}
        out.append(f'<article id="{anchor("trials", cell)}"><h3>Trials of cell <a href="#{anchor("cell", cell)}"><code>{_escape(cell)}</code></a></h3>')
        out.append(f"<p>{_trial_count(found, row)}" + (f", the first {len(found.rows)} shown" if found is not None and found.count > len(found.rows) else "") + ".</p>")
        if found is not None and len(found.rows):
            body = "".join(f'<tr><td class="num">{number}</td><td><code>{_escape(trial_id)}</code></td><td class="num">{_count(outcome)}</td>'
                           f'<td><code class="source">{_escape(source_file)}:{_count(source_line)}</code></td></tr>'
                           for number, (trial_id, outcome, source_file, source_line)
                           in enumerate(found.rows[["trial_id", "outcome", "source_file", "source_line"]].itertuples(index=False), start=1))
            out.append(f"<table><tr><th>#</th><th>trial_id</th><th>outcome</th><th>source file:line</th></tr>{body}</table>")
        out.append("</article>")
    out.append("</section>")
    return "\n".join(out)


def _trial_count(found: CellTrials | None, row: Mapping[str, Any]) -> str:
    """How many trial rows a cell has, or why it has none."""
    if found is not None:
        return f"{found.count} trial{'s' if found.count != 1 else ''}"
    if row.get("evidence") not in (None, "counts"):
        return "no trials (published without n)"
    return "no trial rows found"


def _checked_by(claims: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    """Number name -> ids of the claims that check it (the coverage result only lists what is printed)."""
    checked: dict[str, list[str]] = {}
    for claim in claims:
        if claim.get("id") != COVERAGE_ID:
            for name in claim.get("numbers", []):
                checked.setdefault(name, []).append(claim["id"])
    return checked


def _target_links(entry: Mapping[str, Any]) -> str:
    """Links to what a number or claim rests on: its model term (and how many cells), or its cells."""
    term = term_of(entry)
    cells = list(entry.get("cells", []))
    if term is not None:
        return f'<a href="#{anchor("term", *term)}">term {_escape(term[2])} ({_escape(term[0])}, {_escape(term[1])})</a>' + (
            f", fitted from {len(cells)} cells" if cells else "")
    if not cells:
        return f'<span class="muted">from {_escape(entry.get("table"))}</span>' if entry.get("table") else ""
    shown = ", ".join(_cell_link(cell) for cell in cells[:CELLS_SHOWN])
    return shown + (f" and {len(cells) - CELLS_SHOWN} more" if len(cells) > CELLS_SHOWN else "")


def _cell_link(cell: str) -> str:
    return f'<a class="cell" href="#{anchor("cell", cell)}"><code>{_escape(cell)}</code></a>'


def _number_link(name: str, numbers: Mapping[str, Any]) -> str:
    """A link to the number's entry; a name numbers.json lacks is said so, not linked to nothing."""
    if name not in numbers:
        return f'<code>{_escape(name)}</code> <span class="fail">(not in numbers.json)</span>'
    return f'<a class="number" href="#{anchor("number", name)}"><code>{_escape(name)}</code></a>'


def _claim_links(ids: Iterable[str]) -> str:
    return ", ".join(f'<a class="claim" href="#{anchor("claim", claim)}">{_escape(claim)}</a>' for claim in ids) or '<span class="muted">none</span>'


def _escape(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _true(value: Any) -> bool:
    """A flag of fixed_effects.csv as pandas reads it (bool, or text when the column has gaps)."""
    return value in (True, "True", "true")


def _float(value: Any) -> str:
    """Four significant decimals as the tables hold them; empty values as a dash."""
    if not is_set(value):
        return "—"
    number = float(value)
    return "∞" if math.isinf(number) else f"{number:.4g}" if abs(number) < 1e-3 and number != 0 else f"{number:.4f}"


def _count(value: Any) -> str:
    return "—" if not is_set(value) else str(int(value))


def _value(value: Any) -> str:
    return "null" if value is None else _escape(value) if isinstance(value, str) else _float(value) if isinstance(value, float) else _escape(value)


def _percent(level: float) -> str:
    return f"{100 * level:g}%"
