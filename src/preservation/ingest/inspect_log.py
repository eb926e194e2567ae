"""Inspect AI eval logs (`.eval` archives and `.json` documents), read by inspect_ai.

One sample x epoch is one trial: trial_id `<eval_id>:<sample id>:<epoch>`,
source_line its 1-based position among the log's samples (in the order
`read_eval_log` gives them). The model comes from the eval spec unless
declared; other fields come from task args, sample metadata or constants
through the source's declared `fields`. The outcome is the named scorer's
value through a declared value map (never assumed: Palisade scores "C" for
resisted). Logs whose status is not "success" and samples with an error are
excluded, counted and quarantined with the reason; so is every sample of an
eval-set attempt that a later attempt of the same task superseded.

What is read, so that memory follows one sample and not the log:

- `.eval`: the header and the sample summaries (`summaries.json`, else the
  summaries journal, as inspect_ai reads them), which carry each sample's id,
  epoch, scores, error and metadata. The summaries are streamed, one at a
  time, twice: once for the samples' keys (their order and which duplicate
  is current), once to turn each into its row; rows are put in read_eval_log's
  order at the end. So memory follows the rows, not the summaries (which
  inspect_ai's reader holds as one list: 2.2 times its 2,000-sample peak at
  20,000 samples). Summaries that cannot be streamed (ijson refuses the
  NaN and Infinity that Python's JSON writer allows) are read by inspect_ai,
  whole. A sample is read
  in full only when the source needs what a summary lacks: its transcript
  (a `coding:` detector is declared) or a metadata value that inspect_ai may
  have shortened in the summary (a string: whitespace collapsed, cut at 1k,
  or replaced when over 1k; numbers, booleans and small structures are kept
  as they are). Full samples are read a few at a time. A log whose summaries
  do not list every sample entry (written before inspect_ai kept them) is
  read whole.
- `.json`: inspect_ai reads a JSON log only as a whole document (its
  per-sample reads load and cache the whole log), so it is read whole, once;
  memory follows the log. Convert large logs to `.eval`
  (`inspect log convert --to eval`).
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import ijson

from preservation.coding.commands import tool_call_command
from preservation.ingest.archive import DEFAULT_MAX_ENTRY_BYTES, ArchiveError, open_archive
from preservation.ingest.mapping import (
    MappingError,
    check_behaviour,
    finish_trial,
    mapped,
    quarantine_file,
    resolve_fields,
    settle_outcome,
)
from preservation.ingest.trial_log import Shard
from preservation.quarantine import Quarantined, reject
from preservation.records import append_row, empty_columns, rows_to_table

if TYPE_CHECKING:
    from inspect_ai._util.async_zip import CentralDirectory
    from inspect_ai.log import EvalLog, EvalSample, EvalSampleSummary

    Record = EvalSample | EvalSampleSummary

T = TypeVar("T")
SUFFIXES = (".eval", ".json")
# The log directory manifest inspect_ai may write beside the logs: not a log.
MANIFEST = "logs.json"
# What else eval_set writes there as JSON: the set's tasks, not a log either.
NOT_LOGS = (MANIFEST, "eval-set.json")
SAMPLES_DIR = "samples/"
# Full samples read per call: memory holds a batch, not the log.
SAMPLE_BATCH = 16
# Sample fields no trial reads (the event transcript is most of a sample):
# skipped while parsing. Attachments were never resolved, so the messages
# read are the same without them.
UNUSED_FIELDS = {"events", "attachments", "store"}


@dataclass(frozen=True)
class _Log:
    """A log opened for reading: its header, its samples' records and how to read full samples.

    `records` yields (position, record) once, in the order the log is read;
    position is the record's place in read_eval_log's order. `location` is
    set when records are summaries, and full samples are then read from it.
    """

    header: EvalLog
    count: int
    records: Iterator[tuple[int, Record]]
    location: str | None = None

    @cached_property
    def eval_spec(self) -> dict[str, Any]:
        """The eval spec as a mapping, for `spec` locators: dumped once per log, not once per sample."""
        return self.header.eval.model_dump()

    @cached_property
    def _reader(self) -> _SampleReader | None:
        return None if self.location is None else _SampleReader(self.location)

    def full_samples(self, records: Sequence[Record], spec: Mapping[str, Any]) -> dict[tuple[str, int], EvalSample]:
        """The full sample of each record that has one at hand or that the source needs, by key."""
        if self._reader is None:
            return {_key(record): record for record in records}  # type: ignore[misc]  # a whole read's records are samples
        wanted = [(record.id, record.epoch) for record in records if _error(record) is None and _needs_sample(record, spec)]
        return {_key(sample): sample for sample in self._reader.read(wanted)} if wanted else {}


def read_inspect_log(
    path: str | Path,
    spec: Mapping[str, Any],
    config: Mapping[str, Any],
    factors: Sequence[str],
    strict: bool = False,
    attempts: Sequence[str] = (),
) -> Shard:
    """Canonical rows from one Inspect log; unusable samples quarantined with their reason.

    `attempts` are the other logs of the same eval-set task in the directory
    (see preservation.ingest.sources): when one of them is newer, this log was
    superseded and none of its samples is used.
    """
    source = str(path)
    columns = empty_columns(factors)
    counts = {"records": 0, "valid": 0, "error_status": 0, "sample_error": 0, "superseded": 0}
    quarantined: list[Quarantined] = []
    pairs: list[dict[str, Any]] = []
    try:
        log = _open(path, spec, spec.get("max_entry_bytes", DEFAULT_MAX_ENTRY_BYTES))
        newer = _superseded_by(path, log.header, attempts)
        if newer is not None or log.header.status != "success":
            if newer is not None:
                key, reason = "superseded", (
                    f"eval-set attempt superseded by the later attempt {newer} of task {log.header.eval.task_id} "
                    f"(this one's status: {log.header.status!r}): excluded"
                )
            else:
                key, reason = "error_status", f"log status is {log.header.status!r}, not 'success': excluded"
            counts["records"] = counts[key] = max(log.count, 1)
            quarantined += [reject(Quarantined(source, n, reason, _sample_key(log.header, r)), strict) for n, r in log.records]
            if not log.count:
                quarantined.append(quarantine_file(source, reason, strict))
            return Shard(rows_to_table(columns, factors), _in_order(quarantined), _summary(source, counts, quarantined, columns))
        behaviour = spec["behaviour"]
        for chunk in _batches(log.records, SAMPLE_BATCH):
            samples = log.full_samples([record for _, record in chunk], spec)
            for position, record in chunk:
                counts["records"] += 1
                raw = _sample_key(log.header, record)
                if (error := _error(record)) is not None:
                    counts["sample_error"] += 1
                    reason = f"sample error: {error.splitlines()[0] if error else 'unknown'}"
                    quarantined.append(reject(Quarantined(source, position, reason, raw), strict))
                    continue
                sample = samples.get(_key(record))
                try:
                    trial = finish_trial(_trial(log, sample if sample is not None else record, spec), config, factors)
                    check_behaviour(behaviour, config)
                    pair = {"study": trial["study"], "behaviour": behaviour, "source_file": source, "source_line": position, "trial_id": trial["trial_id"]}
                    commands = _commands(sample) if sample is not None else None
                    outcome, coded = settle_outcome(_label(record, spec), commands, spec.get("coding"), pair, pairs)
                except MappingError as error:
                    quarantined.append(reject(Quarantined(source, position, str(error), raw), strict))
                    continue
                counts["valid"] += 1
                append_row(columns, trial, behaviour, outcome, (source, position), False, factors, coded=coded)
    except ArchiveError as error:  # unreadable, at the start or part-way: the log is unreadable, as a whole read would say
        columns, pairs = empty_columns(factors), []
        quarantined = [quarantine_file(source, str(error), strict)]
        counts = {key: 0 for key in counts} | {"records": 1}
    pairs.sort(key=lambda pair: pair["source_line"])
    table = rows_to_table(columns, factors).sort_by("source_line")
    return Shard(table, _in_order(quarantined), _summary(source, counts, quarantined, columns), pairs)


def _open(path: str | Path, spec: Mapping[str, Any], max_entry_bytes: int) -> _Log:
    """The header and the samples' records, reading no more than the source needs (module docstring)."""
    # Imported on use: inspect_ai takes seconds to import, and every
    # Snakemake start discovers sources through this package.
    from inspect_ai.log import read_eval_log, read_eval_log_sample_summaries

    location = str(path)
    if location.endswith(".eval"):
        archive = open_archive(path, max_entry_bytes)
        header = _reading(read_eval_log, location, header_only=True)
        samples = sum(1 for name in archive.namelist() if name.startswith(SAMPLES_DIR) and name.endswith(".json"))
        try:
            positions = _positions((raw["id"], raw["epoch"]) for raw in _raw_summaries(archive))
        except Exception:  # noqa: BLE001  # whatever stops the stream, inspect_ai's own reader decides below
            positions = None
        if positions is not None and len(positions[0]) == samples:
            return _Log(header, samples, _streamed_summaries(archive, *positions), location)
        archive.close()
        if positions is None:
            summaries = _reading(read_eval_log_sample_summaries, location)
            if len(summaries) == samples:
                order, _ = _positions((summary.id, summary.epoch) for summary in summaries)
                return _Log(header, samples, ((order[_key(summary)], summary) for summary in summaries), location)
    log = _reading(read_eval_log, location)
    return _Log(log, len(log.samples or []), enumerate(log.samples or [], start=1))


