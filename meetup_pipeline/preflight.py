"""Checks before any work: each wrong input becomes one line that names the fix.

The settings are validated by `validation.SETTINGS` (the same checks the code location
runs when it loads); this adds what needs the network or the command line: the Meetup API
answers, the warehouse answers, the partition keys
exist, the asset selection resolves. Every problem is a `PreflightError` (a
`SettingsError`, a `click.ClickException`), so any click CLI (Dagster's included) prints
just `Error: <message>`; no message contains a secret.

Use them from code (a project CLI, a deploy check) or run all of them:

    python -m meetup_pipeline.preflight [--partition 2024-12-30] [--select 'fact_events']

`check_command_line_launch` runs the command-line checks while the code location loads for
`dg launch`, `dagster asset materialize` or `dagster job execute` (read from click's
context), so those commands refuse bad input in one line before a run exists. A code
location loaded by `dagster dev` or a code server skips them: a warehouse that is down for
a minute must not unload the schedules and sensors (the failure alert included).
"""

import argparse
import difflib
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

import click
import dagster as dg
import httpx
from dagster import DagsterError, DagsterInvalidSubsetError
from sqlalchemy.engine import URL

from meetup_pipeline import notices
from meetup_pipeline.defs.resources import source_for
from meetup_pipeline.meetup.resource import DEFAULT_API_URL, ENV_VARS
from meetup_pipeline.settings import SettingsError
from meetup_pipeline.settings.alerts import WEBHOOK_ENV
from meetup_pipeline.settings.clock import PARTITIONS_START_DATE
from meetup_pipeline.settings.env import environ as _env
from meetup_pipeline.settings.env import values
from meetup_pipeline.settings.home import meetup_home
from meetup_pipeline.validation import (
    REAL_API_HOSTS,
    REGION_FIRST,
    SETTINGS,
    _region_parses,
    check_dashboard,
    check_meetup_settings,
    check_region,
    check_sandbox_settings,
    check_webhook,
)
from meetup_pipeline.warehouse.resource import (
    Warehouse,
    WarehouseConfigError,
    WarehouseUnavailable,
    normalize_url,
    redacted,
)

__all__ = [  # the settings checks live in `validation`; callers may use them from here
    "ENV_VARS",
    "REAL_API_HOSTS",
    "WEBHOOK_ENV",
    "PreflightError",
    "check_dashboard",
    "check_meetup_settings",
    "check_region",
    "check_sandbox_settings",
    "check_webhook",
    "run_checks",
]

PreflightError = SettingsError
"""A wrong input; the message says what to change and never contains a secret."""


# --- partitions and selections -----------------------------------------------------------


def check_partition_key(key: str, now: datetime | None = None) -> str:
    """`key` if it is a day the pipeline has (2008-01-01 up to the newest complete day)."""
    from meetup_pipeline.partitions import daily
    from meetup_pipeline.settings.clock import LOCAL_TIMEZONE

    with dg.partition_loading_context(effective_dt=now):
        last = daily.get_last_partition_key()
    valid = f"days run from {PARTITIONS_START_DATE} to {last} (yesterday in {LOCAL_TIMEZONE})"
    text = key.strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise PreflightError(f"Partition key {key!r} is not a date: use YYYY-MM-DD; {valid}.")
    try:
        day = date.fromisoformat(text).isoformat()
    except ValueError as exc:  # well-formed, but no such day (2024-02-30)
        raise PreflightError(
            f"Partition key {key!r} is a date that does not exist ({exc}); {valid}."
        ) from None
    if not PARTITIONS_START_DATE <= day <= str(last):
        raise PreflightError(f"Partition key {key!r} is not a partition: {valid}.")
    return day


def check_partition_range(text: str, now: datetime | None = None) -> tuple[str, str]:
    """`START...END` as two partition keys, START not after END."""
    ends = text.split("...")
    if len(ends) != 2:
        raise PreflightError(
            f"Partition range {text!r} must be START...END, e.g. 2024-01-01...2024-03-31."
        )
    start, end = (check_partition_key(key, now) for key in ends)
    if start > end:
        raise PreflightError(f"Partition range {text!r} starts after it ends: use {end}...{start}.")
    return start, end


