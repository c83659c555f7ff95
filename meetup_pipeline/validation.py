"""Every setting, validated once before any run: each problem is one line naming the fix.

`SETTINGS` lists one check per group of settings. Each builds the group from the
environment with the parser the code that uses it calls (the region, the Meetup resource,
the sandbox's config, the reject policy, the dashboard's cap, the console's level), so
nothing is parsed twice, and returns a short description of what it found. They read the
environment only, no network: the code location runs them when it loads
(`definitions.py`), so a bad setting stops `dg launch`, `dagster asset materialize` and
`dagster dev` alike with one `Error:` line (a `SettingsError` is a `click.ClickException`)
and no run is created. `preflight` runs the same list, then the checks that need the
network (the API, the warehouse).

A new setting gets its check here: a function `(environ) -> str` that raises
`SettingsError`, appended to `SETTINGS`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import urlsplit

from meetup_pipeline.defs.resources import source_for
from meetup_pipeline.meetup import MeetupConfigError, MeetupResource
from meetup_pipeline.meetup.resource import ENV_VARS
from meetup_pipeline.settings import SettingsError, parse_region
from meetup_pipeline.warehouse.resource import WarehouseConfigError, normalize_url

WEBHOOK_ENV = "MEETUP_ALERT_WEBHOOK_URL"
WAREHOUSE_ENV = "MEETUP_WAREHOUSE_URL"
REAL_API_HOSTS = ("meetup.com",)
"""Hosts of the real Meetup API, which refuses requests without credentials."""
REGION_FIRST = "not checked until the region settings are fixed"

Check = Callable[[Mapping[str, str]], str]


def _env(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def _region_parses(env: Mapping[str, str]) -> bool:
    """The sandbox's world falls back to the region settings; "Region" reports those once."""
    try:
        parse_region(env)
    except SettingsError:
        return False
    return True


def check_region(environ: Mapping[str, str] | None = None) -> str:
    """The region settings (`MEETUP_SEARCH_*`, `MEETUP_TIMEZONE`, `MEETUP_REGION_NAME`)."""
    r = parse_region(_env(environ))
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


def check_meetup_settings(environ: Mapping[str, str] | None = None) -> str:
    """Which source the settings select (`sandbox` or `api`), or what is missing."""
    env = _env(environ)
    values = {f: env[v].strip() for f, v in ENV_VARS.items() if env.get(v, "").strip()}
    resource = MeetupResource(**values)
    try:
        flow = resource.auth_flow()
    except MeetupConfigError as exc:
        raise SettingsError(f"Meetup settings: {exc}.") from None
    api_url = values.get("api_url")
    if flow == "none":
        if not api_url:
            return "sandbox"
        host = (urlsplit(api_url).hostname or "").lower()
        if any(host == h or host.endswith("." + h) for h in REAL_API_HOSTS):
            raise SettingsError(
                "MEETUP_API_URL points at Meetup's API, which needs credentials: set "
                "MEETUP_ACCESS_TOKEN, or MEETUP_CLIENT_ID, MEETUP_CLIENT_SECRET and "
                "MEETUP_REFRESH_TOKEN, or the JWT set (MEETUP_CLIENT_ID, MEETUP_MEMBER_ID, "
                "MEETUP_SIGNING_KEY_ID, MEETUP_PRIVATE_KEY_FILE); or unset MEETUP_API_URL to "
                "use the offline sandbox."
            )
    if flow == "jwt_bearer":
        path = Path(values["private_key_file"]).expanduser()
        if not path.is_file() or not os.access(path, os.R_OK):
            raise SettingsError(
                "MEETUP_PRIVATE_KEY_FILE does not name a readable file: point it at the PEM "
                "private key of the Meetup OAuth client."
            )
    return "api"


