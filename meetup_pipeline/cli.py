"""`meetup-pipeline`: the project's own commands (Dagster's CLIs do the orchestration)."""

import argparse
import importlib.metadata
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from meetup_pipeline.settings import SettingsError
from meetup_pipeline.settings.home import meetup_home


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

    Loading the code location checks the settings too (one line, no run), but only this
    command prints every check and every problem at once, and names the existing days.
    """
    from meetup_pipeline import notices, preflight
    from meetup_pipeline.settings.console import LEVEL_ENV

    problems = preflight.run_checks(
        args.partition, args.select, partition_range=args.partition_range
    )
    if problems:
        return 2
    command = [str(Path(sys.executable).parent / "dagster"), "asset", "materialize"]
    command += ["-m", "meetup_pipeline.definitions", "--select", args.select]
    if args.partition_range is not None:
        command += ["--partition-range", args.partition_range]
    else:
        command += ["--partition", args.partition]
    if args.dry_run:
        print(shlex.join(command))
        return 0
    env = dict(os.environ)
    # The run's console (meetup_pipeline/console.py): step lines and a summary, or every event.
    env[LEVEL_ENV] = args.log_level
    # `dagster asset materialize` warns that `dg launch` supersedes it; it still works, and
    # this command exists to run it: the run's first line should be about the run.
    env.setdefault("PYTHONWARNINGS", notices.python_warnings(notices.MATERIALIZE_SUPERSEDED))
    os.execve(command[0], command, env)
    return 0  # not reached


def _version() -> str:
    try:
        return importlib.metadata.version("meetup-pipeline")
    except importlib.metadata.PackageNotFoundError:
        return "unknown (not installed)"


WAREHOUSE_HELP = """\
status  say whether the embedded PostgreSQL server runs, and its URL (exit 1 if not)
start   start it (if it is not running) and create its databases
stop    stop it; the data stays in $MEETUP_HOME/pgdata

examples:
  meetup-pipeline warehouse status
  meetup-pipeline warehouse stop
"""

MATERIALIZE_HELP = """\
examples:
  meetup-pipeline materialize --partition 2024-02-14
  meetup-pipeline materialize --partition-range 2024-01-01...2024-03-31
  meetup-pipeline materialize --select 'fact_events+' --partition 2024-02-14 --dry-run
"""

TOP_HELP = """\
examples:
  meetup-pipeline materialize --partition-range 2024-01-01...2024-03-31
  meetup-pipeline warehouse status
  meetup-pipeline dashboard --serve

The main job is `dg launch --assets '*' --partition-range ...` (see README.md);
`python -m meetup_pipeline.preflight` runs the input checks alone.
"""


def parser() -> argparse.ArgumentParser:
    raw = argparse.RawDescriptionHelpFormatter
    top = argparse.ArgumentParser(
        prog="meetup-pipeline", description=__doc__, epilog=TOP_HELP, formatter_class=raw
    )
    top.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = top.add_subparsers(dest="command", metavar="COMMAND")
    wh = sub.add_parser(
        "warehouse",
        help="start, stop or show the embedded PostgreSQL server",
        description="Manage the embedded PostgreSQL server (used when MEETUP_WAREHOUSE_URL "
        "is unset). It keeps running after a command exits, so Dagster's processes share it.",
        epilog=WAREHOUSE_HELP,
        formatter_class=raw,
    )
    wh.add_argument("action", choices=["status", "start", "stop"], help="see below")
    wh.set_defaults(func=_warehouse)
    mat = sub.add_parser(
        "materialize",
        help="check the inputs, then run `dagster asset materialize` on them",
        description="Check every input (settings, API, warehouse, partitions, selection), "
        "each problem in one line naming the fix; then run the assets.",
        epilog=MATERIALIZE_HELP,
        formatter_class=raw,
    )
    mat.add_argument(
        "--select", default="*", help="asset selection, as Dagster's (default '*': every asset)"
    )
    when = mat.add_mutually_exclusive_group(required=True)
    when.add_argument("--partition", help="one day, YYYY-MM-DD (e.g. 2024-02-14)")
    when.add_argument(
        "--partition-range", help="START...END, both days included (e.g. 2024-01-01...2024-03-31)"
    )
    mat.add_argument(
        "--log-level",
        choices=["info", "debug"],
        default="info",
        help="info: one line per step and a summary (default); debug: every Dagster event",
    )
    mat.add_argument(
        "--dry-run", action="store_true", help="check, then print the command (ready to paste)"
    )
    mat.set_defaults(func=_materialize)
    from meetup_pipeline.dashboard.cli import add_subcommand

    add_subcommand(sub)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    cli = parser()
    args = cli.parse_args(argv)
    if getattr(args, "func", None) is None:  # no subcommand: say what there is
        cli.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except SettingsError as exc:  # e.g. a bad MEETUP_TIMEZONE, met while importing
        print(f"Error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