def check_selection(select: str, repo: dg.RepositoryDefinition) -> set[dg.AssetKey]:
    """The asset keys a `dagster asset materialize --select` string picks, or a clear error.

    Parsed and resolved exactly as that command does (`AssetSelection.from_coercible` over
    the comma-separated parts), so `group:marts`, `key:fact_events`, `fact_events+` and `*`
    mean here what they mean to Dagster.
    """
    graph = repo.asset_graph
    known = sorted(key.to_user_string() for key in graph.get_all_asset_keys())
    try:
        with notices.silenced(notices.INCLUDE_SOURCES):
            keys = set(dg.AssetSelection.from_coercible(select.split(",")).resolve(graph))
    except DagsterInvalidSubsetError:
        missing = [
            name
            for name in (p.strip().strip("*+").strip() for p in select.split(","))
            if name and ":" not in name and name not in known
        ]
        name = missing[0] if missing else select
        close = difflib.get_close_matches(name, known, n=3)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise PreflightError(
            f"No asset is called {name!r}: {hint}Assets are: {', '.join(known)}."
        ) from None
    except DagsterError as exc:  # DagsterInvalidAssetSelectionError and kin
        raise PreflightError(
            f"The selection {select!r} is not valid Dagster asset selection syntax "
            f"({str(exc).splitlines()[0]}); e.g. 'fact_events', 'key:fact_events', "
            "'group:marts', 'fact_events+', '*'."
        ) from None
    if not keys:
        raise PreflightError(
            f"The selection {select!r} selects no asset. Assets are: {', '.join(known)}; "
            "groups are raw, staging, marts, dashboard."
        )
    for assets_def in repo.assets_defs_by_key.values():
        together = set(assets_def.keys)
        if not assets_def.can_subset and keys & together and not together <= keys:
            names = sorted(k.to_user_string() for k in together)
            raise PreflightError(
                f"{', '.join(names)} are produced together by one step; select all of them, "
                f"e.g. --select '{','.join(n + '*' for n in names)}'."
            )
    return keys


# --- settings ------------------------------------------------------------------------------


API_TIMEOUT_S = 10.0
PROBE_QUERY = {"query": "query { __typename }"}
"""The cheapest GraphQL request: any server that speaks GraphQL answers it."""


def check_api_answers(environ: Mapping[str, str] | None = None) -> str:
    """One GraphQL request to the configured source; a source that does not answer fails."""
    env = _env(environ)
    if source_for(env) == "sandbox":
        return _sandbox_answers(env) if _region_parses(env) else REGION_FIRST
    given = values(ENV_VARS, env)  # the Meetup resource's fields, as validation reads them
    raw = given.get("api_url") or DEFAULT_API_URL
    parts = urlsplit(raw)
    where = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    variable = "MEETUP_API_URL" if given.get("api_url") else "the default URL"
    headers = {}
    if token := given.get("access_token"):
        headers["Authorization"] = f"Bearer {token}"
    try:
        response = httpx.post(
            raw, json=PROBE_QUERY, headers=headers, timeout=API_TIMEOUT_S, follow_redirects=False
        )
    except (httpx.HTTPError, ValueError) as exc:
        raise PreflightError(
            f"The Meetup API at {where} ({variable}) does not answer ({type(exc).__name__}): "
            "fix MEETUP_API_URL, start the server it names, or unset it to use the offline "
            "sandbox."
        ) from None
    if response.status_code >= 500:
        raise PreflightError(
            f"The Meetup API at {where} ({variable}) answers HTTP {response.status_code}: "
            "check that MEETUP_API_URL names the gql-ext endpoint and that the server is up."
        )
    return f"{where} answers (HTTP {response.status_code})"


def _sandbox_answers(env: Mapping[str, str]) -> str:
    """The in-process sandbox's health route (no fault is injected there), for ``env``."""
    import asyncio

    from meetup_pipeline.defs.resources import SANDBOX_URL
    from meetup_pipeline.sandbox.app import sandbox_transport
    from meetup_pipeline.sandbox.config import SandboxConfig

    async def ask() -> httpx.Response:
        transport = sandbox_transport(SandboxConfig.from_env(dict(env)))
        async with httpx.AsyncClient(transport=transport) as client:
            return await client.get(SANDBOX_URL.replace("/gql-ext", "/healthz"))

    try:
        response = asyncio.run(ask())
    except ValueError as exc:  # a MEETUP_SANDBOX_* value the sandbox refuses
        raise PreflightError(f"{exc}.") from None
    if response.status_code != 200:
        raise PreflightError(f"The in-process sandbox answers HTTP {response.status_code}.")
    return f"the in-process sandbox answers ({response.json().get('groups')} groups)"


