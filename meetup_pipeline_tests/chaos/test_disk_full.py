"""A run on a full disk: one line naming the disk, nothing changed, then an ordinary rerun
heals once there is space. `MEETUP_HOME` is a small tmpfs (mounting needs root)."""

from __future__ import annotations

import errno
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from meetup_pipeline.warehouse.disk import MIN_FREE_BYTES
from meetup_pipeline_tests.chaos.conftest import LiveRun, Site, make_site, remove_site

STAGING = 'STEP_START - Started execution of step "stg_events"'
"""Past extraction: the run still has every staging, mart and check step to record."""


@pytest.fixture
def small_home() -> Iterator[Site]:
    site = make_site("meetup-chaos-disk-")
    home = site.root / "home"
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256m,mode=0755", "tmpfs", str(home)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        remove_site(site)
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield site
    finally:
        try:
            remove_site(site)  # stops the server first
        finally:
            subprocess.run(["umount", "-l", str(home)], check=False)
            shutil.rmtree(site.root, ignore_errors=True)  # the mount point, now a folder


def fill(path: Path, leave: int) -> Path:
    """A file taking all the space of `path`'s disk but `leave` bytes."""
    filler = path / "filler"
    free = shutil.disk_usage(path).free
    with filler.open("wb") as fh:
        fh.truncate(0)
        chunk = b"\0" * (1 << 20)
        for _ in range(max(0, free - leave) >> 20):
            fh.write(chunk)
    return filler


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


def fill_up(path: Path) -> Path:
    """`fill`, then the last bytes too: every later write to the disk fails."""
    filler = fill(path, leave=0)
    with filler.open("ab", buffering=0) as fh:
        try:
            while True:
                fh.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc
    return filler


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
