"""Checks before any work: each wrong input becomes one line that names the fix.

Dagster only finds some mistakes after a run has started (a warehouse that does not
answer, an incomplete Meetup credential set), and its CLI reports a bad partition key or
selection with a traceback. These helpers check the same things up front, never echo a
secret, and raise `PreflightError`, a `click.ClickException`, so any click CLI (Dagster's
included) prints just `Error: <message>`.

Use them from code (a project CLI, a deploy check) or run all of them:

    python -m meetup_pipeline.preflight [--partition 2024-12-30] [--select 'fact_events']

Nothing here runs at definitions load: a code location that refuses to load on a bad
secret would silently stop its schedules and sensors (the failure alert included); at run
time the resources fail the run before its first step, and the alert says why.
"""

import argparse
import difflib
import os
import sys
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

import click
import dagster as dg
import httpx
from dagster import DagsterError, DagsterInvalidSubsetError
from sqlalchemy.engine import URL

from meetup_pipeline.meetup import MeetupConfigError, MeetupResource
from meetup_pipeline.meetup.resource import DEFAULT_API_URL, ENV_VARS
from meetup_pipeline.resources import source_for
from meetup_pipeline.settings import (
    PARTITIONS_START_DATE,
    SettingsError,
    meetup_home,
    parse_region,
)
from meetup_pipeline.warehouse.resource import (
    Warehouse,
    WarehouseConfigError,
    WarehouseUnavailable,
    normalize_url,
    redacted,
)

WEBHOOK_ENV = "MEETUP_ALERT_WEBHOOK_URL"
REAL_API_HOSTS = ("meetup.com",)
"""Hosts of the real Meetup API, which refuses requests without credentials."""


class PreflightError(click.ClickException):
    """A wrong input; the message says what to change and never contains a secret."""


# --- partitions and selections -----------------------------------------------------------


def check_partition_key(key: str, now: datetime | None = None) -> str:
    """`key` if it is a day the pipeline has (2008-01-01 up to the newest complete day)."""
    try:
        from meetup_pipeline.assets.partitions import daily
        from meetup_pipeline.settings import LOCAL_TIMEZONE
    except SettingsError as exc:  # the days depend on MEETUP_TIMEZONE
        raise PreflightError(str(exc)) from None
    with dg.partition_loading_context(effective_dt=now):
        last = daily.get_last_partition_key()
    valid = f"days run from {PARTITIONS_START_DATE} to {last} (yesterday in {LOCAL_TIMEZONE})"
    try:
        day = date.fromisoformat(key.strip()).isoformat()
    except ValueError:
        day = None
    if day != key.strip():
        raise PreflightError(f"Partition key {key!r} is not a date: use YYYY-MM-DD; {valid}.")
    if not PARTITIONS_START_DATE <= day <= str(last):
        raise PreflightError(f"Partition key {key!r} is not a partition: {valid}.")
    return day


def check_selection(select: str, repo: dg.RepositoryDefinition) -> set[dg.AssetKey]:
    """The asset keys a `dagster asset materialize --select` string picks, or a clear error.

    Parsed and resolved exactly as that command does (`AssetSelection.from_coercible` over
    the comma-separated parts), so `group:marts`, `key:fact_events`, `fact_events+` and `*`
    mean here what they mean to Dagster.
    """
    graph = repo.asset_graph
    known = sorted(key.to_user_string() for key in graph.get_all_asset_keys())
    try:
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


