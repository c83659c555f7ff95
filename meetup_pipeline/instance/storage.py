"""Dagster run, event-log and schedule storage on PostgreSQL, chosen from the environment.

The classes here are dagster-postgres' own storages (`PostgresRunStorage`,
`PostgresEventLogStorage`, `PostgresScheduleStorage`) with a different way of finding the
server. `dagster.yaml` names them under `run_storage`, `event_log_storage` and
`schedule_storage`; each process that loads the instance (webserver, daemon, code server,
run worker) resolves the server again from its own environment:

1. `MEETUP_DAGSTER_STORAGE_URL`: a full database URL (`postgresql://user:pw@host/dagster`).
2. `DAGSTER_POSTGRES_HOST` (with `DAGSTER_POSTGRES_USER`, `DAGSTER_POSTGRES_PASSWORD`,
   `DAGSTER_POSTGRES_DB`, `DAGSTER_POSTGRES_PORT`): the variable names of Dagster's
   reference Docker deployment.
3. Neither set: the project's embedded PostgreSQL server in `$MEETUP_HOME/pgdata`
   (database `dagster`), started on first use and shared by every process. A config can
   forbid this fallback (`embedded_fallback: false`) so a misconfigured container fails
   instead of quietly keeping state in itself. (`deploy/dagster.yaml` uses dagster-postgres'
   own config instead; these classes earn their place by the zero-setup local default.)

Whatever the source, dagster-postgres is given a `postgresql+psycopg2://` URL: with
SQLAlchemy 2.1 a bare `postgresql://` selects psycopg 3, and dagster-postgres' instance
storage then fails at its first NOTIFY (`syntax error at or near "$1"`).

The instance config (and so the serialized instance ref that Dagster passes to child
processes) holds only these options, never a URL or a password.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from dagster import BoolSource, DagsterEvent, DagsterEventType, Field, StringSource
from dagster_postgres.event_log import PostgresEventLogStorage
from dagster_postgres.run_storage import PostgresRunStorage
from dagster_postgres.schedule_storage import PostgresScheduleStorage
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from meetup_pipeline.dagster_private import (
    ConfigurableClassData,
    LocalArtifactStorage,
    LocalComputeLogManager,
)
from meetup_pipeline.instance import startup
from meetup_pipeline.instance.planned_events import (
    EVENT_LOG_FIELDS,
    BulkPlannedEventsMixin,
)
from meetup_pipeline.instance.recovery import RunWorker
from meetup_pipeline.redaction import mask
from meetup_pipeline.settings import env as settings_env
from meetup_pipeline.settings.home import meetup_home
from meetup_pipeline.warehouse.disk import DiskFullError, name_full_disk_on

log = logging.getLogger(__name__)

STORAGE_URL_ENV = "MEETUP_DAGSTER_STORAGE_URL"
PG_HOST_ENV = "DAGSTER_POSTGRES_HOST"
PG_PORT_ENV = "DAGSTER_POSTGRES_PORT"
PG_USER_ENV = "DAGSTER_POSTGRES_USER"
PG_PASSWORD_ENV = "DAGSTER_POSTGRES_PASSWORD"
PG_DB_ENV = "DAGSTER_POSTGRES_DB"
EMBEDDED_DATABASE = "dagster"
DRIVERNAME = "postgresql+psycopg2"
CONNECT_TIMEOUT_SECONDS = 5

_URL_EXAMPLE = "postgresql://USER:PASSWORD@HOST:5432/dagster"


class StorageConfigError(click.ClickException):
    """The Dagster storage settings are wrong; the message names what to change.

    A `ClickException`, so Dagster's CLIs (`dagster dev`, `dagster-webserver`,
    `dagster-daemon`, ...) print just `Error: <message>` instead of a traceback.
    """


class StorageDiskFullError(DiskFullError, click.ClickException):
    """The disk under Dagster's own storage filled during a run (an event, a run status).

    A `ClickException` as well: when it ends `dagster asset materialize` (the run's last
    event could not be stored), Dagster's CLI prints its one line instead of a traceback.
    The run left in STARTED is failed by the next run (`recovery`); its windows were each
    written whole or not at all, so the ordinary rerun heals.
    """

    def __init__(self, message: str) -> None:
        click.ClickException.__init__(self, message)


@dataclass(frozen=True)
class StorageTarget:
    """A resolved storage server: `url` carries the password, `redacted` does not."""

    url: str
    source: str
    variable: str | None
    """The environment variable to fix when this target is wrong; None for embedded."""

    @property
    def redacted(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)


def normalize_postgres_url(raw: str, variable: str = STORAGE_URL_ENV) -> str:
    """`raw` as a SQLAlchemy URL that dagster-postgres can use (driver psycopg2).

    Accepts `postgres://`, `postgresql://` and `postgresql+<any driver>://`. Errors never
    repeat the raw value, which may hold a password.
    """
    text = raw.strip()
    if text.startswith("postgres://"):
        text = "postgresql://" + text[len("postgres://") :]
    try:
        url = make_url(text)
    except (ArgumentError, ValueError):
        raise StorageConfigError(
            f"{variable} is not a database URL. Set it to a URL like {_URL_EXAMPLE}, "
            "or unset it to use the embedded PostgreSQL server."
        ) from None
    if url.get_backend_name() != "postgresql":
        raise StorageConfigError(
            f"{variable} must point at PostgreSQL (got a {url.get_backend_name()!r} URL). "
            f"Set it to a URL like {_URL_EXAMPLE}."
        )
    if not url.database:
        raise StorageConfigError(
            f"{variable} names no database. Add one to the path, like {_URL_EXAMPLE}."
        )
    return url.set(drivername=DRIVERNAME).render_as_string(hide_password=False)


def _from_parts(environ: Mapping[str, str]) -> StorageTarget:
    host = environ[PG_HOST_ENV].strip()
    missing = [name for name in (PG_USER_ENV, PG_DB_ENV) if not environ.get(name, "").strip()]
    if missing:
        raise StorageConfigError(
            f"{PG_HOST_ENV} is set, so Dagster storage is read from the DAGSTER_POSTGRES_* "
            f"variables, but {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} "
            f"empty. Set {' and '.join(missing)}, or unset {PG_HOST_ENV}."
        )
    raw_port = environ.get(PG_PORT_ENV, "").strip() or "5432"
    if not raw_port.isdigit():
        raise StorageConfigError(f"{PG_PORT_ENV} must be a port number, got {raw_port!r}.")
    url = URL.create(
        DRIVERNAME,
        username=environ[PG_USER_ENV].strip(),
        password=environ.get(PG_PASSWORD_ENV) or None,
        host=host,
        port=int(raw_port),
        database=environ[PG_DB_ENV].strip(),
    )
    return StorageTarget(
        url=url.render_as_string(hide_password=False),
        source=f"{PG_HOST_ENV} and the other DAGSTER_POSTGRES_* variables",
        variable=f"{PG_HOST_ENV}/{PG_USER_ENV}/{PG_PASSWORD_ENV}/{PG_DB_ENV}",
    )


@dataclass(frozen=True)
class EmbeddedStorage:
    """No storage variable is set: the embedded server in `pgdata`, which the storage's
    factory starts (`instance/startup.py`); resolving it starts nothing."""

    pgdata: Path
    database: str


def start_embedded(choice: EmbeddedStorage) -> StorageTarget:
    """Start the embedded server (the one place, `startup`) and pin the home for children."""
    try:
        server = startup.start_embedded_server(choice.pgdata, choice.database)
    except DiskFullError as exc:
        raise StorageConfigError(f"Dagster storage: {exc}") from None
    except Exception as exc:
        raise StorageConfigError(
            f"Dagster storage: the embedded PostgreSQL server in {choice.pgdata} did not start "
            f"({exc}). Set MEETUP_HOME to another directory, or {STORAGE_URL_ENV} to an "
            "external server."
        ) from None
    startup.pin_home(choice.pgdata.parent)
    return StorageTarget(
        url=server.url(choice.database, driver="psycopg2").render_as_string(hide_password=False),
        source=f"the embedded PostgreSQL server in {choice.pgdata}",
        variable=None,
    )


def resolve_storage(
    environ: Mapping[str, str] | None = None,
    *,
    embedded_fallback: bool = True,
    embedded_database: str = EMBEDDED_DATABASE,
) -> StorageTarget | EmbeddedStorage:
    """Which PostgreSQL server holds Dagster's storage; see the module docstring."""
    environ = settings_env.environ(environ)
    raw_url = environ.get(STORAGE_URL_ENV, "").strip()
    if raw_url:
        return StorageTarget(
            url=normalize_postgres_url(raw_url, STORAGE_URL_ENV),
            source=STORAGE_URL_ENV,
            variable=STORAGE_URL_ENV,
        )
    if environ.get(PG_HOST_ENV, "").strip():
        return _from_parts(environ)
    if not embedded_fallback:
        raise StorageConfigError(
            f"No Dagster storage is configured: set {STORAGE_URL_ENV} (a URL like "
            f"{_URL_EXAMPLE}) or {PG_HOST_ENV}, {PG_USER_ENV}, {PG_PASSWORD_ENV} and "
            f"{PG_DB_ENV}. This instance config does not start an embedded server."
        )
    return EmbeddedStorage(meetup_home() / "pgdata", embedded_database)


