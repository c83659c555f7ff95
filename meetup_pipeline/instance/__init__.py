"""The Dagster instance: where runs, event logs and schedule state are stored, and how runs recover.

`dagster.yaml` at the repo root (local) points Dagster at the classes in
`meetup_pipeline.instance.storage` and at `launcher.MeetupRunLauncher`; `deploy/dagster.yaml`
(Docker/production) uses dagster-postgres' own classes and config, with the event log from
`meetup_pipeline.instance.planned_events` (bulk planned events, range check results).
`executor` (the project's in-process executor) and `recovery` make a dead run release
the pipeline (docs/automation.md, "Guarantees").
"""

import warnings

# Two notices Dagster prints on every CLI run of this project, neither actionable by its
# user: the committed dagster.yaml's `python_logs` handler (the run console,
# `meetup_pipeline/console.py`) is a beta feature, and Dagster's own parsing of `--select
# '*'` passes a beta parameter. Both arrive before the console's first line, once per
# process and again per run. This package is loaded by dagster.yaml before either is
# emitted; only these two exact messages are silenced, every other warning still shows.
for _notice in (
    r"Handling yaml-defined logging configuration is currently in beta",
    r"Parameter `include_sources` of function `AssetSelection.all` is currently in beta",
):
    warnings.filterwarnings("ignore", message=_notice)
