"""The production topology's commands and environment, read from the deploy files.

Nothing here restates the configuration: the code server's command is the Dockerfile's
CMD, the webserver's and daemon's are `docker-compose.yml`'s, the environment is the
compose file's `x-dagster` block plus `deploy/.env.example` (the secrets file a user copies),
`DAGSTER_HOME` holds `deploy/dagster.yaml` as the image does, and the workspace is
`deploy/workspace.yaml`. What differs on one machine is an explicit override: host names
and ports (`postgres:5432` and `user-code:4000` are container names), the directories the
image keeps under /opt, and the password the test cluster was given.
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY = REPO_ROOT / "deploy"
BIN = Path(sys.executable).parent
IMAGE_DAGSTER_HOME = "/opt/dagster/dagster_home"
COMPOSE_DB_HOST = "postgres"
PLACEHOLDER_PASSWORD = "change-me"


def compose() -> dict[str, Any]:
    return yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())


def image_cmd() -> list[str]:
    """The Dockerfile's CMD (exec form): the code server."""
    for line in (REPO_ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("CMD "):
            return list(json.loads(line[4:]))
    raise AssertionError("Dockerfile has no exec-form CMD")


def with_options(argv: list[str], **values: str) -> list[str]:
    """`argv` with the value after each given option replaced (`h="127.0.0.1"` -> `-h ...`).

    Options are single-letter (`-h`, `-p`, `-w`); each must be present, so a renamed
    option in the deploy files fails here instead of being silently ignored.
    """
    out = list(argv)
    for name, value in values.items():
        flag = f"-{name}"
        assert flag in out, f"{flag} not in {argv}"
        out[out.index(flag) + 1] = value
    # the console scripts of this environment (the image has them on PATH)
    if (BIN / out[0]).exists():
        out[0] = str(BIN / out[0])
    return out


def env_example() -> dict[str, str]:
    """deploy/.env.example as `docker compose` reads an env_file (KEY=VALUE, # comments)."""
    values: dict[str, str] = {}
    for line in (DEPLOY / ".env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


@dataclass(frozen=True)
class Ports:
    postgres: int
    code_server: int
    webserver: int


@dataclass(frozen=True)
class Layout:
    """Where the processes keep their state on this machine."""

    dagster_home: Path
    meetup_home: Path


def service_env(layout: Layout, ports: Ports, password: str) -> dict[str, str]:
    """What every Dagster container sees: compose's environment + the env file, overridden
    only where one machine differs from the compose network."""
    spec = compose()
    env = env_example()  # empty values too: `KEY=` is an empty variable in the container
    env.update({k: str(v) for k, v in spec["x-dagster"]["environment"].items()})
    db_host_port = f"{COMPOSE_DB_HOST}:{env['DAGSTER_POSTGRES_PORT']}"
    overrides = {
        "DAGSTER_HOME": str(layout.dagster_home),
        "MEETUP_HOME": str(layout.meetup_home),
        "DAGSTER_POSTGRES_HOST": "127.0.0.1",
        "DAGSTER_POSTGRES_PORT": str(ports.postgres),
        "DAGSTER_POSTGRES_PASSWORD": password,
        "MEETUP_WAREHOUSE_URL": env["MEETUP_WAREHOUSE_URL"]
        .replace(f":{PLACEHOLDER_PASSWORD}@", f":{password}@")
        .replace(f"@{db_host_port}/", f"@127.0.0.1:{ports.postgres}/"),
    }
    assert password in overrides["MEETUP_WAREHOUSE_URL"], "unexpected MEETUP_WAREHOUSE_URL form"
    assert f"127.0.0.1:{ports.postgres}" in overrides["MEETUP_WAREHOUSE_URL"]
    env.update(overrides)
    return env


def write_dagster_home(layout: Layout, ports: Ports, instance_yaml: str | None = None) -> None:
    """$DAGSTER_HOME as the image has it: deploy/dagster.yaml and the workspace, the latter
    pointing at this machine's code server instead of the `user-code` container."""
    layout.dagster_home.mkdir(parents=True, exist_ok=True)
    if instance_yaml is None:
        shutil.copy(DEPLOY / "dagster.yaml", layout.dagster_home / "dagster.yaml")
    else:
        (layout.dagster_home / "dagster.yaml").write_text(instance_yaml)
    workspace = yaml.safe_load((DEPLOY / "workspace.yaml").read_text())
    (entry,) = workspace["load_from"]
    entry["grpc_server"].update(host="127.0.0.1", port=ports.code_server)
    (layout.dagster_home / "workspace.yaml").write_text(yaml.safe_dump(workspace))


def commands(layout: Layout, ports: Ports) -> dict[str, list[str]]:
    """The three Dagster services' commands, from the Dockerfile and the compose file."""
    services = compose()["services"]
    workspace = str(layout.dagster_home / "workspace.yaml")
    for name in ("webserver", "daemon"):
        argv = services[name]["command"]
        assert IMAGE_DAGSTER_HOME in argv[argv.index("-w") + 1], argv
    return {
        "user-code": with_options(image_cmd(), h="127.0.0.1", p=str(ports.code_server)),
        "daemon": with_options(services["daemon"]["command"], w=workspace),
        "webserver": with_options(
            services["webserver"]["command"],
            h="127.0.0.1",
            p=str(ports.webserver),
            w=workspace,
        ),
    }
