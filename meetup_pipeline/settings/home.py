"""Where local state lives. Reading it creates nothing: what writes there makes its folder
(the embedded server its data directory, the dashboard its page's folder)."""

from __future__ import annotations

from pathlib import Path

from meetup_pipeline.settings.env import value


def meetup_home() -> Path:
    """Embedded PostgreSQL data, Dagster artifacts, the dashboard.

    `MEETUP_HOME` wins; otherwise `.meetup/` in the working directory, so that a clone
    run from its root keeps everything beside the code and nothing in the user's home.
    """
    raw = value("MEETUP_HOME")
    home = Path(raw).expanduser() if raw else Path.cwd() / ".meetup"
    return home.resolve()