def _positions(keys: Iterable[tuple[int | str, int]]) -> tuple[dict[tuple[str, int], int], bytearray]:
    """Each sample's position in read_eval_log's order, by key; and which summaries are current, by index.

    Summaries are keyed as inspect_ai dedupes them, (str(id), epoch), and the
    last one of a key is current (a requeued sample's re-run is recorded after
    its first attempt). read_eval_log orders an `.eval` log's samples by
    epoch, then id (numbers zero-padded). Kept small, since it lasts the read:
    one int per sample and one byte per summary.
    """
    last: dict[tuple[str, int], int] = {}
    numeric: set[tuple[str, int]] = set()
    for index, (sample_id, epoch) in enumerate(keys):
        last[(str(sample_id), epoch)] = index
        if not isinstance(sample_id, str):
            numeric.add((str(sample_id), epoch))
    current = bytearray(max(last.values(), default=-1) + 1)
    for index in last.values():
        current[index] = 1
    ranked = sorted(last, key=lambda key: (key[1], key[0].zfill(20) if key in numeric else key[0]))
    return {key: position for position, key in enumerate(ranked, start=1)}, current


def _raw_summaries(archive: zipfile.ZipFile) -> Iterator[dict[str, Any]]:
    """The log's sample summaries as JSON objects, one at a time, from where inspect_ai reads them.

    The consolidated `summaries.json`, else (a log still being written) the
    summaries journal in index order; parsed by ijson, as inspect_ai parses
    what it streams.
    """
    from inspect_ai.log._recorders.eval import SUMMARIES_JSON, _journal_summary_path, _sorted_journal_entries

    names = set(archive.namelist())
    members = [SUMMARIES_JSON] if SUMMARIES_JSON in names else _sorted_journal_entries(names, _journal_summary_path())
    for member in members:
        with archive.open(member) as stream:
            yield from ijson.items(stream, "item", use_float=True)


