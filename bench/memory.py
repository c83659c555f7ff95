"""Peak memory of one single run, as the window and the world grow (issue 14).

    .venv/bin/python bench/memory.py [--cases 1y:1,1y:10,10y:1,10y:10]
                                     [--sandbox server|inprocess] [--keep]

Each case is one real CLI run (`dagster asset materialize -m meetup_pipeline.definitions
--select '*' --partition-range ...`, the in-process executor: every step in that process)
in a fresh MEETUP_HOME with its own embedded server and the committed dagster.yaml, against
the sandbox world at the case's scale with a fixed "now". By default the sandbox is a
separate `meetup-sandbox serve` process reached through MEETUP_API_URL, as the real API
would be, and the run uses `bench/memory_definitions.py` (the project's definitions without
the client's 500-points-a-minute pacing, which a local server does not need). The
in-process sandbox keeps every generated event of its world in the pipeline's own process
(a cache that grows with the world's scale, not with the window), which would be measured
as the pipeline's memory; `--sandbox inprocess` measures that setup too.
One year is 2024, ten years 2015-01-01...2024-12-31. Prints wall time, peak RSS of the
CLI process (os.wait4), events and groups extracted, and the targets: ten years at scale 10
under 1 GB, one year at scale 10 within 1.3x one year at scale 1.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from meetup_pipeline.warehouse.embedded import stop_server

REPO = Path(__file__).resolve().parents[1]
DAGSTER = str(Path(sys.executable).parent / "dagster")
SPANS = {"1y": "2024-01-01...2024-12-31", "10y": "2015-01-01...2024-12-31"}
EXTRACTED = re.compile(r"Extracted (\d+) groups, (\d+) events, (\d+) rejects .*\((\d+) requests\)")


NOW = "2025-01-01T00:00:00-08:00"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_sandbox(scale: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    cmd = [str(Path(sys.executable).parent / "meetup-sandbox"), "serve", "--port", str(port)]
    cmd += ["--scale", scale, "--now", NOW, "--rate-limit-mode", "off"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return proc, f"{url}/gql-ext"
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("meetup-sandbox serve did not come up")


def run_case(root: Path, span: str, scale: str, api_url: str | None) -> tuple[float, float, str]:
    home = root / f"{span}-x{scale}"
    dagster_home = home / "dagster_home"
    dagster_home.mkdir(parents=True)
    shutil.copy(REPO / "dagster.yaml", dagster_home / "dagster.yaml")
    env = {
        **os.environ,
        "MEETUP_HOME": str(home),
        "DAGSTER_HOME": str(dagster_home),
        "DAGSTER_EVENT_BATCH_SIZE": "1000",
        "MEETUP_SANDBOX_SCALE": scale,
        "MEETUP_SANDBOX_NOW": NOW,
    }
    for var in ("MEETUP_WAREHOUSE_URL", "MEETUP_API_URL", "MEETUP_SANDBOX_FAULTS"):
        env.pop(var, None)
    if api_url:
        env["MEETUP_API_URL"] = api_url
    log = home / "run.log"
    target = ["-f", str(REPO / "bench" / "memory_definitions.py")] if api_url else []
    target = target or ["-m", "meetup_pipeline.definitions"]
    cmd = [DAGSTER, "asset", "materialize", *target]
    cmd += ["--select", "*", "--partition-range", SPANS[span]]
    try:
        with open(log, "w") as out:
            t0 = time.perf_counter()
            proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
            _, status, usage = os.wait4(proc.pid, 0)
            seconds = time.perf_counter() - t0
    finally:
        if (home / "pgdata").exists():
            stop_server(home / "pgdata")
    if os.waitstatus_to_exitcode(status) != 0:
        tail = "\n".join(log.read_text().splitlines()[-30:])
        raise SystemExit(f"{span} x{scale} failed; see {log}\n{tail}")
    found = EXTRACTED.findall(log.read_text())
    what = f"{found[-1][1]} events, {found[-1][0]} groups" if found else "?"
    return seconds, usage.ru_maxrss / 1024, what


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="1y:1,1y:10,10y:1,10y:10")
    parser.add_argument("--sandbox", choices=("server", "inprocess"), default="server")
    parser.add_argument("--keep", action="store_true", help="keep the temporary homes")
    args = parser.parse_args()
    print(f"sandbox: {args.sandbox}; peak RSS is the dagster CLI process's (os.wait4)")
    root = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    root.chmod(0o711)  # the embedded server's user (as root) must enter it
    peaks: dict[str, float] = {}
    try:
        for case in args.cases.split(","):
            span, scale = case.split(":")
            server = start_sandbox(scale) if args.sandbox == "server" else None
            try:
                seconds, peak, what = run_case(root, span, scale, server[1] if server else None)
            finally:
                if server:
                    server[0].terminate()
                    server[0].wait(timeout=30)
            peaks[case] = peak
            print(
                f"{span:>3} scale {scale:>2}: {seconds:7.1f} s  peak RSS {peak:6.0f} MB  ({what})"
            )
            sys.stdout.flush()
        if "1y:1" in peaks and "1y:10" in peaks:
            ratio = peaks["1y:10"] / peaks["1y:1"]
            print(f"one year, scale 10 / scale 1: {ratio:.2f}x (target <= 1.3x)")
        if "10y:10" in peaks:
            print(f"ten years, scale 10: {peaks['10y:10']:.0f} MB (target < 1024 MB)")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
