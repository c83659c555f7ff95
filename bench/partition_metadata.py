"""Per-partition metadata in a single-run backfill: Dagster's public call against ours.

    .venv/bin/python bench/partition_metadata.py [--days 3653]

One asset over `--days` daily partitions in one run (an in-memory instance), which gives
every partition its own `dagster/partition_row_count` twice per mode: with
`context.add_asset_metadata(..., partition_key=key)` once per partition (Dagster's public
API: each call checks its key against the whole range and copies the step's metadata), and
with `meetup_pipeline.partition_metadata.add_partition_metadata` (one pass). Prints the
seconds each spent inside the asset, and the whole run's.
"""

import argparse
import time
import warnings
from datetime import date, timedelta

import dagster as dg

from meetup_pipeline.partition_metadata import add_partition_metadata

TIMES: dict[str, float] = {}


def job_for(days: int, mode: str) -> tuple[dg.JobDefinition, dict[str, str]]:
    start = date(2015, 1, 1)
    partitions = dg.DailyPartitionsDefinition(
        start_date=start.isoformat(),
        end_date=(start + timedelta(days=days)).isoformat(),
        timezone="America/Los_Angeles",
    )

    @dg.asset(partitions_def=partitions, backfill_policy=dg.BackfillPolicy.single_run())
    def counted(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        keys = context.partition_keys
        began = time.perf_counter()
        if mode == "public":
            for n, key in enumerate(keys):
                context.add_asset_metadata({"dagster/partition_row_count": n}, partition_key=key)
        else:
            counts = {key: {"dagster/partition_row_count": n} for n, key in enumerate(keys)}
            add_partition_metadata(
                context.get_step_execution_context(), context.asset_key, keys, counts
            )
        TIMES[mode] = time.perf_counter() - began
        return dg.MaterializeResult()

    tags = {
        "dagster/asset_partition_range_start": start.isoformat(),
        "dagster/asset_partition_range_end": (start + timedelta(days=days - 1)).isoformat(),
    }
    return dg.Definitions(assets=[counted]).resolve_implicit_global_asset_job_def(), tags


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=3653)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    for mode in ("ours", "public"):
        job, tags = job_for(args.days, mode)
        began = time.perf_counter()
        result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), tags=tags)
        run = time.perf_counter() - began
        mats = result.asset_materializations_for_node("counted")
        assert [m.metadata["dagster/partition_row_count"].value for m in mats] == list(
            range(args.days)
        )
        print(
            f"{mode:>6}: {TIMES[mode]:7.2f} s in the asset, {run:7.1f} s the run ({args.days} days)"
        )


if __name__ == "__main__":
    main()
