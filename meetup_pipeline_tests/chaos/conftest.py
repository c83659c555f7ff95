"""A real `dagster asset materialize` on its own MEETUP_HOME/DAGSTER_HOME, killed on cue.

Each `Site` is what a user has on their machine: the committed dagster.yaml, an embedded
PostgreSQL server (Dagster's storage and the warehouse), the in-process sandbox with a
fixed clock. Runs are the ordinary CLI command as a subprocess; the test reads the
outcome from the same PostgreSQL server (Dagster's `runs` table, the marts).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

from meetup_pipeline.warehouse.embedded import running_server, stop_server
from meetup_pipeline_tests.conftest import reachable_tempdir

REPO_ROOT = Path(__file__).resolve().parents[2]
DAGSTER = Path(sys.executable).with_name("dagster")
SANDBOX_NOW = "2025-01-01T00:00:00-08:00"
WINDOW = "2024-12-15...2024-12-21"
"""A week of a small world (MEETUP_SANDBOX_SCALE below): every asset runs, in seconds."""
SCALE = "0.25"
RUN_TIMEOUT_S = 240
AFTER_CUE_S = 15
CLEARED_ENV = (
    "MEETUP_WAREHOUSE_URL",
    "MEETUP_DAGSTER_STORAGE_URL",
    "DAGSTER_POSTGRES_HOST",
    "MEETUP_API_URL",
    "MEETUP_ACCESS_TOKEN",
    "MEETUP_CLIENT_ID",
    "MEETUP_CLIENT_SECRET",
    "MEETUP_REFRESH_TOKEN",
    "MEETUP_ALERT_WEBHOOK_URL",
    "MEETUP_SANDBOX_FAULTS",
)
MART_TABLES = (
    "dim_date",
    "dim_group",
    "dim_venue",
    "dim_topic",
    "bridge_group_topic",
    "fact_group_snapshots",
    "fact_events",
    "upcoming_events",
)


@dataclass
class Outcome:
    code: int | None
    output: str
    pid: int
    killed: bool = False


@dataclass
class Site:
    root: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def pgdata(self) -> Path:
        return self.root / "home" / "pgdata"

    def start(self, window: str = WINDOW) -> subprocess.Popen[str]:
        """The ordinary command, started in its own session (so its group can be killed)."""
        return subprocess.Popen(
            [*MATERIALIZE, "--select", "*", "--partition-range", window],
            cwd=self.root / "cwd",
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    def materialize(self, kill_at: str | None = None, on_cue: object = None) -> Outcome:
        """The ordinary command; with `kill_at`, SIGKILL the run when that text is logged.

        `on_cue`, if given, is called instead (e.g. to kill the postmaster); the run then
        gets `AFTER_CUE_S` to end by itself (a run without storage sits in its step
        retries for minutes) before it is killed too.
        """
        proc = self.start()
        lines: list[str] = []
        killed = False
        deadline = time.monotonic() + RUN_TIMEOUT_S
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.append(line)
                if kill_at is not None and not killed and kill_at in line:
                    if callable(on_cue):
                        on_cue()
                        timer = threading.Timer(AFTER_CUE_S, _kill_if_running, (proc,))
                        timer.daemon = True
                        timer.start()
                    else:
                        os.kill(proc.pid, signal.SIGKILL)
                        lines.append("[test: kill -9 of the run process]\n")
                        killed = True
                        break
                    kill_at = None
                if time.monotonic() > deadline:
                    lines.append("[test: timeout]\n")
                    break
        finally:
            if not killed:
                try:
                    proc.wait(timeout=max(1.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
            code = proc.wait(timeout=30)
            # Whatever the killed run left behind in its session (the postmaster is not
            # in it: pg_ctl starts it in a session of its own).
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        return Outcome(code=code, output="".join(lines), pid=proc.pid, killed=killed)

    def connect(self, database: str) -> psycopg.Connection:
        server = running_server(self.pgdata)
        assert server is not None, "the embedded server is not running"
        return psycopg.connect(server.conninfo(database), autocommit=True)

    def runs(self) -> dict[str, str]:
        """run_id -> status, from Dagster's run storage."""
        with self.connect("dagster") as conn:
            return dict(conn.execute("SELECT run_id, status FROM runs").fetchall())

    def failure_messages(self, run_id: str) -> list[str]:
        with self.connect("dagster") as conn:
            rows = conn.execute(
                "SELECT event FROM event_logs WHERE run_id = %s "
                "AND dagster_event_type = 'PIPELINE_FAILURE'",
                (run_id,),
            ).fetchall()
        return [row[0] for row in rows]

    def held_slots(self) -> list[tuple[str, str]]:
        with self.connect("dagster") as conn:
            return conn.execute(
                "SELECT run_id, step_key FROM concurrency_slots WHERE run_id IS NOT NULL"
            ).fetchall()

    def marts_md5(self) -> dict[str, str]:
        """md5 of each mart table's rows in a fixed order, all columns but load times.

        `observed_at` / `snapshot_at` are when the extraction ran (wall clock), so two
        correct loads of the same data differ there and nowhere else.
        """
        digests = {}
        with self.connect("meetup") as conn:
            for table in MART_TABLES:
                digests[table] = conn.execute(
                    "SELECT md5(coalesce(string_agg(r, E'\\n' ORDER BY r), '')) FROM ("
                    "SELECT (to_jsonb(t) - 'observed_at' - 'snapshot_at')::text AS r "
                    f"FROM marts.{table} AS t) AS rows"  # fixed names from MART_TABLES
                ).fetchone()[0]
        return digests


