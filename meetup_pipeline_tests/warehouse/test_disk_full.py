"""A full disk is named, from the real errors: the OS's ENOSPC and PostgreSQL's
`could not extend file ... No space left on device` (SQLSTATE 53100), on a small tmpfs."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL

from meetup_pipeline.warehouse.copy import copy_rows
from meetup_pipeline.warehouse.disk import DiskFullError, check_free_space, is_disk_full
from meetup_pipeline.warehouse.embedded import EmbeddedServer
from meetup_pipeline.warehouse.resource import Warehouse
from meetup_pipeline_tests.conftest import reachable_tempdir

FULL = "is full; free space, then rerun: nothing was changed"


@pytest.fixture
def small_disk(pg_server: EmbeddedServer) -> Iterator[Path]:
    """A 1 MB tmpfs that the server's system user owns (a tablespace can live there)."""
    root = reachable_tempdir("meetup-disk-")
    mount = root / "disk"
    mount.mkdir()
    owner = pg_server.pgdata.stat()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size=1m,uid={owner.st_uid},gid={owner.st_gid},mode=0700",
         "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )  # fmt: skip
    if mounted.returncode != 0:
        mount.rmdir()
        root.rmdir()
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)
        mount.rmdir()
        root.rmdir()


def test_the_os_error_of_a_full_disk_is_recognised_and_checked_before_a_run(
    small_disk: Path,
) -> None:
    filler = small_disk / "filler"
    with pytest.raises(OSError) as raised, filler.open("wb") as fh:
        while True:
            fh.write(b"\0" * 65536)
            fh.flush()
    assert is_disk_full(raised.value)
    with pytest.raises(DiskFullError, match=FULL) as refused:
        check_free_space(small_disk / "pgdata")
    assert str(small_disk / "pgdata") in str(refused.value)
    filler.unlink()
    check_free_space(small_disk, minimum=512 * 1024)  # space again: no error


def test_a_write_on_a_full_disk_says_so(small_disk: Path, warehouse_url: URL) -> None:
    """Both ways the warehouse writes: a statement (INSERT ... SELECT) and COPY."""
    engine = Warehouse(url=warehouse_url.render_as_string(hide_password=False)).get_engine()
    space = f"tiny_{uuid.uuid4().hex[:8]}"
    table = sa.Table(f"full_{space}", sa.MetaData(), sa.Column("x", sa.Text))
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
            sa.text(f"CREATE TABLESPACE {space} LOCATION '{small_disk}'")  # test-made names
        )
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f"CREATE TABLE {table.name} (x text) TABLESPACE {space}"))
            # no compression: 10 MB of rows need 10 MB of the 1 MB disk
            conn.execute(sa.text(f"ALTER TABLE {table.name} ALTER x SET STORAGE EXTERNAL"))
        with pytest.raises(DiskFullError, match=FULL), engine.begin() as conn:
            conn.execute(
                sa.text(
                    f"INSERT INTO {table.name} SELECT md5(i::text) || repeat('x', 2000) "
                    "FROM generate_series(1, 5000) AS i"
                )
            )
        rows = ((f"{i:08d}" + "y" * 2000,) for i in range(5000))
        with pytest.raises(DiskFullError, match=FULL), engine.begin() as conn:
            copy_rows(conn, table, list(table.columns), rows, None)
        with engine.connect() as conn:  # nothing was changed
            assert conn.execute(sa.text(f"SELECT count(*) FROM {table.name}")).scalar() == 0
    finally:
        with engine.connect() as conn:
            auto = conn.execution_options(isolation_level="AUTOCOMMIT")
            auto.execute(sa.text(f"DROP TABLE IF EXISTS {table.name}"))
            auto.execute(sa.text(f"DROP TABLESPACE IF EXISTS {space}"))
