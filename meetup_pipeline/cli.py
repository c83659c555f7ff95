"""`meetup-pipeline`: the project's own commands (Dagster's CLIs do the orchestration)."""

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from meetup_pipeline.settings import SettingsError, meetup_home


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


def _materialize(args: argparse.Namespace) -> int:
    """Check every input first (one line each, naming the fix), then hand over to Dagster.

    `dagster asset materialize` refuses a bad partition key too, but with a traceback and
    without saying which keys exist; this checks it, the selection, the Meetup settings
    and the warehouse before anything starts.
    """
    from meetup_pipeline import preflight
    from meetup_pipeline.console import LEVEL_ENV

    keys: list[str | None] = [args.partition]
    if args.partition_range is not None:
        ends = args.partition_range.split("...")
        if len(ends) != 2:
            print(
                f"Error: --partition-range {args.partition_range!r} must be START...END, "
                "e.g. 2024-01-01...2024-03-31",
                file=sys.stderr,
            )
            return 2
        keys = list(ends)
    problems = preflight.run_checks(keys[0], args.select)
    for key in keys[1:]:
        try:
            preflight.check_partition_key(key or "")
        except preflight.PreflightError as exc:
            if exc.message not in problems:
                problems.append(exc.message)
                print(f"Error: {exc.message}", file=sys.stderr)
    if not problems and len(keys) == 2 and str(keys[0]) > str(keys[1]):
        problems.append("range")
        print(f"Error: the range starts after it ends: use {keys[1]}...{keys[0]}", file=sys.stderr)
    if problems:
        return 2
    command = [str(Path(sys.executable).parent / "dagster"), "asset", "materialize"]
    command += ["-m", "meetup_pipeline.definitions", "--select", args.select]
    if args.partition_range is not None:
        command += ["--partition-range", args.partition_range]
    else:
        command += ["--partition", args.partition]
    if args.dry_run:
        print(" ".join(command))
        return 0
    env = dict(os.environ)
    # The run's console (meetup_pipeline/console.py): step lines and a summary, or every event.
    env[LEVEL_ENV] = args.log_level
    # `dagster asset materialize` warns that `dg launch` supersedes it; it still works, and
    # this command exists to run it: the run's first line should be about the run.
    env.setdefault("PYTHONWARNINGS", "ignore:Function `asset_materialize_command` is superseded")
    os.execve(command[0], command, env)
    return 0  # not reached


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="meetup-pipeline", description=__doc__)
    sub = top.add_subparsers(dest="command", required=True)
    wh = sub.add_parser("warehouse", help="start, stop or show the embedded PostgreSQL server")
    wh.add_argument("action", choices=["status", "start", "stop"])
    wh.set_defaults(func=_warehouse)
    mat = sub.add_parser(
        "materialize", help="check the inputs, then run `dagster asset materialize` on them"
    )
    mat.add_argument("--select", default="*", help="asset selection (default: every asset)")
    when = mat.add_mutually_exclusive_group(required=True)
    when.add_argument("--partition", help="one day, YYYY-MM-DD")
    when.add_argument("--partition-range", help="START...END, both days included")
    mat.add_argument(
        "--log-level",
        choices=["info", "debug"],
        default="info",
        help="info: one line per step and a summary (default); debug: every Dagster event",
    )
    mat.add_argument("--dry-run", action="store_true", help="check and print the command only")
    mat.set_defaults(func=_materialize)
    from meetup_pipeline.dashboard.cli import add_subcommand

    add_subcommand(sub)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except SettingsError as exc:  # e.g. a bad MEETUP_TIMEZONE, met while importing
        print(f"Error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
