"""Ten years of the sandbox's Pro network against ten years of the default world (issue 22).

    .venv/bin/python bench/network.py [--span 2015-01-01...2024-12-31] [--sandbox server|inprocess]

Two real CLI runs (`dagster asset materialize --select '*' --partition-range SPAN`, every
asset, the in-process executor), each in a fresh MEETUP_HOME with its own embedded server,
against the sandbox with a fixed "now": first the default Bay Area dating search (the
baseline), then `MEETUP_PRO_NETWORK=sandbox-network` alone. By default the sandbox is a
separate `meetup-sandbox serve` process (as the real API would be; `--sandbox inprocess`
keeps it in the measured process, as a fresh clone runs). Prints, per run, wall time, API
requests and events (from the raw step's log line), peak RSS of the CLI process
(os.wait4), and the network's ratios to the baseline with the targets: time <= 1.5x,
requests about events / page size (not chapters x windows), peak RSS within 10%.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from memory import DAGSTER, NOW, REPO, start_sandbox

from meetup_pipeline.meetup.queries import NETWORK_PAGE_CAP
from meetup_pipeline.warehouse.embedded import stop_server

EXTRACTED = re.compile(r"Extracted (\d+) groups, (\d+) events, (\d+) rejects .*\((\d+) requests\)")
CASES = {"default world": {}, "sandbox network": {"MEETUP_PRO_NETWORK": "sandbox-network"}}


def run(root: Path, name: str, extra: dict[str, str], span: str, api_url: str | None) -> dict:
    home = root / name.replace(" ", "-")
    dagster_home = home / "dagster_home"
    dagster_home.mkdir(parents=True)
    shutil.copy(REPO / "dagster.yaml", dagster_home / "dagster.yaml")
    env = {
        **os.environ,
        "MEETUP_HOME": str(home),
        "DAGSTER_HOME": str(dagster_home),
        "MEETUP_SANDBOX_NOW": NOW,
        **extra,
    }
    for var in ("MEETUP_WAREHOUSE_URL", "MEETUP_API_URL", "MEETUP_SANDBOX_FAULTS"):
        env.pop(var, None)
    if api_url:
        env["MEETUP_API_URL"] = api_url
    target = ["-f", str(REPO / "bench" / "memory_definitions.py")] if api_url else []
    target = target or ["-m", "meetup_pipeline.definitions"]
    cmd = [DAGSTER, "asset", "materialize", *target, "--select", "*", "--partition-range", span]
    log = home / "run.log"
    try:
        with open(log, "w") as out:
            t0 = time.perf_counter()
            proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
            _, status, usage = os.wait4(proc.pid, 0)
            seconds = time.perf_counter() - t0
    finally:
        if (home / "pgdata").exists():
            stop_server(home / "pgdata")
    text = log.read_text()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{name} failed; see {log}\n" + "\n".join(text.splitlines()[-30:]))
    found = EXTRACTED.findall(text)
    groups, events, _, requests = (int(v) for v in found[0]) if found else (0, 0, 0, 0)
    return {
        "seconds": seconds,
        "rss": usage.ru_maxrss / 1024,
        "groups": groups,
        "events": events,
        "requests": requests,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--span", default="2015-01-01...2024-12-31")
    parser.add_argument("--sandbox", choices=("server", "inprocess"), default="server")
    parser.add_argument("--keep", action="store_true", help="keep the temporary homes")
    args = parser.parse_args()
    print(f"span {args.span}; sandbox: {args.sandbox}; peak RSS of the dagster CLI process")
    root = Path(tempfile.mkdtemp(prefix="bench-network-"))
    root.chmod(0o711)  # the embedded server's user (as root) must enter it
    results: dict[str, dict] = {}
    try:
        for name, extra in CASES.items():
            server = start_sandbox("1") if args.sandbox == "server" else None
            try:
                url = server[1] if server else None
                results[name] = r = run(root, name, extra, args.span, url)
            finally:
                if server:
                    server[0].terminate()
                    server[0].wait(timeout=30)
            print(
                f"{name:>15}: {r['seconds']:7.1f} s  {r['requests']:5d} requests  "
                f"{r['events']:6d} events  {r['groups']:4d} groups  peak RSS {r['rss']:5.0f} MB"
            )
            sys.stdout.flush()
        base, net = results["default world"], results["sandbox network"]
        pages = -(-net["events"] // NETWORK_PAGE_CAP)
        print(f"time: {net['seconds'] / base['seconds']:.2f}x the default world (target <= 1.5x)")
        print(
            f"requests: {net['requests']} for {net['events']} events in {net['groups']} chapters "
            f"= events/{NETWORK_PAGE_CAP} ({pages}) + {net['requests'] - pages} "
            f"(default world: {base['requests']})"
        )
        print(f"peak RSS: {net['rss'] / base['rss']:.2f}x the default world (target <= 1.10x)")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
