"""The attack run of issue 21, repeated as a whole: every table checksummed against a clean run.

    .venv/bin/python bench/attack.py [--only NAME ...]

Each case attacks a real `dagster asset materialize` (the chaos suite's `Site`: embedded
PostgreSQL, in-process sandbox with a fixed clock), then, where the attack makes the run
fail, heals with the ordinary command and nothing done by hand. A case holds when the
attacked run ended as it must (completed under API faults; failed with its cause, no
process left behind, otherwise), the heal completed, no run is left STARTED, no pool slot
is held, and every table of `raw`, `staging` and `marts` has the checksum of the clean
run (all columns but the wall-clock load times). Prints one row per case; exits 1 if any
case did not hold. Needs root for the tmpfs of the disk cases (skipped otherwise).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from meetup_pipeline_tests.chaos import test_secret_echo as echo  # noqa: E402
from meetup_pipeline_tests.chaos.conftest import (  # noqa: E402
    LiveRun,
    Site,
    TmpfsUnavailable,
    fill_up,
    make_site,
    remove_site,
    tmpfs_site,
)
from meetup_pipeline_tests.chaos.hostile import serve  # noqa: E402
from meetup_pipeline_tests.chaos.test_interrupts import (  # noqa: E402
    EXTRACTION,
    STAGED_EXTRACTION,
    staging_backend,
)
from meetup_pipeline_tests.chaos.test_kill_run import PHASES  # noqa: E402

VOLATILE = ("fetched_at", "observed_at", "snapshot_at")
"""When the extraction ran (wall clock): two correct loads differ there and nowhere else."""
KILL_AT = {
    "run started": "RUN_START - Started execution of run",
    **PHASES,
    "dashboard": 'dashboard - STEP_START - Started execution of step "dashboard"',
}
FAULT_MIXES = (
    "http_429=0.3",
    "rate_limited=0.1",
    "http_5xx=0.3,slow=0.3",
    "timeout=0.3,drop=0.3",
    "all=0.3",
    "truncated_json=0.3,invalid_json=0.3",
    "field_drift=0.3",
)
EXIT_S = 120.0


def checksums(site: Site) -> dict[str, str]:
    with site.connect("meetup") as conn:
        tables = conn.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables "
            "WHERE table_schema IN ('raw', 'staging', 'marts') AND table_type = 'BASE TABLE' "
            "ORDER BY 1"
        ).fetchall()
        drop = " ".join(f"- '{c}'" for c in VOLATILE)
        return {
            name: conn.execute(
                "SELECT md5(coalesce(string_agg(r, E'\\n' ORDER BY r), '')) FROM ("
                f"SELECT (to_jsonb(t) {drop})::text AS r FROM {name} AS t) AS rows"
            ).fetchone()[0]
            for (name,) in tables
        }


@dataclass
class Row:
    case: str
    attacked: str = ""
    heal: str = ""
    tables: str = ""
    held: bool = False
    notes: list[str] = field(default_factory=list)


def healthy(site: Site) -> list[str]:
    problems = []
    if "STARTED" in site.runs().values():
        problems.append("a run is left STARTED")
    if site.held_slots():
        problems.append("a pool slot is held")
    return problems


MONTH_CALENDAR = "marts.dim_date"
"""The calendar of the partitions a run covered: the cases that attack a month (enough
records to COPY mid-extraction) leave December's dates in it, correctly."""


def compare(site: Site, clean: dict[str, str], row: Row, skip: str = "") -> None:
    now = checksums(site)
    differ = sorted(t for t in clean if now.get(t) != clean[t] and t != skip)
    if skip:
        row.notes.append(f"{skip} left out (holds the attacked month's calendar)")
    compared = len(clean) - (skip in clean)
    row.tables = f"{compared - len(differ)}/{compared} equal"
    if differ:
        row.notes.append("differ: " + ", ".join(differ))
    row.notes += healthy(site)
    row.held = row.held and not differ and not healthy(site)


def heal(site: Site, row: Row, clean: dict[str, str], skip: str = "") -> None:
    started = time.monotonic()
    again = site.materialize()
    row.heal = f"rc {again.code} in {time.monotonic() - started:.0f} s"
    row.held = again.code == 0
    compare(site, clean, row, skip)


def attacked(outcome_code: int | None, seconds: float, expect_ok: bool) -> tuple[str, bool]:
    text = f"rc {outcome_code} in {seconds:.0f} s"
    return text, (outcome_code == 0) if expect_ok else (outcome_code not in (0, None))


