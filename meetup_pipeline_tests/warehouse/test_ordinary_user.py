"""The embedded server as an ordinary user (it also runs as root: every other test)."""

import os
import shutil
import site
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SYSTEM_PYTHON = Path(f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}")

PROBE = """
import os
from pathlib import Path
import sqlalchemy as sa
from meetup_pipeline.warehouse.embedded import stop_server
from meetup_pipeline.warehouse.resource import Warehouse

warehouse = Warehouse()
engine = warehouse.get_engine()
with engine.connect() as conn:
    conn.execute(sa.text("CREATE TABLE t AS SELECT 42 AS answer"))
    print(os.geteuid(), conn.execute(sa.text("SELECT answer FROM t")).scalar_one())
engine.dispose()
print(stop_server(Path(os.environ["MEETUP_HOME"]) / "pgdata"))
"""


def _others_can_reach(path: Path) -> bool:
    """Every folder on the way is searchable by other users (not so under /root)."""
    return all(p.stat().st_mode & 0o001 for p in [path, *path.parents] if p.is_dir())


@pytest.mark.skipif(
    os.geteuid() != 0
    or shutil.which("runuser") is None
    or not SYSTEM_PYTHON.exists()
    or not all(_others_can_reach(Path(p)) for p in [*site.getsitepackages(), str(REPO)]),
    reason="needs root (to switch to user nobody), runuser, a system Python of this version "
    "and a checkout other users can read",
)
def test_embedded_server_as_nobody() -> None:
    # This venv's interpreter may live under /root; the system one of the same version can
    # import the same site-packages.
    root = Path(tempfile.mkdtemp(prefix="meetup-nobody-"))
    root.chmod(0o777)
    try:
        env = {
            "HOME": str(root),
            "MEETUP_HOME": str(root / "home"),
            "PYTHONPATH": os.pathsep.join([*site.getsitepackages(), str(REPO)]),
            "PATH": "/usr/bin:/bin",
        }
        done = subprocess.run(
            ["runuser", "-u", "nobody", "--", "env", "-i", *(f"{k}={v}" for k, v in env.items()),
             str(SYSTEM_PYTHON), "-c", PROBE],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        uid, answer, stopped = done.stdout.split()
        assert (int(uid), answer, stopped) == (65534, "42", "True")
        assert (root / "home" / "pgdata").stat().st_uid == 65534
    finally:
        shutil.rmtree(root, ignore_errors=True)
