"""A run on a full disk: one line naming the disk, nothing changed, then an ordinary rerun
heals once there is space. `MEETUP_HOME` is a small tmpfs (mounting needs root)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from meetup_pipeline.warehouse.disk import MIN_FREE_BYTES
from meetup_pipeline_tests.chaos.conftest import (
    LiveRun,
    Site,
    TmpfsUnavailable,
    fill,
    fill_up,
    tmpfs_site,
)

STAGING = 'STEP_START - Started execution of step "stg_events"'
"""Past extraction: the run still has every staging, mart and check step to record."""


@pytest.fixture
def small_home() -> Iterator[Site]:
    try:
        with tmpfs_site("meetup-chaos-disk-") as site:
            yield site
    except TmpfsUnavailable as exc:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {exc}")


def test_a_run_on_a_full_disk_says_so_and_a_rerun_heals(small_home: Site) -> None:
    site = small_home
    filler = fill(site.root / "home", leave=MIN_FREE_BYTES // 2)

    full = site.materialize()

    assert full.code != 0
    named = [line for line in full.output.splitlines() if "is full" in line]
    assert named, full.output[-3000:]
    assert f"the disk holding {site.pgdata}" in named[0]
    assert "free space, then rerun: nothing was changed" in named[0]
    assert "Traceback" not in full.output, full.output[-3000:]

    filler.unlink()
    again = site.materialize()
    assert again.code == 0, again.output[-4000:]
    assert "RUN_SUCCESS" in again.output


def test_a_disk_that_fills_during_a_run_is_named_in_dagster_storage_too(
    small_home: Site,
) -> None:
    """The disk fills mid-run: the warehouse's writes and Dagster's own (the run's events
    in the `dagster` database, its status) fail. Each says which disk, in the warehouse's
    words, never PostgreSQL's `could not extend file` in a traceback; the rerun heals, and
    the run that could not record its end is failed by it, its slot freed."""
    site = small_home
    run = LiveRun(site)
    assert run.wait_for(STAGING), run.output[-3000:]
    filler = fill_up(site.root / "home")
    code = run.wait_exit()
    output = run.output
    assert code not in (0, None), output[-3000:]
    named = f"the disk holding {site.pgdata} is full; free space, then rerun: nothing was changed"
    assert named in output, output[-3000:]
    assert "could not extend file" not in output, output[-3000:]
    assert "Traceback" not in output, output[-3000:]

    filler.unlink()
    again = site.materialize()
    assert again.code == 0, again.output[-4000:]
    assert "RUN_SUCCESS" in again.output
    assert "STARTED" not in site.runs().values()
    assert site.held_slots() == []