def kill_case(site: Site, phase: str, clean: dict[str, str]) -> Row:
    row = Row(f"kill -9 at {phase}")
    started = time.monotonic()
    out = site.materialize(kill_at=KILL_AT[phase])
    took = time.monotonic() - started
    row.attacked = f"{'killed' if out.killed else 'NOT killed'} after {took:.0f} s"
    heal(site, row, clean)
    row.held = row.held and out.killed
    return row


def postmaster_case(site: Site, clean: dict[str, str]) -> Row:
    row = Row("postmaster kill -9 mid-run")

    def kill_postmaster() -> None:
        pid = int((site.pgdata / "postmaster.pid").read_text().splitlines()[0])
        os.kill(pid, signal.SIGKILL)

    started = time.monotonic()
    out = site.materialize(kill_at=EXTRACTION, on_cue=kill_postmaster)
    row.attacked = f"rc {out.code} in {time.monotonic() - started:.0f} s"
    heal(site, row, clean)
    return row


def lost_connection(site: Site, clean: dict[str, str]) -> Row:
    row = Row("pg_terminate_backend in COPY _raw_load")
    run = LiveRun(site, **STAGED_EXTRACTION)
    ok = run.wait_for(EXTRACTION)
    pid = staging_backend(site) if ok else 0
    if pid:
        os.kill(pid, signal.SIGSTOP)
        try:
            time.sleep(3)
            with site.connect("meetup") as conn:
                conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
        finally:
            os.kill(pid, signal.SIGCONT)
    faulted = time.monotonic()
    code = run.wait_exit(EXIT_S)
    row.attacked = f"rc {code}, exited {time.monotonic() - faulted:.0f} s after"
    if "COPY _raw_load" not in run.output:
        row.notes.append("the COPY was not where it failed")
    heal(site, row, clean, MONTH_CALENDAR)
    row.held = row.held and code not in (0, None)
    return row


def interrupt_case(site: Site, clean: dict[str, str]) -> Row:
    row = Row("Ctrl-C during extraction")
    run = LiveRun(site, **STAGED_EXTRACTION)
    run.wait_for(EXTRACTION)
    staging_backend(site)
    sent = run.signal_group(signal.SIGINT)
    code = run.wait_exit(EXIT_S)
    row.attacked = f"rc {code}, exited {time.monotonic() - sent:.1f} s after"
    heal(site, row, clean, MONTH_CALENDAR)
    row.held = row.held and code not in (0, None)
    return row


def fault_case(site: Site, spec: str, clean: dict[str, str]) -> Row:
    row = Row(f"faults {spec}")
    site.env["MEETUP_SANDBOX_FAULTS"] = spec
    try:
        started = time.monotonic()
        out = site.materialize()
    finally:
        site.env.pop("MEETUP_SANDBOX_FAULTS")
    row.attacked, row.held = attacked(out.code, time.monotonic() - started, expect_ok=True)
    with site.connect("meetup") as conn:
        rejects = conn.execute("SELECT count(*) FROM raw.raw_rejects").fetchone()[0]
    if rejects:
        row.notes.append(f"{rejects} quarantined")
    if out.code != 0:
        row.notes.append(out.output.strip().splitlines()[-1][:160])
    compare(site, clean, row)
    return row


def month_case(case: Callable[[Site, dict[str, str]], Row], clean: dict[str, str]) -> list[Row]:
    """On a site of its own: the attacked run covers a month, the clean run a week."""
    site = make_site("meetup-attack-month-")
    try:
        first = site.materialize()
        assert first.code == 0, first.output[-3000:]
        return [case(site, clean)]
    finally:
        remove_site(site)


def half_created_case(clean: dict[str, str]) -> Row:
    row = Row("kill -9 while pgdata is created")
    site = make_site("meetup-attack-initdb-")
    try:
        run = LiveRun(site)
        deadline = time.monotonic() + 120
        while not (site.pgdata / "global").exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        run.signal_group(signal.SIGKILL)
        run.wait_exit(30)
        _kill_server_of(site)
        row.attacked = "killed" if (site.pgdata / "global").exists() else "pgdata never appeared"
        heal(site, row, clean)
    finally:
        remove_site(site)
    return row


def _kill_server_of(site: Site) -> None:
    """initdb / the postmaster of a killed start (own sessions): as the kill would leave
    them if the machine went down instead."""
    pid_file = site.pgdata / "postmaster.pid"
    if pid_file.exists():
        with contextlib.suppress(ValueError, ProcessLookupError, IndexError):
            os.kill(int(pid_file.read_text().splitlines()[0]), signal.SIGKILL)


