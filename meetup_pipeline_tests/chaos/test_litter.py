"""No litter where users work: a run started with no `DAGSTER_HOME` (Dagster's CLI then
makes a `.tmp_dagster_home_*` folder in the working directory) and killed with kill -9
leaves no such folder, and an ordinary run removes the ones killed CLIs left long ago.

Before, every killed run left its folder (25 after the issue's attack run)."""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

from meetup_pipeline_tests.chaos.conftest import REPO_ROOT, LiveRun, Site
from meetup_pipeline_tests.chaos.test_interrupts import EXTRACTION


def temporary_homes(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob(".tmp_dagster_home_*"))


def test_a_killed_run_leaves_no_temporary_dagster_home(site: Site) -> None:
    cwd = site.root / "cwd"
    del site.env["DAGSTER_HOME"]  # as a user runs it: the repo's dagster.yaml in the cwd
    shutil.copy(REPO_ROOT / "dagster.yaml", cwd / "dagster.yaml")
    long_ago = time.time() - 3600
    abandoned = cwd / ".tmp_dagster_home_killed_long_ago"  # a CLI killed before its run
    abandoned.mkdir()
    os.utime(abandoned, (long_ago, long_ago))

    run = LiveRun(site)
    made: list[str] = []
    while not made and run.proc.poll() is None:  # the CLI makes its home as it starts
        made = [name for name in temporary_homes(cwd) if name != abandoned.name]
        time.sleep(0.01)
    assert made, run.output[-3000:]
    assert run.wait_for(EXTRACTION), run.output[-3000:]
    run.signal_group(signal.SIGKILL)
    assert run.wait_exit() == -signal.SIGKILL
    assert temporary_homes(cwd) == [], run.output[-3000:]

    again = site.materialize()
    assert again.code == 0, again.output[-3000:]
    assert temporary_homes(cwd) == []
