"""`python -m meetup_pipeline_tests.topology up`: the production topology, until Ctrl-C.

Starts Debian's PostgreSQL (a temporary cluster), the code server, the daemon and the
webserver from the deploy files (see harness.py), prints where they are, and tears
everything down on Ctrl-C or SIGTERM. `--without user-code|daemon|run_monitoring`
leaves a part out; `--keep` keeps the directory (logs, data) afterwards.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time

from meetup_pipeline_tests.topology.harness import PARTS, Topology


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m meetup_pipeline_tests.topology")
    parser.add_argument("command", choices=["up"])
    parser.add_argument("--without", action="append", default=[], choices=PARTS)
    parser.add_argument("--keep", action="store_true", help="keep logs and data on exit")
    args = parser.parse_args(argv)

    def interrupted(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    started = time.monotonic()
    topology = Topology(without=frozenset(args.without))
    try:
        topology.start()
        print(
            f"topology up in {time.monotonic() - started:.0f}s: webserver {topology.base_url}, "
            f"PostgreSQL 127.0.0.1:{topology.ports.postgres} (role meetup), "
            f"code server 127.0.0.1:{topology.ports.code_server}; "
            f"logs in {topology.root / 'logs'}. Ctrl-C stops it.",
            flush=True,
        )
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        topology.stop(keep_files=args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