class LiveRun:
    """The ordinary command running, its output read as it comes (the test keeps control).

    `signal_group` sends a signal to the run's process group, as a terminal does for
    Ctrl-C; `wait_exit` gives the seconds the process took to exit after that.
    """

    def __init__(self, site: Site, window: str = WINDOW, **env: str) -> None:
        saved = dict(site.env)
        site.env.update(env)
        try:
            self.proc = site.start(window)
        finally:
            site.env.clear()
            site.env.update(saved)
        self.lines: list[str] = []
        self.exited_at: float | None = None
        self.arrived: list[float] = []
        self._seen = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._seen:
                self.lines.append(line)
                self.arrived.append(time.monotonic())
                self._seen.notify_all()
        with self._seen:
            self._seen.notify_all()

    @property
    def output(self) -> str:
        with self._seen:
            return "".join(self.lines)

    def wait_for(self, text: str, timeout: float = RUN_TIMEOUT_S) -> bool:
        """True once `text` was printed; False if the process ended (or timed out) first."""
        deadline = time.monotonic() + timeout
        with self._seen:
            while not any(text in line for line in self.lines):
                if not self._reader.is_alive() or time.monotonic() > deadline:
                    return False
                self._seen.wait(0.5)
        return True

    def signal_group(self, signo: int) -> float:
        os.killpg(self.proc.pid, signo)
        return time.monotonic()

    def wait_exit(self, timeout: float = RUN_TIMEOUT_S) -> int | None:
        """The exit code, or None if the process still runs after `timeout` (then killed)."""
        try:
            code: int | None = self.proc.wait(timeout=timeout)
            self.exited_at = time.monotonic()
        except subprocess.TimeoutExpired:
            code = None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._reader.join(30)
        return code


def _kill_if_running(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGKILL)


MATERIALIZE = (str(DAGSTER), "asset", "materialize", "-m", "meetup_pipeline.definitions")


def make_site(prefix: str) -> Site:
    root = reachable_tempdir(prefix)
    for name in ("home", "dagster_home", "cwd"):
        (root / name).mkdir()
    shutil.copy(REPO_ROOT / "dagster.yaml", root / "dagster_home" / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if k not in CLEARED_ENV}
    env.update(
        MEETUP_HOME=str(root / "home"),
        DAGSTER_HOME=str(root / "dagster_home"),
        MEETUP_SANDBOX_NOW=SANDBOX_NOW,
        MEETUP_SANDBOX_RATE_LIMIT="off",
        MEETUP_SANDBOX_SCALE=SCALE,
        # every Dagster event on the console: the tests find each phase by its step lines
        MEETUP_LOG_LEVEL="debug",
    )
    return Site(root, env)


def remove_site(site: Site) -> None:
    if site.pgdata.exists():
        stop_server(site.pgdata)
    shutil.rmtree(site.root, ignore_errors=True)


class TmpfsUnavailable(RuntimeError):
    """No tmpfs could be mounted here (mounting needs root)."""


@contextlib.contextmanager
def tmpfs_site(prefix: str) -> Iterator[Site]:
    """A site whose `MEETUP_HOME` is a 256 MB tmpfs: a disk the tests can fill."""
    site = make_site(prefix)
    home = site.root / "home"
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256m,mode=0755", "tmpfs", str(home)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        remove_site(site)
        raise TmpfsUnavailable(mounted.stderr.strip())
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


@pytest.fixture
def site() -> Iterator[Site]:
    made = make_site("meetup-chaos-")
    try:
        yield made
    finally:
        remove_site(made)


@pytest.fixture(scope="session")
def clean_marts() -> dict[str, str]:
    """The marts of one uninterrupted run of the same window, on a site of its own."""
    made = make_site("meetup-chaos-clean-")
    try:
        outcome = made.materialize()
        assert outcome.code == 0, outcome.output[-3000:]
        with made.connect("meetup") as conn:
            events = conn.execute("SELECT count(*) FROM marts.fact_events").fetchone()[0]
        assert events >= 3  # a window with something in it
        return made.marts_md5()
    finally:
        remove_site(made)
