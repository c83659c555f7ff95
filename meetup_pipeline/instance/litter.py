"""Folders that killed Dagster CLIs leave in the folder a user works in.

With no `DAGSTER_HOME`, `dg launch`, `dagster asset materialize` and `dagster dev` make a
temporary `.tmp_dagster_home_*` folder in the working directory and remove it when they
exit; a process killed (kill -9, a closed terminal) leaves it behind, empty: the repo's
dagster.yaml stores everything elsewhere (`$MEETUP_HOME`, the `dagster` database). Each
run removes the empty ones that are older than any run's start-up, so a working
directory never fills with them. A live `dagster dev` tolerates losing its (unused,
empty) folder: Python's temporary-directory cleanup ignores a folder already gone.

A run's own CLI does not wait for that: once the run has started, the process that made
its temporary home (`dagster asset materialize`, `dg launch`) removes it, so a run killed
at any later moment leaves nothing behind. A run worker that `dagster dev` launched leaves
`dagster dev`'s alone (it is older than the worker).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from meetup_pipeline.dagster_private import TMP_DAGSTER_HOME_PREFIX

log = logging.getLogger(__name__)

STALE_SECONDS = 600.0
"""Younger folders are left alone (a CLI that just made one may still be starting)."""


OWN_HOME_SLACK_SECONDS = 0.5
"""psutil's process start time is rounded: a home this process made is no older than this
before it."""


def remove_own_temporary_homes(folder: Path, process_started: float) -> list[Path]:
    """Remove the empty `.tmp_dagster_home_*` folders in `folder` made since this process
    started: its CLI's own (the instance does not say which folder it is: the repo's
    dagster.yaml moves every storage out of it), or a CLI's started even later, which
    tolerates it as a live `dagster dev` does. Older ones wait for STALE_SECONDS."""
    removed = []
    for home in folder.glob(f"{TMP_DAGSTER_HOME_PREFIX}*"):
        try:
            if home.is_symlink() or not home.is_dir():
                continue
            if home.stat().st_mtime >= process_started - OWN_HOME_SLACK_SECONDS:
                home.rmdir()  # only if empty: never anything a process stored there
                removed.append(home)
        except OSError:
            continue
    if removed:
        log.debug("Removed this run's empty temporary Dagster home(s): %s", removed)
    return removed


def remove_abandoned_temporary_homes(folder: Path, now: float | None = None) -> list[Path]:
    """Remove the empty `.tmp_dagster_home_*` folders in `folder` older than STALE_SECONDS."""
    cutoff = (now or time.time()) - STALE_SECONDS
    removed = []
    for home in folder.glob(f"{TMP_DAGSTER_HOME_PREFIX}*"):
        try:
            if home.is_dir() and not home.is_symlink() and home.stat().st_mtime < cutoff:
                home.rmdir()  # only if empty: never anything a process stored there
                removed.append(home)
        except OSError:
            continue
    if removed:
        log.info(
            "Removed %d empty %s* folder(s) left by killed runs in %s",
            len(removed),
            TMP_DAGSTER_HOME_PREFIX,
            folder,
        )
    return removed