def _env(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def check_meetup_settings(environ: Mapping[str, str] | None = None) -> str:
    """Which source the settings select (`sandbox` or `api`), or what is missing."""
    env = _env(environ)
    values = {f: env[v].strip() for f, v in ENV_VARS.items() if env.get(v, "").strip()}
    resource = MeetupResource(**values)
    try:
        flow = resource.auth_flow()
    except MeetupConfigError as exc:
        raise PreflightError(f"Meetup settings: {exc}.") from None
    api_url = values.get("api_url")
    if flow == "none":
        if not api_url:
            return "sandbox"
        host = (urlsplit(api_url).hostname or "").lower()
        if any(host == h or host.endswith("." + h) for h in REAL_API_HOSTS):
            raise PreflightError(
                "MEETUP_API_URL points at Meetup's API, which needs credentials: set "
                "MEETUP_ACCESS_TOKEN, or MEETUP_CLIENT_ID, MEETUP_CLIENT_SECRET and "
                "MEETUP_REFRESH_TOKEN, or the JWT set (MEETUP_CLIENT_ID, MEETUP_MEMBER_ID, "
                "MEETUP_SIGNING_KEY_ID, MEETUP_PRIVATE_KEY_FILE); or unset MEETUP_API_URL to "
                "use the offline sandbox."
            )
    if flow == "jwt_bearer":
        path = Path(values["private_key_file"]).expanduser()
        if not path.is_file() or not os.access(path, os.R_OK):
            raise PreflightError(
                "MEETUP_PRIVATE_KEY_FILE does not name a readable file: point it at the PEM "
                "private key of the Meetup OAuth client."
            )
    return "api"


API_TIMEOUT_S = 10.0
PROBE_QUERY = {"query": "query { __typename }"}
"""The cheapest GraphQL request: any server that speaks GraphQL answers it."""


REGION_FIRST = "not checked until the region settings are fixed"


def _region_parses(env: Mapping[str, str]) -> bool:
    """The sandbox's world falls back to the region settings; "Region" reports those once."""
    try:
        parse_region(env)
    except SettingsError:
        return False
    return True


def check_sandbox_settings(environ: Mapping[str, str] | None = None) -> str:
    """`MEETUP_SANDBOX_*` (faults, rate limit, seed, ...) parse, or the variable to fix."""
    from meetup_pipeline.sandbox.config import SandboxConfig

    env = _env(environ)
    if not _region_parses(env):
        return REGION_FIRST
    try:
        config = SandboxConfig.from_env(dict(env))
    except ValueError as exc:
        raise PreflightError(f"{exc}.") from None
    faults = env.get("MEETUP_SANDBOX_FAULTS", "").strip()
    if not faults:
        return "no faults injected"
    used = "" if source_for(env) == "sandbox" else " (ignored: the source is not the sandbox)"
    active = config.faults.model_dump(exclude_defaults=True)
    shown = ", ".join(f"{k}={v}" for k, v in active.items())
    return f"faults {shown or 'none'}{used}"


def check_api_answers(environ: Mapping[str, str] | None = None) -> str:
    """One GraphQL request to the configured source; a source that does not answer fails."""
    env = _env(environ)
    if source_for(env) == "sandbox":
        return _sandbox_answers(env) if _region_parses(env) else REGION_FIRST
    raw = env.get("MEETUP_API_URL", "").strip() or DEFAULT_API_URL
    parts = urlsplit(raw)
    where = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    variable = "MEETUP_API_URL" if env.get("MEETUP_API_URL", "").strip() else "the default URL"
    headers = {}
    if token := env.get("MEETUP_ACCESS_TOKEN", "").strip():
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

    from meetup_pipeline.resources import SANDBOX_URL
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
    raw = _env(environ).get("MEETUP_WAREHOUSE_URL", "").strip()
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


def check_region(environ: Mapping[str, str] | None = None) -> str:
    """The region settings (`MEETUP_SEARCH_*`, `MEETUP_TIMEZONE`, `MEETUP_REGION_NAME`)."""
    try:
        r = parse_region(_env(environ))
    except SettingsError as exc:
        raise PreflightError(str(exc)) from None
    found = []
    if r.pro_network:
        found.append(f"Pro network {r.pro_network}")
    if r.group_urlnames:
        found.append(f"{len(r.group_urlnames)} named group(s)")
    if r.search and r.places:
        found.append(f"{len(r.queries)} keyword(s) at {len(r.places)} place(s)")
    elif r.search:
        found.append(
            f"{len(r.queries)} keyword(s) within {r.radius_miles:g} miles of {r.lat:g}, {r.lon:g}"
        )
    return f"{r.region_name}: {'; '.join(found)}; clock {r.timezone}"


def check_webhook(environ: Mapping[str, str] | None = None) -> str:
    """Whether failure alerts are posted; the URL itself is a secret and never shown."""
    raw = _env(environ).get(WEBHOOK_ENV, "").strip()
    if not raw:
        return "not set (failure alerts are only logged)"
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PreflightError(
            f"{WEBHOOK_ENV} is not an http(s) URL: set it to the webhook's full URL, or "
            "unset it to only log failure alerts."
        )
    return f"set ({parts.scheme} URL, not shown)"


def check_dashboard(environ: Mapping[str, str] | None = None) -> str:
    """The cap on the dashboard's event rows (`MEETUP_DASHBOARD_MAX_EVENTS`)."""
    from meetup_pipeline.dashboard.queries import max_events_from_env

    return f"at most {max_events_from_env(_env(environ)):,} past events on the page"


# --- command line --------------------------------------------------------------------------


def run_checks(
    partition: str | None = None,
    select: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[str]:
    """Every check; the problems found, one line each (empty when all is well)."""
    problems: list[str] = []
    checks = [
        ("Meetup source", lambda: check_meetup_settings(environ)),
        ("Sandbox settings", lambda: check_sandbox_settings(environ)),
        ("Meetup API", lambda: check_api_answers(environ)),
        ("Warehouse", lambda: check_warehouse(environ)),
        ("Region", lambda: check_region(environ)),
        ("Alert webhook", lambda: check_webhook(environ)),
        ("Dashboard", lambda: check_dashboard(environ)),
    ]
    if partition is not None:
        checks.append(("Partition", lambda: check_partition_key(partition)))
    if select is not None:

        def selection() -> str:
            from meetup_pipeline.definitions import defs

            keys = check_selection(select, defs.get_repository_def())
            return ", ".join(sorted(k.to_user_string() for k in keys))

        checks.append(("Selection", selection))
    for label, check in checks:
        try:
            click.echo(f"{label}: {check()}")
        except (PreflightError, SettingsError) as exc:
            message = exc.message if isinstance(exc, PreflightError) else str(exc)
            if message in problems:  # one bad setting (MEETUP_TIMEZONE) fails many checks
                continue
            problems.append(message)
            click.echo(f"Error: {message}", err=True)
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m meetup_pipeline.preflight")
    parser.add_argument("--partition", help="a partition key to check (YYYY-MM-DD)")
    parser.add_argument("--select", help="an asset selection as for `dagster asset materialize`")
    args = parser.parse_args(argv)
    return 1 if run_checks(args.partition, args.select) else 0


if __name__ == "__main__":
    sys.exit(main())
