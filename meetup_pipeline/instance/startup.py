"""What a process that loads the Dagster instance changes in itself, each step named, here only.

Dagster builds the instance from dagster.yaml in every process it starts (webserver, daemon,
code server, run worker, `dg launch`), and runs no code of ours before that: the classes'
factories (`from_config_value`, Dagster's hook) are the one place to prepare the process,
and each calls what it needs from here. Their constructors, `resolve_storage` and the
settings change nothing: they only compute.

- `start_embedded_server`: the embedded PostgreSQL server (when no storage URL is set),
  with the one line that says so;
- `pin_home`: `MEETUP_HOME` for the child processes, so they all find that same server;
- `set_event_batch_size`: Dagster's `DAGSTER_EVENT_BATCH_SIZE` (`event_batching.py`);
- `quiet_dagster_notices`: two notices Dagster prints on every CLI run (`notices.py`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from meetup_pipeline import notices
from meetup_pipeline.instance.event_batching import BATCH_SIZE_ENV, batch_size
from meetup_pipeline.warehouse import embedded


def start_embedded_server(pgdata: Path, database: str) -> embedded.EmbeddedServer:
    """Start (or find) the embedded server on `pgdata` with `database`, saying so first: a
    start takes seconds (initdb: tens of seconds) before Dagster prints anything, and the
    server keeps running after this process."""
    if embedded.running_server(pgdata) is None:
        print(
            f"Starting the embedded PostgreSQL server in {pgdata} (Dagster's storage and the "
            "warehouse); it keeps running after this command: stop it with "
            "`meetup-pipeline warehouse stop`.",
            file=sys.stderr,
            flush=True,
        )
    return embedded.ensure_server(pgdata, databases=(database,))


def pin_home(home: Path) -> None:
    """Child processes (webserver, daemon, code servers, run workers) must all find the
    server this process started, even if one of them runs from another directory."""
    os.environ.setdefault("MEETUP_HOME", str(home))


def set_event_batch_size(config_value: Mapping[str, Any]) -> None:
    """Give this process the configured batch size unless its environment sets one: Dagster
    reads it only from the variable, at write time, in the process that writes."""
    os.environ.setdefault(BATCH_SIZE_ENV, str(batch_size(config_value)))


def quiet_dagster_notices() -> None:
    """Silence two notices Dagster prints on every CLI run, neither actionable by its user,
    before either is emitted (they come before the run console's first line)."""
    notices.quiet_process(notices.YAML_LOGGING, notices.INCLUDE_SOURCES)
