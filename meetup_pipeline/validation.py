"""Every setting, validated once before any run: each problem is one line naming the fix.

`SETTINGS` lists one check per group of settings. Each builds, from the environment's
values, the same settings resource the code location wires with `dg.EnvVar` (`settings/`:
the region, the reject policy, the dashboard, the alerts; the Meetup resource; the
sandbox's config) and calls the parser the code that uses it calls, so nothing is parsed
twice; it returns a short description of what it found. They read the environment only,
no network: the code location runs them when it loads (`definitions.py`), so a bad setting
stops `dg launch`, `dagster asset materialize` and `dagster dev` alike with one `Error:`
line (a `SettingsError` is a `click.ClickException`) and no run is created. `preflight`
runs the same list, then the checks that need the network (the API, the warehouse).

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
from meetup_pipeline.settings import SettingsError
from meetup_pipeline.settings.alerts import AlertSettings
from meetup_pipeline.settings.clock import daily_cron, parse_timezone
from meetup_pipeline.settings.console import parse_log_level
from meetup_pipeline.settings.dashboard import DashboardSettings
from meetup_pipeline.settings.env import environ as _env
from meetup_pipeline.settings.env import values
from meetup_pipeline.settings.region import parse_region
from meetup_pipeline.settings.reject import RejectPolicySettings
from meetup_pipeline.warehouse.resource import WarehouseConfigError, normalize_url

WAREHOUSE_ENV = "MEETUP_WAREHOUSE_URL"
REAL_API_HOSTS = ("meetup.com",)
"""Hosts of the real Meetup API, which refuses requests without credentials."""
REGION_FIRST = "not checked until the region settings are fixed"

Check = Callable[[Mapping[str, str]], str]


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
    given = values(ENV_VARS, environ)
    resource = MeetupResource(**given)
    try:
        flow = resource.auth_flow()
    except MeetupConfigError as exc:
        raise SettingsError(f"Meetup settings: {exc}.") from None
    api_url = given.get("api_url")
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
        path = Path(given["private_key_file"]).expanduser()
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
    return f"faults {config.faults.describe() or 'none'}{used}"


def check_schedule(environ: Mapping[str, str] | None = None) -> str:
    """The load-time inputs: the clock (`MEETUP_TIMEZONE`) and `MEETUP_DAILY_CRON`."""
    env = _env(environ)
    return f"cron {daily_cron(env)!r} in {parse_timezone(env)}"


def check_reject_policy(environ: Mapping[str, str] | None = None) -> str:
    """`MEETUP_REJECT_WARN_RATE` / `MEETUP_REJECT_BLOCK_RATE`."""
    policy = RejectPolicySettings.from_environ(_env(environ)).policy()
    return f"warn above {policy.warn_rate:.1%}, block above {policy.block_rate:.1%} rejected"


def check_dashboard(environ: Mapping[str, str] | None = None) -> str:
    """The cap on the dashboard's event rows (`MEETUP_DASHBOARD_MAX_EVENTS`)."""
    cap = DashboardSettings.from_environ(_env(environ)).event_cap()
    return f"at most {cap:,} past events on the page"


def check_log_level(environ: Mapping[str, str] | None = None) -> str:
    """`MEETUP_LOG_LEVEL`, the run console's level."""
    return parse_log_level(_env(environ))


def check_webhook(environ: Mapping[str, str] | None = None) -> str:
    """Whether failure alerts are posted; the URL itself is a secret and never shown."""
    url = AlertSettings.from_environ(_env(environ)).webhook()
    if url is None:
        return "not set (failure alerts are only logged)"
    return f"set ({urlsplit(url).scheme} URL, not shown)"


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
    ("Schedule", check_schedule),
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
