"""The embedded PostgreSQL server dies mid-run, and its pid is then reused: the next run copes.

The postmaster is killed with SIGKILL while the run extracts. What the run does next
depends on what it was doing at that instant: a connection open at the kill fails it (and
it cannot record its end: its storage is gone); if it only connects afterwards, it starts
the server again itself (embedded.py) and may complete. The test accepts either, and
checks the run's recorded status agrees with its exit code. Then the postmaster is dead
(killed again if the run restarted it) and its pid is given to a live process that is not
PostgreSQL, as happens when the system reuses it. The same command again must start the
server, mark a run that died FAILED, and load the same marts.
"""

from __future__ import annotations

import os
import signal
import subprocess

import psutil

from meetup_pipeline.warehouse.embedded import running_server
from meetup_pipeline_tests.chaos.conftest import Site
from meetup_pipeline_tests.chaos.test_kill_run import PHASES, run_id_of


def postmaster_pid(site: Site) -> int:
    return int((site.pgdata / "postmaster.pid").read_text().splitlines()[0])


def test_postmaster_killed_mid_run_then_pid_reused(site: Site, clean_marts: dict[str, str]) -> None:
    killed_pids: list[int] = []

    def kill_postmaster() -> None:
        killed_pids.append(postmaster_pid(site))
        os.kill(killed_pids[0], signal.SIGKILL)

    first = site.materialize(kill_at=PHASES["extraction"], on_cue=kill_postmaster)
    assert killed_pids, first.output[-3000:]
    first_run = run_id_of(first.output)
    if running_server(site.pgdata) is not None:  # the run started the server again
        restarted = psutil.Process(postmaster_pid(site))
        restarted.kill()
        restarted.wait(timeout=60)

    impostor = subprocess.Popen(["sleep", "300"])
    try:
        # Both lock files name the pid: the data directory's and the socket's.
        for lock in (site.pgdata / "postmaster.pid", site.pgdata / ".s.PGSQL.5432.lock"):
            lines = lock.read_text().splitlines()
            lock.write_text("\n".join([str(impostor.pid), *lines[1:]]) + "\n")
        assert running_server(site.pgdata) is None  # not fooled by the live impostor

        again = site.materialize()

        assert again.code == 0, again.output[-4000:]
        assert "RUN_SUCCESS" in again.output
        assert impostor.poll() is None  # the impostor was left alone
    finally:
        impostor.kill()
        impostor.wait()
    statuses = site.runs()
    # Decided by what happened: a run that failed (or was killed) is FAILURE, marked by
    # the next run if it could not record it; one that healed itself is SUCCESS.
    expected = "SUCCESS" if first.code == 0 else "FAILURE"
    assert statuses[first_run] == expected, first.output[-3000:]
    assert "STARTED" not in statuses.values(), statuses
    assert site.held_slots() == []
    assert site.marts_md5() == clean_marts
