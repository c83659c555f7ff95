"""The code location: every asset, check, schedule, sensor and resource of the project."""

import dagster as dg

defs = dg.Definitions()
