"""The Dagster instance: where runs, event logs and schedule state are stored.

`dagster.yaml` at the repo root (local) and `deploy/dagster.yaml` (Docker/production) point
Dagster at the classes in `meetup_pipeline.instance.storage`.
"""
