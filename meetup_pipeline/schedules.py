"""Schedules: the daily run and its restatement window."""

import dagster as dg

schedules: list[dg.ScheduleDefinition] = []
jobs: list[dg.JobDefinition | object] = []
