"""Asset checks: the data-quality gates between layers."""

import dagster as dg

checks: list[dg.AssetChecksDefinition] = []