def _reason(exc: BaseException, password: str | None) -> str:
    original = getattr(exc, "orig", None) or exc
    text = mask(re.sub(r"\s+", " ", str(original)).strip(), password)
    return text or type(original).__name__


_checked: set[str] = set()


def check_connection(target: StorageTarget, timeout: int = CONNECT_TIMEOUT_SECONDS) -> None:
    """Connect once, quickly, so a wrong URL is one clear error instead of retry noise."""
    if target.url in _checked:
        return
    url = make_url(target.url)
    engine = sa.create_engine(
        url, poolclass=sa.pool.NullPool, connect_args={"connect_timeout": timeout}
    )
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:
        fix = (
            f"Fix {target.variable} (in the environment or ./.env), or unset it to use the "
            "embedded PostgreSQL server."
            if target.variable
            else f"See the server log {meetup_home() / 'pgdata' / 'log'}."
        )
        raise StorageConfigError(
            f"Dagster storage: cannot connect to {target.redacted} (from {target.source}). "
            f"{fix} Cause: {_reason(exc, url.password)}"
        ) from None
    finally:
        engine.dispose()
    _checked.add(target.url)
    log.info("Dagster storage: %s (from %s)", target.redacted, target.source)


STORAGE_CONFIG_SCHEMA = {
    "embedded_fallback": Field(
        BoolSource,
        is_required=False,
        default_value=True,
        description=(
            "Use the embedded PostgreSQL server when no storage variables are set. "
            "Set false in deployments, where a missing variable must be an error."
        ),
    ),
    "embedded_database": Field(
        StringSource,
        is_required=False,
        default_value=EMBEDDED_DATABASE,
        description="Database for Dagster's tables in the embedded server.",
    ),
    "should_autocreate_tables": Field(bool, is_required=False, default_value=True),
}


