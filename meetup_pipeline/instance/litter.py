"""Folders that killed Dagster CLIs leave in the folder a user works in.

With no `DAGSTER_HOME`, `dg launch`, `dagster asset materialize` and `dagster dev` make a
temporary `.tmp_dagster_home_*` folder in the working directory and remove it when they
exit; a process killed (kill -9, a closed terminal) leaves it behind, empty: the repo's
dagster.yaml stores everything elsewhere (`$MEETUP_HOME`, the `dagster` database). Each
run removes the empty ones that are older than any run's start-up, so a working
directory never fills with them. A live `dagster dev` tolerates losing its (unused,
empty) folder: Python's temporary-directory cleanup ignores a folder already gone.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from meetup_pipeline.dagster_private import TMP_DAGSTER_HOME_PREFIX

log = logging.getLogger(__name__)

STALE_SECONDS = 600.0
"""Younger folders are left alone (a CLI that just made one may still be starting)."""


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
