"""The asset graph: raw -> staging -> marts (-> dashboard)."""

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg


@contextmanager
def chosen_dagster_features() -> Iterator[None]:
    """Load definitions without Dagster's notices for the two flagged features we rely on.

    `backfill_policy` (beta: ten years in one run) and partitioned asset checks (preview:
    checks per window) are central to this project, so their notices would repeat for every
    definition at load and say nothing new. Only those two notices, and only while the
    definitions load (`definitions.py`): no filter is left on the process, and any other
    Beta/Preview warning still shows.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=r"Parameter `backfill_policy` .*", category=dg.BetaWarning
        )
        warnings.filterwarnings(
            "ignore",
            message=r"Specifying a partitions_def on an AssetCheckSpec .*",
            category=dg.PreviewWarning,
        )
        yield
