"""Process-wide locations that do not belong to any single resource."""

from __future__ import annotations

import os
from pathlib import Path

LOCAL_TIMEZONE = "America/Los_Angeles"
"""A partition is one calendar day in the Bay Area."""

PARTITIONS_START_DATE = "2008-01-01"


def meetup_home() -> Path:
    """Where local state lives (embedded PostgreSQL data, dashboard files).

    `MEETUP_HOME` wins; otherwise `.meetup/` in the working directory, so that a clone
    run from its root keeps everything beside the code and nothing in the user's home.
    """
    raw = os.environ.get("MEETUP_HOME", "").strip()
    home = Path(raw).expanduser() if raw else Path.cwd() / ".meetup"
    home = home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    return home
