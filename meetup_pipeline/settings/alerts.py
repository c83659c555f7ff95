"""Where alerts go (`MEETUP_ALERT_WEBHOOK_URL`), and which values no alert may contain.

The URL is a secret (chat webhooks embed their token in it): it is never logged or shown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import ClassVar
from urllib.parse import urlsplit

from pydantic import Field

from meetup_pipeline.settings import SettingsError
from meetup_pipeline.settings.env import EnvSettings, environ

WEBHOOK_ENV = "MEETUP_ALERT_WEBHOOK_URL"

SECRET_ENV_VARS = (
    "MEETUP_ACCESS_TOKEN",
    "MEETUP_CLIENT_SECRET",
    "MEETUP_REFRESH_TOKEN",
    "DAGSTER_POSTGRES_PASSWORD",
    WEBHOOK_ENV,
)
"""Variables whose whole value is secret."""
URL_ENV_VARS = ("MEETUP_WAREHOUSE_URL", "MEETUP_DAGSTER_STORAGE_URL")
"""Variables holding URLs whose password part is secret."""


class AlertSettings(EnvSettings):
    """`MEETUP_ALERT_WEBHOOK_URL` (empty: alerts are only logged)."""

    VARIABLES: ClassVar[Mapping[str, str]] = {"webhook_url": WEBHOOK_ENV}

    webhook_url: str = Field(
        "", description=f"{WEBHOOK_ENV}: where alerts are posted (a secret; empty: only logged)"
    )

    def webhook(self) -> str | None:
        """The webhook's URL, None when unset, or `SettingsError` (the URL not repeated)."""
        raw = self.webhook_url.strip()
        if not raw:
            return None
        parts = urlsplit(raw)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SettingsError(
                f"{WEBHOOK_ENV} is not an http(s) URL: set it to the webhook's full URL, or "
                "unset it to only log failure alerts."
            )
        return raw


def secret_values(given: Mapping[str, str] | None = None) -> list[str]:
    """The values of the secret variables (and URL passwords) that are set, to redact."""
    env = environ(given)
    values = [env.get(name, "").strip() for name in SECRET_ENV_VARS]
    for name in URL_ENV_VARS:
        match = re.search(r"://[^\s:/@]+:([^\s@/]+)@", env.get(name, ""))
        if match:
            values.append(match.group(1))
    return [v for v in values if v]


def client_credentials(given: Mapping[str, str] | None = None) -> tuple[str, str | None]:
    """(`MEETUP_CLIENT_ID`, `MEETUP_CLIENT_SECRET`): a pair the redactor masks together."""
    env = environ(given)
    return env.get("MEETUP_CLIENT_ID", "").strip(), env.get("MEETUP_CLIENT_SECRET")
