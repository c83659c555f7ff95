"""The code location: every definition under `defs/`, found by Dagster's loader.

Nothing here lists an asset, check, schedule or sensor: `dg.load_from_defs_folder` imports
every module under `meetup_pipeline/defs/` (the defs module of `[tool.dg.project]` in
pyproject.toml, the one declaration of this code location) and collects what they define;
`defs/resources.py` picks the resources. What this module adds is what must happen around
that, in order:

- every setting is validated first (`validation.py`): a wrong one stops the load with one
  line naming the variable and the fix, before any module builds partitions or schedules
  from it and before any run exists;
- the executor is added to what the folder holds;
- the run's console names check steps after their checks (`console.label_check_steps`);
- loaded by `dg launch` or `dagster asset materialize`, it checks what that command was
  given (partitions, selection) and that the API and the warehouse answer
  (`preflight.check_command_line_launch`).
"""

from pathlib import Path

import dagster as dg

from meetup_pipeline import preflight
from meetup_pipeline.console import label_check_steps
from meetup_pipeline.defs.resources import project_resources
from meetup_pipeline.instance.executor import recovering_in_process_executor
from meetup_pipeline.meetup import MeetupResource
from meetup_pipeline.validation import validate_settings
from meetup_pipeline.warehouse.resource import Warehouse

validate_settings()  # before the defs modules build partitions and schedules from them


def load_defs_folder() -> dg.Definitions:
    """Everything under `defs/`, with the environment's resources (`defs/resources.py`)."""
    # The loader silences Dagster's own notices while it imports defs/ (it is
    # `@suppress_dagster_warnings`): the Beta/Preview ones of the two flagged features we
    # rely on (single-run backfills, partitioned checks) among them.
    found = dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
    everything = [*(found.assets or []), *(found.asset_checks or [])]
    # the run's console names check steps after their checks
    label_check_steps(d for d in everything if isinstance(d, dg.AssetChecksDefinition))
    return dg.Definitions.merge(
        found,
        # The work happens inside PostgreSQL; a process per step would cost more (seconds of
        # imports each) than most steps take. Runs stay isolated from each other regardless.
        # Dagster's in-process executor plus crash recovery (instance/executor.py).
        dg.Definitions(executor=recovering_in_process_executor),
    )


def make_definitions(warehouse: Warehouse, meetup: MeetupResource) -> dg.Definitions:
    """The whole project wired to this warehouse and Meetup source instead of the
    environment's (tests and benchmarks pass their own)."""
    found = load_defs_folder()
    return dg.Definitions(
        assets=found.assets,
        asset_checks=found.asset_checks,
        schedules=found.schedules,
        sensors=found.sensors,
        jobs=found.jobs,
        resources={**(found.resources or {}), **project_resources(warehouse, meetup)},
        executor=found.executor,
        loggers=found.loggers,
        metadata=found.metadata,
    )


defs = load_defs_folder()
preflight.check_command_line_launch(defs)
