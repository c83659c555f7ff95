"""The asset graph: raw -> staging -> marts (-> dashboard).

`backfill_policy` (beta) and partitioned asset checks (preview) are flagged in Dagster
1.13, and both are central to this project (ten years in one run, checks per window), so
their warnings are silenced once here rather than printed for every definition at load.
"""

import warnings

import dagster as dg

warnings.filterwarnings("ignore", category=dg.BetaWarning)
warnings.filterwarnings("ignore", category=dg.PreviewWarning)