def echo_case(clean: dict[str, str]) -> Row:
    row = Row("OAuth endpoint echoing secrets")
    site = make_site("meetup-attack-echo-")
    try:
        with serve(echo.echo_app()) as gql_url:
            base = gql_url.rsplit("/", 1)[0]
            saved = dict(site.env)
            site.env.update(
                MEETUP_API_URL=gql_url,
                MEETUP_TOKEN_URL=f"{base}/oauth2/access",
                MEETUP_CLIENT_ID=echo.CLIENT_ID,
                **echo.SECRETS,
            )
            out = site.materialize()
            site.env.clear()
            site.env.update(saved)
        with site.connect("dagster") as conn:
            events = "\n".join(r[0] for r in conn.execute("SELECT event FROM event_logs"))
        decoded = "\n".join(echo.strings(json.loads(line)) for line in events.splitlines() if line)
        logs = "\n".join(
            p.read_text(errors="replace")
            for p in site.root.rglob("*")
            if p.is_file() and "pgdata" not in p.parts and p.suffix in (".err", ".out", ".log")
        )
        leaked = sorted(set(echo.leaks(out.output) + echo.leaks(events + decoded + logs)))
        row.attacked = f"rc {out.code}, {len(leaked)} leaks"
        row.notes += leaked
        heal(site, row, clean)
        row.held = row.held and not leaked and out.code != 0
    finally:
        remove_site(site)
    return row


def disk_cases(clean: dict[str, str]) -> list[Row]:
    try:
        with tmpfs_site("meetup-attack-disk-") as site:
            return [_disk_case(site, when, clean) for when in ("before the run", "mid-run")]
    except TmpfsUnavailable:
        return [Row("disk full", notes=["skipped: cannot mount a tmpfs (needs root)"])]


def _disk_case(site: Site, when: str, clean: dict[str, str]) -> Row:
    row = Row(f"disk full {when}")
    run = LiveRun(site) if when == "mid-run" else None
    if run is not None:
        run.wait_for('STEP_START - Started execution of step "stg_events"')
    filler = fill_up(site.root / "home")
    if run is None:
        run = LiveRun(site)
    code = run.wait_exit(EXIT_S)
    named = "is full; free space, then rerun: nothing was changed" in run.output
    raw = "Traceback" in run.output or "could not extend file" in run.output
    row.attacked = f"rc {code}, {'named' if named else 'NOT named'}"
    if raw:
        row.notes.append("a raw error was shown")
    filler.unlink()
    heal(site, row, clean)
    row.held = row.held and named and not raw and code not in (0, None)
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", help="run only cases whose name holds one of these")
    args = parser.parse_args()

    def wanted(name: str) -> bool:
        return not args.only or any(w in name for w in args.only)

    clean_site = make_site("meetup-attack-clean-")
    try:
        first = clean_site.materialize()
        assert first.code == 0, first.output[-3000:]
        clean = checksums(clean_site)
    finally:
        remove_site(clean_site)
    print(f"clean run: {len(clean)} tables", flush=True)

    rows: list[Row] = []
    cases: list[tuple[str, Callable[[Site], list[Row]]]] = []
    site = make_site("meetup-attack-")
    first = site.materialize()
    assert first.code == 0, first.output[-3000:]
    cases += [(f"kill -9 at {p}", lambda s, p=p: [kill_case(s, p, clean)]) for p in KILL_AT]
    cases += [("postmaster kill -9 mid-run", lambda s: [postmaster_case(s, clean)])]
    cases += [(f"faults {m}", lambda s, m=m: [fault_case(s, m, clean)]) for m in FAULT_MIXES]
    cases += [
        ("pg_terminate_backend in COPY _raw_load", lambda s: month_case(lost_connection, clean)),
        ("Ctrl-C during extraction", lambda s: month_case(interrupt_case, clean)),
    ]
    cases += [
        ("kill -9 while pgdata is created", lambda s: [half_created_case(clean)]),
        ("disk full", lambda s: disk_cases(clean)),
        ("OAuth endpoint echoing secrets", lambda s: [echo_case(clean)]),
    ]
    try:
        for name, case in cases:
            if not wanted(name):
                continue
            started = time.monotonic()
            for row in case(site):
                rows.append(row)
                print(
                    f"{row.case:42} | {row.attacked:32} | {row.heal:14} | {row.tables:12} | "
                    f"{'held' if row.held else 'NOT HELD'} | {'; '.join(row.notes)}"
                    f"  ({time.monotonic() - started:.0f} s)",
                    flush=True,
                )
    finally:
        remove_site(site)
    failed = [r.case for r in rows if not r.held]
    print(f"{len(rows) - len(failed)} of {len(rows)} cases held", f"; not: {failed}" * bool(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
