"""The code location: every asset, check, schedule, sensor and resource of the project.

Loading it validates every setting first (`validation.py`): a wrong one stops the load with
one line naming the variable and the fix, before any run exists. Loaded by `dg launch` or
`dagster asset materialize`, it also checks what that command was given (partitions,
selection) and that the API and the warehouse answer (`preflight.check_command_line_launch`).
"""

import dagster as dg

from meetup_pipeline import preflight
from meetup_pipeline.assets import chosen_dagster_features
from meetup_pipeline.console import label_check_steps
from meetup_pipeline.instance.executor import recovering_in_process_executor
from meetup_pipeline.meetup import MeetupResource
from meetup_pipeline.resources import meetup_resource_from_env, settings_resources
from meetup_pipeline.validation import validate_settings
from meetup_pipeline.warehouse.io_manager import PostgresIOManager
from meetup_pipeline.warehouse.resource import Warehouse, warehouse_from_env

validate_settings()  # before the modules below build partitions and schedules from them

with chosen_dagster_features():
    from meetup_pipeline import checks, freshness, schedules, sensors
    from meetup_pipeline.assets import dashboard, marts, raw, staging

partitioned_assets = [raw.raw_meetup, *staging.assets, *marts.partitioned_assets]
snapshot_assets = [marts.upcoming_events, dashboard.dashboard]
asset_checks = [*checks.checks, *freshness.freshness_checks]
label_check_steps(asset_checks)  # the run's console names their steps after them


def make_definitions(warehouse: Warehouse, meetup: MeetupResource) -> dg.Definitions:
    """The whole project wired to one warehouse and one Meetup source (tests pass their own)."""
    return dg.Definitions(
        assets=[*partitioned_assets, *snapshot_assets],
        asset_checks=asset_checks,
        jobs=schedules.jobs,
        schedules=schedules.schedules,
        sensors=[*sensors.sensors, *freshness.sensors],
        resources={
            "warehouse": warehouse,
            "io_manager": PostgresIOManager(warehouse=warehouse),
            "meetup": meetup,
            **settings_resources(),
        },
        # The work happens inside PostgreSQL; a process per step would cost more (seconds of
        # imports each) than most steps take. Runs stay isolated from each other regardless.
        # Dagster's in-process executor plus crash recovery (instance/executor.py).
        executor=recovering_in_process_executor,
    )


defs = make_definitions(warehouse_from_env(), meetup_resource_from_env())
preflight.check_command_line_launch(defs)