def storage_url_from_config(config_value: Mapping[str, Any]) -> str:
    """Resolve, start if embedded, and check the server for one storage's `config_value`."""
    choice = resolve_storage(
        embedded_fallback=config_value.get("embedded_fallback", True),
        embedded_database=config_value.get("embedded_database", EMBEDDED_DATABASE),
    )
    target = start_embedded(choice) if isinstance(choice, EmbeddedStorage) else choice
    check_connection(target)
    url = make_url(target.url)
    where = (
        str(choice.pgdata)
        if isinstance(choice, EmbeddedStorage)
        else f"the data directory of Dagster's PostgreSQL server at {url.host or 'localhost'}"
    )
    name_full_disk_on(url, where, StorageDiskFullError)
    return target.url


class _ResolvedServer:
    """Builds a dagster-postgres storage on the server chosen by `resolve_storage`."""

    @classmethod
    def config_type(cls):  # type: ignore[no-untyped-def]
        return STORAGE_CONFIG_SCHEMA

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData | None, config_value: Mapping[str, Any]
    ) -> Any:
        return cls(  # type: ignore[call-arg]
            postgres_url=storage_url_from_config(config_value),
            should_autocreate_tables=config_value.get("should_autocreate_tables", True),
            inst_data=inst_data,
        )


