"""The project's settings, each read from the environment in this package and nowhere else.

- Run-time settings are Dagster resources (`ConfigurableResource`) whose fields the wiring
  backs with `dg.EnvVar` (`env.py`): the UI shows them, a run may override them, and the
  code that uses them receives the resource. `region.RegionSettings` (the region and its
  sources), `reject.RejectPolicySettings`, `dashboard.DashboardSettings`,
  `alerts.AlertSettings`. Each parses its own fields (`SettingsError` naming the variable);
  `validation.py` validates by building these same classes from the environment's values.
- Load-time inputs (`clock.py`): the clock's zone and the daily cron shape the partitions
  and the schedule, which Dagster needs when the code location loads, before any resource.
- Process state (`home.py`: where local state lives; `console.py`: the run console's level).

Importing this package imports no client, no warehouse and no Dagster definitions.
"""

from __future__ import annotations

import click


class SettingsError(click.ClickException, ValueError):
    """A bad setting; the message is one line that names the variable and the fix.

    A `click.ClickException`: raised while a click CLI runs (Dagster's and `dg` load the
    code location inside theirs), it prints as one `Error: ...` line, no traceback.
    """
