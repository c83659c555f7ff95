"""The Dagster instance: where runs, event logs and schedule state are stored, and how runs recover.

`dagster.yaml` at the repo root (local) points Dagster at the classes in
`meetup_pipeline.instance.storage` and at `launcher.MeetupRunLauncher`; `deploy/dagster.yaml`
(Docker/production) uses dagster-postgres' own classes and config, with the event log from
`meetup_pipeline.instance.planned_events` (bulk planned events, range check results).
`executor` (the project's in-process executor) and `recovery` make a dead run release
the pipeline (docs/automation.md, "Guarantees"). `startup` holds everything loading the
instance changes in its process (the embedded server, the batch size, two notices).
"""
