"""The whole job, shared by the asset and the CLI: read the marts, write the page."""

import os
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from meetup_pipeline.dashboard.model import Headline, headline, shape, title_for
from meetup_pipeline.dashboard.queries import fetch, snapshot
from meetup_pipeline.dashboard.render import dashboard_chunks, render_empty
from meetup_pipeline.settings.dashboard import DashboardSettings
from meetup_pipeline.settings.home import meetup_home
from meetup_pipeline.settings.region import Region, parse_region

EMPTY_REASON = "The warehouse has no past events in its marts yet."


@dataclass(frozen=True)
class BuildResult:
    path: Path
    bytes: int
    headline: Headline | None

    def summary_md(self) -> str:
        """Markdown for the Dagster UI."""
        h = self.headline
        if h is None:
            return "**No data yet**: the marts hold no past events."
        return "\n".join(
            [
                f"**{h.events:,} events** from {h.first_day} to {h.last_day}",
                "",
                *(
                    [f"- the page carries the newest {h.shown:,} (MEETUP_DASHBOARD_MAX_EVENTS)"]
                    if h.shown < h.events
                    else []
                ),
                f"- {h.groups:,} groups, {h.venues:,} venues",
                f"- {h.rsvps:,} RSVPs ({h.rsvps / max(1, h.events):.1f} per event)",
                f"- {h.upcoming:,} upcoming events",
                f"- most active group: {h.top_group}",
            ]
        )


def default_output() -> Path:
    return meetup_home() / "dashboard" / "index.html"


STALE_TMP_SECONDS = 600.0
"""A temporary page untouched this long was left by a killed build (a build writes its
page in seconds, and keeps touching it while it does): removed by the next build."""


def remove_stale_temporaries(folder: Path, now: float | None = None) -> list[Path]:
    """Remove `.index-*.html.tmp` files left by builds that were killed mid-write."""
    cutoff = (now or time.time()) - STALE_TMP_SECONDS
    removed = []
    for tmp in folder.glob(".index-*.html.tmp"):
        try:
            if tmp.stat().st_mtime < cutoff:
                tmp.unlink()
                removed.append(tmp)
        except FileNotFoundError:
            continue
    return removed


def write_atomically(path: Path, text: str | Iterable[str]) -> int:
    """Write beside the target, piece by piece, then rename: a reader never sees half a
    page, and the page is never held whole in memory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path.parent)
    size = 0
    fd, tmp = tempfile.mkstemp(prefix=".index-", suffix=".html.tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            for piece in [text] if isinstance(text, str) else text:
                data = piece.encode("utf-8")
                fh.write(data)
                size += len(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return size


def build_dashboard(
    engine: sa.Engine,
    output: Path | None = None,
    now: datetime | None = None,
    max_events: int | None = None,
    upcoming_note: str | None = None,
    where: Region | None = None,
) -> BuildResult:
    """Read the marts and write the dashboard (or the "no data" page) to `output`.

    `max_events` caps the page's event rows and `where` is the region; the asset passes
    both from its resources, other callers (the CLI, tests) get them from the environment
    (`MEETUP_DASHBOARD_MAX_EVENTS`, the region's variables).
    `upcoming_note` is shown on the upcoming list (it says when the list is stale).
    """
    now = now or datetime.now(UTC)
    where = where or parse_region()
    if max_events is None:
        max_events = DashboardSettings.from_environ().event_cap()
    path = output or default_output()
    with snapshot(engine) as conn:
        rows = fetch(conn, now, max_events, where.pro_network)
        page = (
            render_empty(EMPTY_REASON, title_for(where))
            if rows is None
            else dashboard_chunks(shape(rows, where, upcoming_note))
        )
    size = write_atomically(path, page)
    return BuildResult(path=path, bytes=size, headline=headline(rows))
