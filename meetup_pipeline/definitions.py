"""The code location: every asset, check, schedule, sensor and resource of the project."""

import dagster as dg

from meetup_pipeline import checks, schedules, sensors
from meetup_pipeline.assets import marts, raw, staging
from meetup_pipeline.meetup import meetup_resource_from_env
from meetup_pipeline.warehouse.io_manager import PostgresIOManager
from meetup_pipeline.warehouse.resource import warehouse_from_env

warehouse = warehouse_from_env()

defs = dg.Definitions(
    assets=[raw.raw_meetup, *staging.assets, *marts.assets],
    asset_checks=checks.checks,
    jobs=schedules.jobs,
    schedules=schedules.schedules,
    sensors=sensors.sensors,
    resources={
        "warehouse": warehouse,
        "io_manager": PostgresIOManager(warehouse=warehouse),
        "meetup": meetup_resource_from_env(),
    },
    # The work happens inside PostgreSQL; a process per step would cost more (seconds of
    # imports each) than most steps take. Runs stay isolated from each other regardless.
    executor=dg.in_process_executor,
)
