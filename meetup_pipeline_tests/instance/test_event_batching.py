"""The project's instance turns on Dagster's batched event writes unless told otherwise."""

import os
import subprocess
import sys

import pytest

PROBE = "import os, meetup_pipeline.instance.storage; print(os.environ['DAGSTER_EVENT_BATCH_SIZE'])"


@pytest.mark.parametrize(("given", "expected"), [(None, "1000"), ("0", "0"), ("250", "250")])
def test_batch_size_default_and_override(given: str | None, expected: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_EVENT_BATCH_SIZE"}
    if given is not None:
        env["DAGSTER_EVENT_BATCH_SIZE"] = given
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == expected
