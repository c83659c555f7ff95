"""The run console's level (`MEETUP_LOG_LEVEL`): read by the console's log handler, which
Dagster builds from dagster.yaml in each run's process, outside any resource."""

from __future__ import annotations

from collections.abc import Mapping

from meetup_pipeline.settings import SettingsError
from meetup_pipeline.settings.env import value

LEVEL_ENV = "MEETUP_LOG_LEVEL"
LEVELS = ("info", "debug")


def parse_log_level(environ: Mapping[str, str] | None = None) -> str:
    """`MEETUP_LOG_LEVEL` (info or debug, default info), or `SettingsError` naming it."""
    raw = value(LEVEL_ENV, environ)
    if not raw:
        return LEVELS[0]
    if raw.lower() not in LEVELS:
        raise SettingsError(
            f"{LEVEL_ENV}={raw!r} is not a level: use info (one line per step and a summary) "
            "or debug (every Dagster event), or unset it for info."
        )
    return raw.lower()


def verbose(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the console prints every Dagster event (never raises: validated at load)."""
    return value(LEVEL_ENV, environ).upper() == "DEBUG"