def _streamed_summaries(archive: zipfile.ZipFile, positions: Mapping[tuple[str, int], int], current: bytearray) -> Iterator[tuple[int, EvalSampleSummary]]:
    """The current summary of each sample with its position, validated one at a time, in the log's order; closes the archive."""
    from inspect_ai._util.constants import get_deserializing_context
    from inspect_ai.log import EvalSampleSummary

    with archive:
        try:
            for index, raw in enumerate(_raw_summaries(archive)):
                if current[index]:
                    yield positions[(str(raw["id"]), raw["epoch"])], EvalSampleSummary.model_validate(raw, context=get_deserializing_context())
        except Exception as error:  # streamed once already: the log changed, or a summary is invalid
            raise ArchiveError(f"inspect_ai cannot read the log's summaries: {type(error).__name__}: {error}") from error


def _reading(read: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call an inspect_ai reader; whatever it raises for a damaged log means "unreadable"."""
    try:
        return read(*args, **kwargs)
    except Exception as error:  # inspect_ai raises many types for damaged logs
        raise ArchiveError(f"inspect_ai cannot read the log: {type(error).__name__}: {error}") from error


class _SampleReader:
    """Full samples of one `.eval` log, read by key, a batch at a time.

    One archive reader serves every batch, so the central directory is parsed
    once: read_eval_log_samples_by_id makes a reader per call, and parsing a
    20,000-entry directory again per batch doubled the CPU time of a
    20,000-sample log (and grows with the square of the samples). This is
    what read_eval_log_samples_by_id does, with the directory kept; the
    reader and the runner are inspect_ai's private ones (pyproject pins the
    version).
    """

    def __init__(self, location: str) -> None:
        self.location = location
        self.directory: CentralDirectory | None = None

    def read(self, keys: list[tuple[int | str, int]]) -> list[EvalSample]:
        from inspect_ai._util._async import run_coroutine

        return _reading(run_coroutine, self._read(keys))

    async def _read(self, keys: list[tuple[int | str, int]]) -> list[EvalSample]:
        from inspect_ai._util.async_zip import AsyncZipReader
        from inspect_ai._util.asyncfiles import get_async_filesystem
        from inspect_ai.log import read_eval_log_samples_by_id_async

        reader = AsyncZipReader(get_async_filesystem(), self.location, central_directory=self.directory)
        samples = await read_eval_log_samples_by_id_async(self.location, keys, concurrency=1, exclude_fields=UNUSED_FIELDS, reader=reader)
        self.directory = await reader.entries()
        return samples


def _batches(items: Iterator[T], size: int) -> Iterator[list[T]]:
    while batch := list(islice(items, size)):
        yield batch


def _key(record: Record) -> tuple[str, int]:
    """A sample's key as inspect_ai dedupes samples: (str(id), epoch)."""
    return str(record.id), record.epoch


