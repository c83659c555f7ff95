"""The Dagster instance: where runs, event logs and schedule state are stored, and how runs recover.

`dagster.yaml` at the repo root (local) and `deploy/dagster.yaml` (Docker/production) point
Dagster at the classes in `meetup_pipeline.instance.storage` and at `launcher.MeetupRunLauncher`.
`executor` (the project's in-process executor) and `recovery` make a dead run release
the pipeline (docs/automation.md, "Guarantees").
"""
