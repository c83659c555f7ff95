"""The dashboard's cap on the past events its page carries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from pydantic import Field

from meetup_pipeline.settings import SettingsError
from meetup_pipeline.settings.env import EnvSettings

MAX_EVENTS_VAR = "MEETUP_DASHBOARD_MAX_EVENTS"
DEFAULT_MAX_EVENTS = 75_000
"""About 4 MB of page (ten years of the 10x sandbox world: 53 bytes an event), inside the
issue-7 budget of 5 MB drawn in under 2 s."""
MIN_MAX_EVENTS = 100


class DashboardSettings(EnvSettings):
    """`MEETUP_DASHBOARD_MAX_EVENTS` (empty: 75,000)."""

    VARIABLES: ClassVar[Mapping[str, str]] = {"max_events": MAX_EVENTS_VAR}

    max_events: str = Field(
        "", description=f"{MAX_EVENTS_VAR}: past events on the page at most (empty: 75000)"
    )

    def event_cap(self) -> int:
        """The cap on the page's event rows, or `SettingsError` naming the variable."""
        raw = self.max_events.strip()
        if not raw:
            return DEFAULT_MAX_EVENTS
        try:
            cap = int(raw.replace("_", ""))
        except ValueError:
            cap = 0
        if cap < MIN_MAX_EVENTS:
            raise SettingsError(
                f"{MAX_EVENTS_VAR}={raw!r} is not a whole number of at least {MIN_MAX_EVENTS:,} "
                f"(default {DEFAULT_MAX_EVENTS:,}): fix it, or unset it for the default."
            )
        return cap
