"""The production topology as processes on one machine: PostgreSQL, code server, daemon,
webserver, each started from the deploy files (`deploy.py`) and checked healthy with the
compose file's own health checks.

`Topology.start()` brings it all up in a temporary directory; `stop()` takes it all down
(every process group it started, then the cluster). `without` leaves one part out
(`user-code`, `daemon`, `run_monitoring`) to show that the tests need it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import yaml

from meetup_pipeline_tests.conftest import reachable_tempdir
from meetup_pipeline_tests.net import free_port
from meetup_pipeline_tests.topology import deploy
from meetup_pipeline_tests.topology.postgres import ROLE, DebianPostgres, new_cluster

SANDBOX_NOW = "2025-01-01T00:00:00-08:00"
"""The sandbox's fixed clock: December 2024 is the past, with events every day."""
SERVICES = ("user-code", "daemon", "webserver")
PARTS = (*SERVICES, "run_monitoring")
HEALTH_TIMEOUT_S = 240
STOP_TIMEOUT_S = 30


class TopologyError(AssertionError):
    pass


@dataclass
class Topology:
    extra_env: dict[str, str] = field(default_factory=dict)
    without: frozenset[str] = frozenset()
    root: Path = field(init=False)
    cluster: DebianPostgres = field(init=False)
    ports: deploy.Ports = field(init=False)
    layout: deploy.Layout = field(init=False)
    env: dict[str, str] = field(init=False)
    procs: dict[str, subprocess.Popen[bytes]] = field(init=False, default_factory=dict)

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Topology:
        unknown = set(self.without) - set(PARTS)
        if unknown:
            raise ValueError(f"unknown parts {sorted(unknown)}; known: {PARTS}")
        self.root = reachable_tempdir("meetup-topology-")
        ports: set[int] = set()
        while len(ports) < 3:
            ports.add(free_port())
        self.ports = deploy.Ports(*sorted(ports))
        (self.root / "pg").mkdir()
        (self.root / "logs").mkdir()
        self.cluster = new_cluster(self.root / "pg", self.ports.postgres)
        self.layout = deploy.Layout(self.root / "dagster_home", self.root / "meetup_home")
        self.layout.meetup_home.mkdir()
        deploy.write_dagster_home(self.layout, self.ports, self._instance_yaml())
        inherited = {
            k: v for k, v in os.environ.items() if not k.startswith(("MEETUP_", "DAGSTER_"))
        }
        self.env = {
            **inherited,
            **deploy.service_env(self.layout, self.ports, self.cluster.password),
            "MEETUP_SANDBOX_NOW": SANDBOX_NOW,
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }
        for name in SERVICES:
            self.start_service(name)
        return self

    def _instance_yaml(self) -> str | None:
        if "run_monitoring" not in self.without:
            return None  # deploy/dagster.yaml as it is
        config = yaml.safe_load((deploy.DEPLOY / "dagster.yaml").read_text())
        config.pop("run_monitoring")
        return yaml.safe_dump(config)

    def start_service(self, name: str) -> None:
        """Start one service (unless left out) and wait until its health check passes."""
        if name in self.without:
            return
        argv = deploy.commands(self.layout, self.ports)[name]
        with (self.root / "logs" / f"{name}.log").open("ab") as log:
            self.procs[name] = subprocess.Popen(
                argv,
                cwd=self.root,  # not the repo: its ./dagster.yaml and ./.env must not apply
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.wait_for(f"{name} to be healthy", lambda: self.healthy(name), HEALTH_TIMEOUT_S)

    def stop_service(self, name: str) -> None:
        """SIGTERM the service's process group (what `docker stop` does), then SIGKILL."""
        proc = self.procs.pop(name, None)
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=STOP_TIMEOUT_S)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=STOP_TIMEOUT_S)

    def crash_service(self, name: str) -> None:
        """SIGKILL the service's whole process group at once (`docker kill`): the service
        and every process it started (the code server's runs) die without a word."""
        proc = self.procs.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=STOP_TIMEOUT_S)

    def stop(self, keep_files: bool = False) -> None:
        for name in reversed(SERVICES):
            self.stop_service(name)
        if hasattr(self, "cluster"):
            self.cluster.stop()
        if hasattr(self, "root") and not keep_files:
            shutil.rmtree(self.root, ignore_errors=True)

    # --- health (the compose file's checks, on this machine's ports) -------------------------

    def healthy(self, name: str) -> bool:
        proc = self.procs[name]
        if proc.poll() is not None:
            raise TopologyError(f"{name} exited ({proc.returncode}):\n{self.log_tail(name)}")
        if name == "webserver":
            try:
                return httpx.get(f"{self.base_url}/server_info", timeout=4).status_code == 200
            except httpx.HTTPError:
                return False
        test = deploy.compose()["services"][name]["healthcheck"]["test"]
        options = {"p": str(self.ports.code_server)} if name == "user-code" else {}
        argv = deploy.with_options(list(test[1:]), **options)
        done = subprocess.run(argv, env=self.env, cwd=self.root, capture_output=True, timeout=60)
        return done.returncode == 0

    # --- access --------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.webserver}"

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = httpx.post(
            f"{self.base_url}/graphql",
            json={"query": query, "variables": variables or {}},
            timeout=60,
        )
        response.raise_for_status()
        payload = response.json()
        if payload.get("errors"):
            raise TopologyError(f"GraphQL errors: {payload['errors']}")
        return payload["data"]

    def connect(self, database: str, user: str = ROLE) -> psycopg.Connection:
        """The application role over TCP with its password, as the services connect."""
        return psycopg.connect(
            host="127.0.0.1",
            port=self.ports.postgres,
            user=user,
            password=self.cluster.password,
            dbname=database,
            autocommit=True,
            connect_timeout=10,
        )

    def wait_for(
        self, what: str, probe: Callable[[], Any], timeout: float, interval: float = 1.0
    ) -> Any:
        """Poll `probe` until it returns something truthy; a safety-net timeout only."""
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            try:
                last = probe()
            except (httpx.HTTPError, psycopg.OperationalError) as exc:
                last = exc
            else:
                if last:
                    return last
            time.sleep(interval)
        raise TopologyError(f"timed out after {timeout:g}s waiting for {what} (last: {last!r})")

    # --- logs ----------------------------------------------------------------------------------

    def log_paths(self) -> list[Path]:
        return [*sorted((self.root / "logs").glob("*.log")), self.cluster.log_path]

    def log_tail(self, name: str, chars: int = 4000) -> str:
        path = self.root / "logs" / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else "(no log)"
