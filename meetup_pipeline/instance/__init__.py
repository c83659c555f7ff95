"""The Dagster instance: where runs, event logs and schedule state are stored, and how runs recover.

`dagster.yaml` at the repo root (local) points Dagster at the classes in
`meetup_pipeline.instance.storage` and at `launcher.MeetupRunLauncher`; `deploy/dagster.yaml`
(Docker/production) uses dagster-postgres' own classes and config, with the event log from
`meetup_pipeline.instance.planned_events` (bulk planned events, range check results).
`executor` (the project's in-process executor) and `recovery` make a dead run release
the pipeline (docs/automation.md, "Guarantees").
"""

import warnings

_NOTICES = (
    r"Handling yaml-defined logging configuration is currently in beta",
    r"Parameter `include_sources` of function `AssetSelection.all` is currently in beta",
)


def quiet_dagster_notices() -> None:
    """Silence two notices Dagster prints on every CLI run, neither actionable by its user.

    The repo's dagster.yaml sets a `python_logs` handler (the run console,
    `meetup_pipeline/console.py`), a beta feature; Dagster's own parsing of `--select '*'`
    passes a beta parameter. Both arrive before the console's first line. Called when that
    dagster.yaml's event log storage is built (before either is emitted), never at import:
    loading the code location changes no process-wide filter. Only these two exact
    messages; every other warning still shows.
    """
    for notice in _NOTICES:
        warnings.filterwarnings("ignore", message=notice)
