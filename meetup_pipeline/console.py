"""The run's console output: one line per step, a summary at the end.

Dagster's default console logger prints every event at DEBUG: a single-run backfill of ten
years prints one "Materialized value" line per asset per day, about 55,000 lines, and the
lines that matter (what was extracted, where the dashboard is) drown. `dagster.yaml` sets
Dagster's own `python_logs.python_log_level: INFO`, so its console logger prints only the
project's messages, warnings and errors, and adds `ConsoleHandler`, which sees every event
of the run and prints:

- one line per step start and end, with partitions, table rows and time; a step that
  runs a check is named after it (`fact_events: keys_resolve`, not Dagster's op name
  `fact_events_fact_events_keys_resolve`), see `label_check_steps`;
- failed checks, in the UI's word: FAILED, with "(WARN)" for a check that only warns (the
  UI's "Failed" with a warning icon);
- at RUN_SUCCESS / RUN_FAILURE a summary: rows per table (for a failed run, the tables
  written before it failed, or that none was), checks passed and failed, the dashboard's
  path and how to open the UI.

`MEETUP_LOG_LEVEL=debug` (what `meetup-pipeline materialize --log-level debug` sets) makes it
print the DEBUG events too, in Dagster's format: with the INFO ones, every event comes back.
These are `python_logs` settings of the instance, so they apply to runs launched from the
UI as well (their output goes to the process that runs them).
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

import dagster as dg
from dagster import DagsterEvent, DagsterEventType

from meetup_pipeline.dagster_private import (
    LOG_RECORD_METADATA_ATTR,
    default_date_format_string,
    default_format_string,
)
from meetup_pipeline.settings.console import verbose as verbose_from_env
from meetup_pipeline.settings.home import meetup_home

UI_HINT = ".venv/bin/dagster dev  (then open http://127.0.0.1:3000/runs/{run_id})"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
PARTITION_TAG = "dagster/partition"


_CHECK_STEPS: dict[str, str] = {}
"""Op name of a check step -> its readable label (filled by `label_check_steps`)."""


def check_label(asset: str, check: str) -> str:
    """`fact_events: keys_resolve` for check `fact_events_keys_resolve` on `fact_events`."""
    prefix = asset.replace("/", "_") + "_"
    short = check[len(prefix) :] if check.startswith(prefix) and check != prefix else check
    return f"{asset}: {short}"


def label_check_steps(checks: Iterable[dg.AssetChecksDefinition]) -> None:
    """Name the steps of these checks after their checks in the run's console lines.

    Dagster names a check's step after its op (`<asset>_<check>`, or a multi-check's own
    name); nothing in the step's events says which check it runs until it has run. The
    code location registers its checks here when it loads, in the process that runs them.
    """
    for checks_def in checks:
        labels = [
            check_label(key.asset_key.to_user_string(), key.name) for key in checks_def.check_keys
        ]
        _CHECK_STEPS[checks_def.node_def.name] = ", ".join(sorted(labels))


def step_label(step_key: str) -> str:
    return _CHECK_STEPS.get(step_key, step_key)


@dataclass
class StepStats:
    started: float
    partitions: dict[str, int] = field(default_factory=dict)
    """Materializations per asset of the step: one per partition."""
    tables: dict[str, tuple[int, int | None]] = field(default_factory=dict)
    """Table name -> (rows in the table, rows this run wrote)."""
    checks: list[str] = field(default_factory=list)


@dataclass
class RunSummary:
    """What the run did, gathered from its events as they pass."""

    started: float = field(default_factory=time.monotonic)
    steps: dict[str, StepStats] = field(default_factory=dict)
    finished_steps: int = 0
    failed_steps: list[str] = field(default_factory=list)
    table_rows: dict[str, int] = field(default_factory=dict)
    checks_passed: list[str] = field(default_factory=list)
    checks_failed: list[str] = field(default_factory=list)
    """Labels of failed checks, with " (WARN)" for those that only warn."""
    dashboard: str | None = None


def _metadata_value(metadata: Any, key: str) -> Any:
    entry = metadata.get(key) if metadata else None
    return getattr(entry, "value", entry)


def _clock() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S %z")


def _seconds(value: float) -> str:
    return f"{value:.1f} s" if value < 120 else f"{value / 60:.1f} min"


NOTEWORTHY_ENGINE_EVENTS = ("Step blocked by limit for pool", "Marked ")
"""Prefixes of Dagster's (and instance/executor.py's) engine messages the console shows."""

_RUNS: dict[str, RunSummary] = {}
"""Per run id: Dagster builds a new handler for each log manager of a run (run, steps)."""
_RUNS_LOCK = threading.Lock()


class ConsoleHandler(logging.Handler):
    """Turns the run's log records into the lines described in the module docstring."""

    def __init__(self, verbose: bool | None = None, stream: IO[str] | None = None) -> None:
        super().__init__(logging.DEBUG)
        if verbose is None:
            verbose = verbose_from_env()
        self.verbose = verbose
        self.stream = stream or sys.stderr
        self.full = logging.Formatter(default_format_string(), default_date_format_string())

    def _print(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            meta = getattr(record, LOG_RECORD_METADATA_ATTR, None) or {}
            if self.verbose and record.levelno < logging.INFO:
                # Dagster's console logger prints INFO and up (python_log_level).
                self._print(self.full.format(record))
            event: DagsterEvent | None = meta.get("dagster_event")
            if event is not None:
                self._on_event(event, meta)
        except Exception:  # a console line must never fail the run
            self.handleError(record)

    def _say(self, line: str) -> None:
        if not self.verbose:
            self._print(f"{_clock()} - {line}")

    def _on_event(self, event: DagsterEvent, meta: dict[str, Any]) -> None:
        kind = event.event_type
        step = event.step_key or ""
        run_id = str(meta.get("run_id") or "")
        with _RUNS_LOCK:
            if kind == DagsterEventType.RUN_START or run_id not in _RUNS:
                _RUNS[run_id] = RunSummary()
            self.summary = _RUNS[run_id]
        if kind == DagsterEventType.RUN_START:
            self._say(f"run {meta.get('run_id')} started{_window(meta.get('job_tags') or {})}")
        elif kind == DagsterEventType.STEP_START:
            self.summary.steps[step] = StepStats(started=time.monotonic())
            self._say(f"{step_label(step)}: started")
        elif kind == DagsterEventType.ASSET_MATERIALIZATION:
            self._on_materialization(event, step)
        elif kind == DagsterEventType.ASSET_CHECK_EVALUATION:
            self._on_check(event)
        elif kind == DagsterEventType.STEP_SUCCESS:
            self.summary.finished_steps += 1
            self._say(f"{step_label(step)}: done{self._step_figures(step)}")
        elif kind == DagsterEventType.STEP_FAILURE:
            self.summary.failed_steps.append(step_label(step))
            error = event.step_failure_data.error
            reason = error.message.strip().splitlines()[0] if error else "failed"
            self._say(f"{step_label(step)}: FAILED{self._step_figures(step)}: {reason}")
        elif kind == DagsterEventType.STEP_SKIPPED:
            self._say(
                f"{step_label(step)}: skipped (an upstream step failed or a blocking check failed)"
            )
        elif kind == DagsterEventType.ENGINE_EVENT and event.message:
            # the two engine events a person waiting at the terminal needs: a step waiting
            # for a pool slot (once, not every "still blocked"), and dead runs released
            if event.message.startswith(NOTEWORTHY_ENGINE_EVENTS):
                self._say(f"{step_label(step) + ': ' if step else ''}{event.message}")
        elif kind in (DagsterEventType.RUN_SUCCESS, DagsterEventType.RUN_FAILURE):
            self._print_summary(meta, kind == DagsterEventType.RUN_SUCCESS)
            with _RUNS_LOCK:
                _RUNS.pop(run_id, None)

    def _on_materialization(self, event: DagsterEvent, step: str) -> None:
        stats = self.summary.steps.setdefault(step, StepStats(started=time.monotonic()))
        materialization = event.step_materialization_data.materialization
        asset = materialization.asset_key.to_user_string()
        stats.partitions[asset] = stats.partitions.get(asset, 0) + 1
        metadata = materialization.metadata
        table = _metadata_value(metadata, "dagster/table_name")
        rows = _metadata_value(metadata, "dagster/row_count")
        if table and isinstance(rows, int):
            written = _metadata_value(metadata, "rows_written")
            stats.tables[str(table)] = (rows, written if isinstance(written, int) else None)
            self.summary.table_rows[str(table)] = rows
        path = _metadata_value(metadata, "path")
        if materialization.asset_key.to_user_string() == "dashboard" and path:
            self.summary.dashboard = str(path)
            shown = _metadata_value(metadata, "events_on_page")
            total = _metadata_value(metadata, "events")
            if isinstance(shown, int) and isinstance(total, int) and shown < total:
                self.summary.dashboard += f" (the newest {shown:,} of {total:,} past events)"

    def _on_check(self, event: DagsterEvent) -> None:
        evaluation = event.asset_check_evaluation_data
        name = check_label(evaluation.asset_key.to_user_string(), evaluation.check_name)
        warn = evaluation.severity == dg.AssetCheckSeverity.WARN
        outcome = "passed" if evaluation.passed else "FAILED (WARN)" if warn else "FAILED"
        stats = self.summary.steps.get(event.step_key or "")
        if stats is not None:
            stats.checks.append(f"check {outcome}")
        if evaluation.passed:
            self.summary.checks_passed.append(name)
            return
        self.summary.checks_failed.append(f"{name} (WARN)" if warn else name)
        lines = (evaluation.description or "").strip().splitlines()
        self._say(f"check {name}: {outcome}" + (f": {lines[0]}" if lines else ""))

    def _step_figures(self, step: str) -> str:
        stats = self.summary.steps.get(step)
        if stats is None:
            return ""
        parts = [f" in {_seconds(time.monotonic() - stats.started)}"]
        partitions = max(stats.partitions.values(), default=0)
        if partitions > 1:
            parts.append(f"{partitions:,} partitions")
        for table, (rows, written) in stats.tables.items():
            wrote = f" ({written:,} written)" if written is not None else ""
            parts.append(f"{table} {rows:,} rows{wrote}")
        return ", ".join(parts + stats.checks)

    def _print_summary(self, meta: dict[str, Any], success: bool) -> None:
        s = self.summary
        run_id = meta.get("run_id") or ""
        outcome = "succeeded" if success else "FAILED"
        lines = [
            f"run {run_id} {outcome} in {_seconds(time.monotonic() - s.started)}: "
            f"{s.finished_steps} steps done"
            + (f", failed: {', '.join(s.failed_steps)}" if s.failed_steps else ""),
        ]
        if s.table_rows:
            heading = "rows per table" if success else "tables written before the failure (rows)"
            lines.append(f"  {heading}:")
            width = max(len(t) for t in s.table_rows)
            lines += [f"    {t:<{width}} {n:>12,}" for t, n in sorted(s.table_rows.items())]
        elif not success:
            lines.append("  no table was written")
        warned = sum(1 for n in s.checks_failed if n.endswith(" (WARN)"))
        checks = f"  checks: {len(s.checks_passed)} passed, {len(s.checks_failed)} failed"
        if warned:
            checks += f" ({warned} of them WARN: they warn, they block nothing)"
        lines.append(checks + "".join(f"\n    FAILED {n}" for n in s.checks_failed))
        dashboard = s.dashboard or str(meetup_home() / "dashboard" / "index.html")
        built = "" if s.dashboard else " (not rebuilt by this run)"
        lines.append(f"  dashboard: {dashboard}{built}")
        lines.append(f"  in the UI: {UI_HINT.format(run_id=run_id)}")
        for line in lines:
            self._print(line)


def _window(tags: dict[str, str]) -> str:
    if RANGE_START_TAG in tags:
        return f" for {tags[RANGE_START_TAG]}...{tags.get(RANGE_END_TAG, '')}"
    if PARTITION_TAG in tags:
        return f" for {tags[PARTITION_TAG]}"
    return ""
