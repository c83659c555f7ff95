"""Empty temporary Dagster homes left by killed CLIs are removed by the next run."""

from __future__ import annotations

import os
import time
from pathlib import Path

from meetup_pipeline.instance.litter import (
    remove_abandoned_temporary_homes,
    remove_own_temporary_homes,
)


def test_only_old_empty_temporary_homes_are_removed(tmp_path: Path) -> None:
    an_hour_ago = time.time() - 3600
    left = tmp_path / ".tmp_dagster_home_killed"
    starting = tmp_path / ".tmp_dagster_home_starting"
    holding = tmp_path / ".tmp_dagster_home_holding"
    other = tmp_path / "my_project_folder"
    for folder in (left, starting, holding, other):
        folder.mkdir()
    (holding / "dagster.yaml").write_text("{}")
    for folder in (left, holding, other):
        os.utime(folder, (an_hour_ago, an_hour_ago))

    removed = remove_abandoned_temporary_homes(tmp_path)

    assert removed == [left]
    assert not left.exists()
    assert starting.exists() and holding.exists() and other.exists()


def test_a_run_removes_the_empty_homes_made_since_its_process_started(tmp_path: Path) -> None:
    started = time.time() - 5
    before = tmp_path / ".tmp_dagster_home_dagster_dev"  # `dagster dev`'s, older than us
    ours = tmp_path / ".tmp_dagster_home_ours"
    holding = tmp_path / ".tmp_dagster_home_holding"
    for folder in (before, ours, holding):
        folder.mkdir()
    (holding / "dagster.yaml").write_text("{}")
    os.utime(before, (started - 60, started - 60))

    removed = remove_own_temporary_homes(tmp_path, started)

    assert removed == [ours]
    assert before.exists() and holding.exists()
