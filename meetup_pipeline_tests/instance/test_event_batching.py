"""Dagster's batched event writes come from the event-log storage's config, not an import."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from meetup_pipeline.warehouse.embedded import EmbeddedServer
from meetup_pipeline_tests.conftest import create_database

REPO_ROOT = Path(__file__).resolve().parents[2]

IMPORT_PROBE = (
    "import os, meetup_pipeline.definitions, meetup_pipeline.instance.storage; "
    "print(os.environ.get('DAGSTER_EVENT_BATCH_SIZE', 'unset'))"
)

INSTANCE_PROBE = """
import os, sys, tempfile
import dagster as dg
from dagster._core.instance import InstanceRef
home = tempfile.mkdtemp()
with dg.DagsterInstance.from_ref(InstanceRef.from_dir(home, config_dir=sys.argv[1])) as inst:
    inst.event_log_storage
    print(os.environ.get("DAGSTER_EVENT_BATCH_SIZE", "unset"))
"""


def _env(given: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_EVENT_BATCH_SIZE"}
    env.pop("DAGSTER_HOME", None)
    if given is not None:
        env["DAGSTER_EVENT_BATCH_SIZE"] = given
    return env


def test_importing_the_project_sets_no_variable() -> None:
    out = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE],
        env=_env(None),
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip().splitlines()[-1] == "unset"


@pytest.mark.parametrize(("given", "expected"), [(None, "1000"), ("0", "0"), ("250", "250")])
def test_loading_the_instance_applies_its_batch_size(
    given: str | None, expected: str, pg_server: EmbeddedServer
) -> None:
    """The committed dagster.yaml's event log turns batching on; an explicit value wins."""
    env = _env(given)
    url = pg_server.url(create_database(pg_server)).render_as_string(hide_password=False)
    env["MEETUP_DAGSTER_STORAGE_URL"] = url
    out = subprocess.run(
        [sys.executable, "-c", INSTANCE_PROBE, str(REPO_ROOT)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == expected