def warehouse_url(environ: Mapping[str, str] | None = None) -> URL | None:
    """The configured warehouse URL (None = embedded server), or a clear error."""
    raw = values({"url": "MEETUP_WAREHOUSE_URL"}, environ).get("url")
    if not raw:
        return None
    try:
        return normalize_url(raw)
    except WarehouseConfigError as exc:
        raise PreflightError(str(exc)) from None


def check_warehouse(environ: Mapping[str, str] | None = None) -> str:
    """Connect once to the configured warehouse; its redacted URL."""
    url = warehouse_url(environ)
    if url is None:
        return f"embedded PostgreSQL in {meetup_home() / 'pgdata'} (started on first use)"
    try:
        Warehouse(url=url.render_as_string(hide_password=False)).check_connection()
    except WarehouseUnavailable as exc:
        raise PreflightError(str(exc)) from None
    return redacted(url)


# --- command line --------------------------------------------------------------------------


NETWORK_CHECKS: list[tuple[str, Callable[[Mapping[str, str] | None], str]]] = [
    ("Meetup API", lambda env: check_api_answers(env)),
    ("Warehouse", lambda env: check_warehouse(env)),
]
"""What needs the network: run by preflight and before a command-line launch."""


def run_checks(
    partition: str | None = None,
    select: str | None = None,
    environ: Mapping[str, str] | None = None,
    partition_range: str | None = None,
) -> list[str]:
    """Every check, printed; the problems found, one line each (empty when all is well)."""
    problems: list[str] = []
    checks: list[tuple[str, Callable[[], str]]] = [
        *((label, lambda check=check: check(_env(environ))) for label, check in SETTINGS),
        *((label, lambda check=check: check(environ)) for label, check in NETWORK_CHECKS),
    ]
    if partition is not None:
        checks.append(("Partition", lambda: check_partition_key(partition)))
    if partition_range is not None:
        checks.append(("Partitions", lambda: "...".join(check_partition_range(partition_range))))
    if select is not None:

        def selection() -> str:
            from meetup_pipeline.definitions import defs

            keys = check_selection(select, defs.get_repository_def())
            return ", ".join(sorted(k.to_user_string() for k in keys))

        checks.append(("Selection", selection))
    for label, check in checks:
        try:
            click.echo(f"{label}: {check()}")
        except SettingsError as exc:
            if exc.message in problems:  # one bad setting (MEETUP_TIMEZONE) fails many checks
                continue
            problems.append(exc.message)
            click.echo(f"Error: {exc.message}", err=True)
    return problems


LAUNCH_COMMANDS = {"dg launch": "assets", "dagster asset materialize": "select"}
"""The commands that load the code location to run it here, and their selection option
(`dagster job execute` runs a job: its partition is checked, there is no selection)."""


def launching_command() -> tuple[str, Mapping[str, object]] | None:
    """(command, its options) when this process loads the code location to launch a run
    from the command line, read from click's current context; None otherwise."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return None
    words = ctx.command_path.split()
    command = " ".join([Path(words[0]).name, *words[1:]]) if words else ""
    if command not in (*LAUNCH_COMMANDS, "dagster job execute"):
        return None
    return command, ctx.params


def check_command_line_launch(defs: dg.Definitions) -> None:
    """Before `dg launch` / `dagster asset materialize` creates a run: the partition keys,
    the selection, the API, and the warehouse; the first problem is raised
    (Dagster's CLI would report the first two with a traceback, the rest as a FAILED run)."""
    launch = launching_command()
    if launch is None:
        return
    command, params = launch
    partition, partition_range = params.get("partition"), params.get("partition_range")
    if isinstance(partition, str):
        check_partition_key(partition)
    if isinstance(partition_range, str):
        check_partition_range(partition_range)
    select = params.get(LAUNCH_COMMANDS.get(command, ""))
    if isinstance(select, str):
        check_selection(select, defs.get_repository_def())
    for _label, check in NETWORK_CHECKS:
        check(None)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m meetup_pipeline.preflight")
    parser.add_argument("--partition", help="a partition key to check (YYYY-MM-DD)")
    parser.add_argument("--partition-range", help="START...END, both days included")
    parser.add_argument("--select", help="an asset selection as for `dagster asset materialize`")
    args = parser.parse_args(argv)
    problems = run_checks(args.partition, args.select, partition_range=args.partition_range)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
