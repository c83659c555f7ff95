"""Nothing wedges a run: a lost warehouse connection, Ctrl-C and SIGTERM at each phase.

Each case is the ordinary command (`Site.start`, what `dg launch` runs in process) on a
real site. The process must exit soon after the fault with the run ended (FAILURE or
CANCELED, with the reason), no pool slot held, and the next ordinary run must complete.
Before, a failed write or Ctrl-C during extraction left the process waiting forever on
the extraction thread (`meetup/stream.py`), the run STARTED and the `meetup_api` slot held.
The lost-connection case fails on that code (checked with `meetup/stream.py`, the client's
page runner and the resource's stream as before 3aa8484): garbage collection during
`upcoming_events` finalizes the abandoned stream, whose thread waits on its full queue.
"""

from __future__ import annotations

import os
import signal
import time

from meetup_pipeline_tests.chaos.conftest import LiveRun, Site
from meetup_pipeline_tests.chaos.test_kill_run import run_id_of

EXIT_TIMEOUT_S = 60
"""A safety net only: a wedged process never exits (the issue saw 10 minutes)."""
LONG_EXTRACTION = {
    "window": "2024-12-01...2024-12-31",
    "MEETUP_SANDBOX_SCALE": "1",
    "MEETUP_SANDBOX_FAULTS": "slow=1,slow_seconds=0.3",
}
"""A month of the full-size world with every answer 0.3 s late: its extraction pages the
sandbox for tens of seconds however fast the machine is, so a fault placed just after the
first records are staged lands in the extraction (the test checks it from the output)."""
INTO_EXTRACTION_S = 1.0
"""Where the fault lands after the first records were staged."""
STEP_START = '{} - STEP_START - Started execution of step "{}"'
EXTRACTION = STEP_START.format("raw_meetup", "raw_meetup")
RAW_WRITTEN = 'STEP_OUTPUT - Yielded output "raw_groups"'


def step_failures(site: Site, run_id: str) -> list[str]:
    with site.connect("dagster") as conn:
        rows = conn.execute(
            "SELECT event FROM event_logs WHERE run_id = %s AND dagster_event_type = "
            "'STEP_FAILURE' ORDER BY id",
            (run_id,),
        ).fetchall()
    return [row[0] for row in rows]


def assert_ended(site: Site, run: LiveRun, code: int | None, statuses: tuple[str, ...]) -> str:
    """The process exited, its run ended in one of `statuses`, no slot is held."""
    assert code is not None, f"the process did not exit:\n{run.output[-3000:]}"
    assert code != 0
    run_id = run_id_of(run.output)
    assert site.runs()[run_id] in statuses, run.output[-3000:]
    assert site.held_slots() == []
    return run_id


def assert_next_run_completes(site: Site) -> None:
    again = site.materialize()
    assert again.code == 0, again.output[-4000:]
    assert "RUN_SUCCESS" in again.output
    assert "STARTED" not in site.runs().values()
    assert site.held_slots() == []


def extraction_started(site: Site, settle: float = INTO_EXTRACTION_S) -> None:
    """Wait until the run stages the extraction (`_raw_load` exists), then a little more."""
    deadline = time.monotonic() + 120
    with site.connect("meetup") as conn:
        while (
            conn.execute(
                "SELECT 1 FROM pg_class WHERE relname = '_raw_load' AND relpersistence = 't'"
            ).fetchone()
            is None
        ):
            assert time.monotonic() < deadline, "the run never staged its extraction"
            time.sleep(0.05)
    time.sleep(settle)


STAGED_EXTRACTION = {
    **LONG_EXTRACTION,
    "MEETUP_SANDBOX_SCALE": "3",
    "MEETUP_SANDBOX_FAULTS": "slow=1,slow_seconds=0.1",
}
"""A month of a world three times the default size, every answer 0.1 s late: thousands of
records, so the raw layer COPYs a chunk into its stage long before the extraction ends."""
COPY_INTO_STAGE = (
    "SELECT pid FROM pg_stat_activity WHERE datname = 'meetup' "
    "AND query ILIKE 'COPY %_raw_load%FROM STDIN%' AND pid <> pg_backend_pid()"
)
"""The session staging the extraction: its last (or current) statement is the COPY."""
RUN_AHEAD_S = 3.0
"""How long the staging session stays frozen: the extraction (a page every ~0.1 s) runs
ahead of the stopped writer until its bounded queues are full, as it does when a real write
hangs. A shorter freeze on a slow machine makes the case no easier for the code."""


