"""The asset graph: raw -> staging -> marts (-> dashboard)."""

from collections.abc import Iterator
from contextlib import contextmanager

from meetup_pipeline import notices


@contextmanager
def chosen_dagster_features() -> Iterator[None]:
    """Load definitions without Dagster's notices for the two flagged features we rely on.

    `backfill_policy` (beta: ten years in one run) and partitioned asset checks (preview:
    checks per window) are central to this project, so their notices would repeat for every
    definition at load and say nothing new. Only those two notices, and only while the
    definitions load (`definitions.py`): no filter is left on the process, and any other
    Beta/Preview warning still shows.
    """
    with notices.silenced(notices.BACKFILL_POLICY, notices.PARTITIONED_CHECK):
        yield