class MeetupRunStorage(_ResolvedServer, PostgresRunStorage):
    """`PostgresRunStorage` on the server chosen by `resolve_storage`.

    The process that reports a run's start is the one executing it: its host, pid and
    start time are written as run tags just before the status turns STARTED (the order
    Dagster itself uses for its failure-reason tag), so no run is ever STARTED without a
    process that `recovery` can prove dead, however early it is killed.
    """

    def handle_run_event(
        self, run_id: str, event: DagsterEvent, update_timestamp: datetime | None = None
    ) -> None:
        if event.event_type == DagsterEventType.PIPELINE_START:
            self.add_run_tags(run_id, RunWorker.current().tags())
        super().handle_run_event(run_id, event, update_timestamp)


class MeetupEventLogStorage(_ResolvedServer, BulkPlannedEventsMixin, PostgresEventLogStorage):
    """`PostgresEventLogStorage` on the server chosen by `resolve_storage`.

    With bulk planned events and range check results (`instance/planned_events.py`): they
    take a ten-year single-run backfill's run creation from minutes to seconds and need no
    `DAGSTER_EVENT_BATCH_SIZE` for themselves. Its config also takes `event_batch_size`
    (`instance/event_batching.py`).
    """

    @classmethod
    def config_type(cls):  # type: ignore[no-untyped-def]
        return {
            **STORAGE_CONFIG_SCHEMA,
            **EVENT_LOG_FIELDS,
        }

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData | None, config_value: Mapping[str, Any]
    ) -> Any:
        startup.set_event_batch_size(config_value)
        startup.quiet_dagster_notices()
        storage = super().from_config_value(inst_data, config_value)
        storage.bulk_planned_events = config_value.get("bulk_planned_events", True)
        return storage


class MeetupScheduleStorage(_ResolvedServer, PostgresScheduleStorage):
    """`PostgresScheduleStorage` on the server chosen by `resolve_storage`."""


def _dagster_dir(*parts: str) -> str:
    return str(Path(meetup_home(), "dagster", *parts))


class MeetupLocalArtifactStorage(LocalArtifactStorage):
    """Local artifacts (fs_io_manager outputs, file manager) under `$MEETUP_HOME/dagster`.

    With `DAGSTER_HOME` unset, Dagster's CLIs otherwise use a temporary directory that is
    deleted on exit, losing stored outputs between `dagster dev` sessions.
    """

    @classmethod
    def config_type(cls):  # type: ignore[override]
        return {"base_dir": Field(StringSource, is_required=False)}

    @classmethod
    def from_config_value(  # type: ignore[override]
        cls, inst_data: ConfigurableClassData | None, config_value: Mapping[str, Any]
    ) -> MeetupLocalArtifactStorage:
        return cls(base_dir=config_value.get("base_dir") or _dagster_dir(), inst_data=inst_data)


class MeetupComputeLogManager(LocalComputeLogManager):
    """Captured step stdout/stderr under `$MEETUP_HOME/dagster/logs`, kept across restarts."""

    @classmethod
    def config_type(cls):  # type: ignore[override]
        return {
            "base_dir": Field(StringSource, is_required=False),
            "polling_timeout": Field(float, is_required=False),
        }

    @classmethod
    def from_config_value(  # type: ignore[override]
        cls, inst_data: ConfigurableClassData | None, config_value: Mapping[str, Any]
    ) -> MeetupComputeLogManager:
        return cls(
            base_dir=config_value.get("base_dir") or _dagster_dir("logs"),
            polling_timeout=config_value.get("polling_timeout"),
            inst_data=inst_data,
        )