def staging_backend(site: Site) -> int:
    """The backend that COPYs into the stage, once it has run its first COPY."""
    deadline = time.monotonic() + 120
    with site.connect("meetup") as conn:
        while (row := conn.execute(COPY_INTO_STAGE).fetchone()) is None:
            assert time.monotonic() < deadline, "the run never COPYed into _raw_load"
            time.sleep(0.02)
    return int(row[0])


def test_a_connection_lost_in_the_copy_into_the_stage_fails_the_run_at_once(
    site: Site,
) -> None:
    """The issue's row: `pg_terminate_backend` of the session COPYing into `_raw_load`
    while the extraction runs. The writer is frozen (SIGSTOP of its backend) so its next
    COPY waits while the extraction fills its queues, then terminated and let go: the COPY
    fails with the server's reason. Before, the abandoned extraction thread then waited for
    ever on its full queue, the process never exited and the `meetup_api` slot stayed held."""
    run = LiveRun(site, **STAGED_EXTRACTION)
    assert run.wait_for(EXTRACTION), run.output[-3000:]
    pid = staging_backend(site)
    os.kill(pid, signal.SIGSTOP)
    try:
        time.sleep(RUN_AHEAD_S)
        with site.connect("meetup") as conn:
            (terminated,) = conn.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()
        assert terminated
    finally:
        os.kill(pid, signal.SIGCONT)
    faulted = time.monotonic()
    assert run.wait_for("raw_meetup - STEP_FAILURE", EXIT_TIMEOUT_S), run.output[-3000:]
    failed = time.monotonic() - faulted
    code = run.wait_exit(EXIT_TIMEOUT_S)
    exited = time.monotonic() - faulted
    run_id = assert_ended(site, run, code, ("FAILURE",))
    print(f"raw_meetup failed {failed:.1f}s and the process exited {exited:.1f}s after the fault")
    assert RAW_WRITTEN not in run.output  # it was extracting
    (failure, *_) = step_failures(site, run_id)
    # the real cause, not a secondary error from the extraction's shutdown
    assert "raw_meetup" in failure and "terminating connection" in failure, failure[:2000]
    assert "COPY _raw_load" in failure, failure[:2000]  # in the COPY itself (server's CONTEXT)
    assert_next_run_completes(site)


PHASES = (
    # (signal, the log line it lands right after, the run's window and environment)
    (signal.SIGINT, EXTRACTION, LONG_EXTRACTION),
    (signal.SIGTERM, EXTRACTION, LONG_EXTRACTION),
    (signal.SIGINT, RAW_WRITTEN, {}),
    (signal.SIGINT, STEP_START.format("stg_events", "stg_events"), {}),
    (signal.SIGINT, STEP_START.format("dashboard", "dashboard"), {}),
)


def test_ctrl_c_or_sigterm_at_each_phase_ends_the_run(site: Site) -> None:
    """One site, one interrupted run per phase in turn, then an ordinary run completes."""
    timings = []
    for signo, cue, env in PHASES:
        run = LiveRun(site, **env)
        assert run.wait_for(cue), run.output[-3000:]
        if cue == EXTRACTION:
            extraction_started(site)
        sent = run.signal_group(signo)
        code = run.wait_exit(EXIT_TIMEOUT_S)
        timings.append(f"{signo.name} after {cue[:40]!r}: {time.monotonic() - sent:.1f}s")
        run_id = assert_ended(site, run, code, ("FAILURE", "CANCELED"))
        if cue == EXTRACTION:
            assert RAW_WRITTEN not in run.output  # it was extracting
        with site.connect("dagster") as conn:
            (reason,) = conn.execute(
                "SELECT count(*) FROM event_logs WHERE run_id = %s AND event ILIKE %s",
                (run_id, "%interrupt%"),
            ).fetchone()
        assert reason, f"no reason recorded for the interrupted run {run_id}"
    print("; ".join(timings))
    assert_next_run_completes(site)
