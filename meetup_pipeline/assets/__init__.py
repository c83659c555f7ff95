"""The asset graph: raw -> staging -> marts (-> dashboard).

`backfill_policy` is still flagged beta in Dagster 1.13, and it is central to this
project (ten years in one run), so its warning is silenced once here rather than
printed for every asset at every load.
"""

import warnings

import dagster as dg

warnings.filterwarnings("ignore", category=dg.BetaWarning)
