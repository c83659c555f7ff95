"""A PostgreSQL server from Debian's package, set up the way a managed database is used.

The cluster is the distribution's binaries (`/usr/lib/postgresql/<version>/bin`) run as
the `postgres` system user (`initdb` + `pg_ctl`, as `pg_createcluster` does), in a
temporary directory on a free port: never the machine's default cluster. Administration
goes over the cluster's own Unix socket with peer authentication; the application gets
what RDS or Cloud SQL would give it: one role that is not a superuser, owns the `dagster`
and `meetup` databases, and logs in with a password over TCP (`scram-sha-256`).
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path

PG_ROOT = Path("/usr/lib/postgresql")
DATABASES = ("dagster", "meetup")
ROLE = "meetup"
"""The role name of deploy/.env.example (`DAGSTER_POSTGRES_USER`, `MEETUP_WAREHOUSE_URL`)."""
SYSTEM_USER = "postgres"
START_TIMEOUT_S = 120

PG_HBA = """\
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 peer
host    all       all   127.0.0.1/32  scram-sha-256
"""
"""Like Debian's default: peer on the socket, passwords (SCRAM) over TCP, nothing else."""


def pg_bindir() -> Path | None:
    """The newest Debian PostgreSQL server installed, or None."""
    found = [p for p in PG_ROOT.glob("*/bin") if (p / "initdb").is_file()]
    numeric = [p for p in found if p.parent.name.isdigit()]
    return max(numeric, key=lambda p: int(p.parent.name)) if numeric else None


@dataclass
class DebianPostgres:
    """One cluster: its directory, port, and the application role's password."""

    root: Path
    port: int
    bindir: Path
    password: str

    @property
    def pgdata(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "run"

    @property
    def log_path(self) -> Path:
        return self.root / "postgresql.log"

    @property
    def as_root(self) -> bool:
        return os.geteuid() == 0

    def _cmd(self, *argv: str) -> list[str]:
        """As root, run as `postgres` (initdb and postgres refuse root); else as ourselves."""
        return ["runuser", "-u", SYSTEM_USER, "--", *argv] if self.as_root else list(argv)

    def _run(self, *argv: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            self._cmd(*argv), input=stdin, capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            # stdin may hold the password: never echo it, only the tool's own answer
            raise RuntimeError(f"{argv[0]} failed ({done.returncode}): {done.stderr[-2000:]}")
        return done.stdout

    def create(self) -> None:
        """initdb a cluster that listens on 127.0.0.1:port and a private socket."""
        for path in (self.pgdata, self.socket_dir):
            path.mkdir(mode=0o700)
        self.log_path.touch()
        if self.as_root:
            subprocess.run(
                ["chown", "-R", f"{SYSTEM_USER}:{SYSTEM_USER}", str(self.root)], check=True
            )
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.pgdata),
            "--auth-local=peer",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        )
        conf = self.pgdata / "postgresql.conf"
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.socket_dir}'",
            "password_encryption": "'scram-sha-256'",
            "max_connections": "200",
            "fsync": "off",  # a throwaway test cluster; durability is not under test
            "log_line_prefix": "'%m [%p] %q%u@%d '",
        }
        with conf.open("a") as f:
            f.write("\n# meetup-pipeline topology test\n")
            f.writelines(f"{k} = {v}\n" for k, v in settings.items())
        (self.pgdata / "pg_hba.conf").write_text(PG_HBA)

    def start(self) -> None:
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.pgdata),
            "-l",
            str(self.log_path),
            "-w",
            "-t",
            str(START_TIMEOUT_S),
            "start",
        )

    def stop(self) -> None:
        if (self.pgdata / "postmaster.pid").exists():
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.pgdata), "-m", "fast", "stop")

    def admin_sql(self, sql: str, database: str = "postgres") -> str:
        """Run SQL as the cluster's superuser over the Unix socket (peer authentication)."""
        return self._run(
            str(self.bindir / "psql"),
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-At",
            "-h",
            str(self.socket_dir),
            "-p",
            str(self.port),
            "-d",
            database,
            stdin=sql,
        )

    def provision(self) -> None:
        """The application role and its two databases, as a managed database is handed over.

        The password is sent on psql's stdin (never argv, visible to `ps`); PostgreSQL
        stores only its SCRAM verifier and does not log the statement.
        """
        if not re.fullmatch(r"[A-Za-z0-9_-]+", self.password):
            raise ValueError("the generated password must be safe to quote")
        statements = [
            f"CREATE ROLE {ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
            f"PASSWORD '{self.password}';"
        ]
        for db in DATABASES:
            statements.append(f"CREATE DATABASE {db} OWNER {ROLE};")
            statements.append(f"REVOKE ALL ON DATABASE {db} FROM PUBLIC;")
        self.admin_sql("\n".join(statements) + "\n")


def new_cluster(root: Path, port: int) -> DebianPostgres:
    """Create, start and provision a cluster under `root` (which must exist)."""
    bindir = pg_bindir()
    if bindir is None:
        raise RuntimeError(
            f"no PostgreSQL server under {PG_ROOT}: apt-get install postgresql (.ci/run does)"
        )
    cluster = DebianPostgres(
        root=root, port=port, bindir=bindir, password=secrets.token_urlsafe(24)
    )
    cluster.create()
    cluster.start()
    cluster.provision()
    return cluster
