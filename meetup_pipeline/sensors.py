"""Sensors: failure alerts and the upcoming-events refresh."""

import dagster as dg

sensors: list[dg.SensorDefinition] = []
