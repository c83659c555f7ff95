"""How Dagster's storage server is chosen, and the messages when the settings are wrong.

No server here: resolution and URL handling are checked against a plain dict environment.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster._core.instance.config import dagster_instance_config
from sqlalchemy.engine import make_url

from meetup_pipeline.instance.storage import (
    PG_DB_ENV,
    PG_HOST_ENV,
    PG_PASSWORD_ENV,
    PG_PORT_ENV,
    PG_USER_ENV,
    STORAGE_URL_ENV,
    StorageConfigError,
    normalize_postgres_url,
    resolve_storage,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
SECRET = "s3cret-Pw"


@pytest.mark.parametrize(
    "raw",
    [
        f"postgresql://u:{SECRET}@db.example:5433/dagster",
        f"postgres://u:{SECRET}@db.example:5433/dagster",
        f"postgresql+psycopg://u:{SECRET}@db.example:5433/dagster",
        f"postgresql+psycopg2://u:{SECRET}@db.example:5433/dagster",
        f"  postgresql+asyncpg://u:{SECRET}@db.example:5433/dagster\n",
    ],
)
def test_urls_are_normalized_to_psycopg2(raw: str) -> None:
    url = make_url(normalize_postgres_url(raw))
    assert url.drivername == "postgresql+psycopg2"
    assert (url.username, url.password, url.host, url.port, url.database) == (
        "u",
        SECRET,
        "db.example",
        5433,
        "dagster",
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (f"mysql://u:{SECRET}@h/dagster", "must point at PostgreSQL"),
        (f"u:{SECRET}@h/dagster", "is not a database URL"),
        (f"postgresql://u:{SECRET}@h", "names no database"),
    ],
)
def test_bad_urls_name_the_variable_not_the_password(raw: str, expected: str) -> None:
    with pytest.raises(StorageConfigError) as info:
        normalize_postgres_url(raw)
    message = str(info.value)
    assert expected in message
    assert STORAGE_URL_ENV in message
    assert SECRET not in message


def test_url_variable_wins_over_parts() -> None:
    target = resolve_storage(
        {STORAGE_URL_ENV: "postgresql://a@url-host/d1", PG_HOST_ENV: "parts-host"}
    )
    assert make_url(target.url).host == "url-host"
    assert target.variable == STORAGE_URL_ENV


def test_parts_build_a_psycopg2_url_and_redact_the_password() -> None:
    target = resolve_storage(
        {
            PG_HOST_ENV: "postgres",
            PG_PORT_ENV: "6543",
            PG_USER_ENV: "meetup",
            PG_PASSWORD_ENV: "p@ss/word",
            PG_DB_ENV: "dagster",
        }
    )
    url = make_url(target.url)
    assert url.drivername == "postgresql+psycopg2"
    assert (url.host, url.port, url.username, url.password, url.database) == (
        "postgres",
        6543,
        "meetup",
        "p@ss/word",
        "dagster",
    )
    assert "p@ss" not in target.redacted


def test_parts_with_missing_user_name_it() -> None:
    with pytest.raises(StorageConfigError, match=PG_USER_ENV):
        resolve_storage({PG_HOST_ENV: "postgres", PG_DB_ENV: "dagster"})


def test_parts_with_bad_port_name_it() -> None:
    with pytest.raises(StorageConfigError, match=PG_PORT_ENV):
        resolve_storage({PG_HOST_ENV: "h", PG_USER_ENV: "u", PG_DB_ENV: "d", PG_PORT_ENV: "five"})


def test_no_fallback_and_nothing_set_names_the_variables() -> None:
    with pytest.raises(StorageConfigError) as info:
        resolve_storage({STORAGE_URL_ENV: "  "}, embedded_fallback=False)
    assert STORAGE_URL_ENV in str(info.value)
    assert PG_HOST_ENV in str(info.value)


def test_committed_dagster_yaml_is_valid_and_wired() -> None:
    config, _ = dagster_instance_config(str(REPO_ROOT))
    for key, cls in [
        ("run_storage", "MeetupRunStorage"),
        ("event_log_storage", "MeetupEventLogStorage"),
        ("schedule_storage", "MeetupScheduleStorage"),
        ("local_artifact_storage", "MeetupLocalArtifactStorage"),
        ("compute_logs", "MeetupComputeLogManager"),
    ]:
        assert config[key]["module"] == "meetup_pipeline.instance.storage"
        assert config[key]["class"] == cls
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    runs = config["concurrency"]["runs"]
    (backfill,) = [t for t in runs["tag_concurrency_limits"] if t["key"] == "dagster/backfill"]
    assert 0 < backfill["limit"] < runs["max_concurrent_runs"]
    assert config["concurrency"]["pools"]["default_limit"] == 1
    assert config["run_retries"]["enabled"] is True
    assert config["telemetry"]["enabled"] is False
