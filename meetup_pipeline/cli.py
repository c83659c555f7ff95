"""`meetup-pipeline`: the project's own commands (Dagster's CLIs do the orchestration)."""

import argparse
import sys
from collections.abc import Sequence

from meetup_pipeline.settings import meetup_home


def _warehouse(args: argparse.Namespace) -> int:
    from meetup_pipeline.warehouse import embedded

    pgdata = meetup_home() / "pgdata"
    if args.action == "stop":
        stopped = embedded.stop_server(pgdata)
        print("stopped the embedded PostgreSQL server" if stopped else "it was not running")
        return 0
    if args.action == "start":
        server = embedded.ensure_server(pgdata, databases=("meetup", "dagster"))
        print(f"embedded PostgreSQL running on {server.socket_dir} (data {pgdata})")
        return 0
    server = embedded.running_server(pgdata)
    if server is None:
        print(f"embedded PostgreSQL is not running (data {pgdata})")
        return 1
    print(f"embedded PostgreSQL running on {server.socket_dir} (data {pgdata})")
    print(f"warehouse URL: {server.url().render_as_string(hide_password=True)}")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="meetup-pipeline", description=__doc__)
    sub = top.add_subparsers(dest="command", required=True)
    wh = sub.add_parser("warehouse", help="start, stop or show the embedded PostgreSQL server")
    wh.add_argument("action", choices=["status", "start", "stop"])
    wh.set_defaults(func=_warehouse)
    from meetup_pipeline.dashboard.cli import add_subcommand

    add_subcommand(sub)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