def check_sandbox_settings(environ: Mapping[str, str] | None = None) -> str:
    """`MEETUP_SANDBOX_*` (faults, rate limit, seed, ...) parse, or the variable to fix."""
    from meetup_pipeline.sandbox.config import SandboxConfig

    env = _env(environ)
    if not _region_parses(env):
        return REGION_FIRST
    try:
        config = SandboxConfig.from_env(dict(env))
    except ValueError as exc:
        raise SettingsError(f"{exc}.") from None
    faults = env.get("MEETUP_SANDBOX_FAULTS", "").strip()
    if not faults:
        return "no faults injected"
    used = "" if source_for(env) == "sandbox" else " (ignored: the source is not the sandbox)"
    active = config.faults.model_dump(exclude_defaults=True)
    shown = ", ".join(f"{k}={v}" for k, v in active.items())
    return f"faults {shown or 'none'}{used}"


def check_reject_policy(environ: Mapping[str, str] | None = None) -> str:
    """`MEETUP_REJECT_WARN_RATE` / `MEETUP_REJECT_BLOCK_RATE`."""
    env = _env(environ)
    if not _region_parses(env):  # the policy's module builds the partitions (time zone)
        return REGION_FIRST
    from meetup_pipeline.dagster_features import chosen_dagster_features

    with chosen_dagster_features():  # the module declares the check's spec too
        from meetup_pipeline.defs.checks.reject_rate import RejectPolicy
    policy = RejectPolicy.from_env(env)
    return f"warn above {policy.warn_rate:.1%}, block above {policy.block_rate:.1%} rejected"


def check_dashboard(environ: Mapping[str, str] | None = None) -> str:
    """The cap on the dashboard's event rows (`MEETUP_DASHBOARD_MAX_EVENTS`)."""
    from meetup_pipeline.dashboard.queries import max_events_from_env

    return f"at most {max_events_from_env(_env(environ)):,} past events on the page"


def check_log_level(environ: Mapping[str, str] | None = None) -> str:
    """`MEETUP_LOG_LEVEL`, the run console's level."""
    from meetup_pipeline.console import parse_log_level

    return parse_log_level(_env(environ))


def check_webhook(environ: Mapping[str, str] | None = None) -> str:
    """Whether failure alerts are posted; the URL itself is a secret and never shown."""
    raw = _env(environ).get(WEBHOOK_ENV, "").strip()
    if not raw:
        return "not set (failure alerts are only logged)"
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(
            f"{WEBHOOK_ENV} is not an http(s) URL: set it to the webhook's full URL, or "
            "unset it to only log failure alerts."
        )
    return f"set ({parts.scheme} URL, not shown)"


def check_warehouse_url(environ: Mapping[str, str] | None = None) -> str:
    """`MEETUP_WAREHOUSE_URL` is a PostgreSQL URL (whether it answers is preflight's)."""
    raw = _env(environ).get(WAREHOUSE_ENV, "").strip()
    if not raw:
        return "the embedded PostgreSQL server"
    try:
        normalize_url(raw)
    except WarehouseConfigError as exc:
        raise SettingsError(str(exc)) from None
    return "a PostgreSQL URL"


SETTINGS: list[tuple[str, Check]] = [
    ("Region", check_region),
    ("Meetup source", check_meetup_settings),
    ("Sandbox settings", check_sandbox_settings),
    ("Warehouse URL", check_warehouse_url),
    ("Reject policy", check_reject_policy),
    ("Dashboard", check_dashboard),
    ("Log level", check_log_level),
    ("Alert webhook", check_webhook),
]


def settings_problems(environ: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """(label, one-line message) for each setting group that is wrong, in `SETTINGS` order."""
    env = _env(environ)
    problems: list[tuple[str, str]] = []
    for label, check in SETTINGS:
        try:
            check(env)
        except SettingsError as exc:
            if exc.message not in (m for _, m in problems):
                problems.append((label, exc.message))
    return problems


def validate_settings(environ: Mapping[str, str] | None = None) -> None:
    """Raise `SettingsError` with the first wrong setting (what the code location calls)."""
    if problems := settings_problems(environ):
        more = f" ({len(problems) - 1} more: run python -m meetup_pipeline.preflight)"
        raise SettingsError(problems[0][1] + (more if len(problems) > 1 else ""))
