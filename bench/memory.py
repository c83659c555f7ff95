"""Peak memory of one single run, as the window and the world grow (issue 14).

    .venv/bin/python bench/memory.py [--cases 1y:1,1y:10,10y:1,10y:10] [--keep]

Each case is one real CLI run (`dagster asset materialize -m meetup_pipeline.definitions
--select '*' --partition-range ...`, the in-process executor: every step in that process)
in a fresh MEETUP_HOME with its own embedded server, the committed dagster.yaml, the sandbox
world at MEETUP_SANDBOX_SCALE and a fixed MEETUP_SANDBOX_NOW. One year is 2024, ten years
2015-01-01...2024-12-31. Prints wall time, peak RSS of the CLI process (os.wait4), events
and groups extracted, and the targets: ten years at scale 10 under 1 GB, and one year at
scale 10 within 1.3x one year at scale 1 (memory stays flat as window and world grow).
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

from meetup_pipeline.warehouse.embedded import stop_server

REPO = Path(__file__).resolve().parents[1]
DAGSTER = str(Path(sys.executable).parent / "dagster")
SPANS = {"1y": "2024-01-01...2024-12-31", "10y": "2015-01-01...2024-12-31"}
EXTRACTED = re.compile(r"Extracted (\d+) groups, (\d+) events, (\d+) rejects .*\((\d+) requests\)")


def run_case(root: Path, span: str, scale: str) -> tuple[float, float, str]:
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
        "MEETUP_SANDBOX_NOW": "2025-01-01T00:00:00-08:00",
    }
    for var in ("MEETUP_WAREHOUSE_URL", "MEETUP_API_URL", "MEETUP_SANDBOX_FAULTS"):
        env.pop(var, None)
    log = home / "run.log"
    cmd = [DAGSTER, "asset", "materialize", "-m", "meetup_pipeline.definitions"]
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
    parser.add_argument("--keep", action="store_true", help="keep the temporary homes")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    peaks: dict[str, float] = {}
    try:
        for case in args.cases.split(","):
            span, scale = case.split(":")
            seconds, peak, what = run_case(root, span, scale)
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