def _in_order(quarantined: list[Quarantined]) -> list[Quarantined]:
    return sorted(quarantined, key=lambda record: record.line)


def _needs_sample(record: Record, spec: Mapping[str, Any]) -> bool:
    """Whether the trial needs the full sample: a transcript to code, or metadata a summary may have shortened."""
    if "coding" in spec:
        return True
    keys = [field["metadata"] for field in spec.get("fields", {}).values() if "metadata" in field]
    return any(isinstance(record.metadata.get(key), str) for key in keys)


def _superseded_by(path: str | Path, header: EvalLog, attempts: Sequence[str]) -> str | None:
    """The file name of the latest attempt of this log's eval-set task, when it is another log.

    eval_set seeds each retry of a task from its previous attempt, so only
    the latest attempt counts (as inspect_ai itself takes it). Latest means
    created last; headers record `created` to the second, so a retry made
    within the same second wins by its status (eval_set retries only a task
    whose attempt did not succeed), then by file name. An attempt whose
    header cannot be read cannot be the latest (its own job quarantines it).
    """
    from inspect_ai.log import read_eval_log

    def rank(log: EvalLog, name: str) -> tuple[datetime, bool, str]:
        return datetime.fromisoformat(log.eval.created), log.status == "success", Path(name).name

    ranked = [(rank(header, str(path)), str(path))]
    for name in attempts:
        try:
            ranked.append((rank(_reading(read_eval_log, name, header_only=True), name), name))
        except ArchiveError:
            continue
    latest = max(ranked)[1]
    return None if latest == str(path) else Path(latest).name


def _trial(log: _Log, record: Record, spec: Mapping[str, Any]) -> dict[str, Any]:
    def lookup(kind: str, key: str) -> Any:
        where = {"task_arg": lambda: log.header.eval.task_args, "metadata": lambda: record.metadata or {}, "spec": lambda: log.eval_spec}[kind]()
        if key not in where:
            raise MappingError(f"{kind} {key!r} not found in the log")
        return where[key]

    fields = {"model": {"spec": "model"}, **spec.get("fields", {})}
    return {
        "study": spec["study"],
        "scenario": spec["scenario"],
        "trial_id": _sample_key(log.header, record),
        **resolve_fields(fields, lookup),
    }


def _error(record: Record) -> str | None:
    """A sample's error message ("" when it has none), or None: a summary holds it as text."""
    error = record.error
    return error if error is None or isinstance(error, str) else error.message


def _label(record: Record, spec: Mapping[str, Any]) -> int | None:
    outcome = spec.get("outcome")
    if outcome is None:
        return None
    score = (record.scores or {}).get(outcome["scorer"])
    if score is None:
        raise MappingError(f"sample has no score from scorer {outcome['scorer']!r}")
    return int(mapped(score.value, outcome["values"], f"scorer {outcome['scorer']!r}"))


def _commands(sample: EvalSample) -> list[str]:
    return [
        tool_call_command(call.function, call.arguments)
        for message in sample.messages
        if message.role == "assistant"
        for call in (message.tool_calls or [])
    ]


def _sample_key(log: EvalLog, record: Record) -> str:
    return f"{log.eval.eval_id}:{record.id}:{record.epoch}"


def _summary(source: str, counts: Mapping[str, int], quarantined: list[Quarantined], columns: Mapping[str, list[Any]]) -> dict[str, Any]:
    return {"file": source, "format": "inspect", **counts, "quarantined": len(quarantined), "rows": len(columns["study"])}
