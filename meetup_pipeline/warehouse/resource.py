"""The one resource that owns the warehouse connection.

`MEETUP_WAREHOUSE_URL` selects an existing PostgreSQL server; without it the project
starts (or joins) its embedded server under `$MEETUP_HOME/pgdata`. Engines are cached
per process and per URL: Dagster builds resources per step, and a new pool per step
would reconnect for every asset.
"""

import logging
import threading

import dagster as dg
import sqlalchemy as sa
from pydantic import Field, PrivateAttr
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError

from meetup_pipeline.redaction import mask
from meetup_pipeline.settings.env import env_vars
from meetup_pipeline.settings.home import meetup_home
from meetup_pipeline.warehouse import disk
from meetup_pipeline.warehouse.embedded import ensure_server

log = logging.getLogger(__name__)

_ENGINES: dict[str, Engine] = {}
_ENGINES_LOCK = threading.Lock()
_ANNOUNCED: set[str] = set()


class WarehouseConfigError(ValueError):
    """A warehouse setting is wrong; the message names the variable to fix."""


class WarehouseUnavailable(RuntimeError):
    """The configured warehouse cannot be reached."""


def normalize_url(raw: str) -> URL:
    """Parse a libpq/SQLAlchemy PostgreSQL URL and select psycopg 3 (needed for COPY)."""
    try:
        url = make_url(raw.strip())
    except ArgumentError:
        raise WarehouseConfigError(
            "MEETUP_WAREHOUSE_URL is not a valid database URL; expected "
            "postgresql://user:password@host:5432/database"
        ) from None
    backend = url.drivername.split("+", 1)[0]
    if backend not in ("postgresql", "postgres"):
        raise WarehouseConfigError(
            f"MEETUP_WAREHOUSE_URL must point at PostgreSQL, not {backend!r}; "
            "expected postgresql://user:password@host:5432/database"
        )
    return url.set(drivername="postgresql+psycopg")


def redacted(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def engine_for(url: URL) -> Engine:
    key = url.render_as_string(hide_password=False)
    with _ENGINES_LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            engine = sa.create_engine(
                url,
                pool_pre_ping=True,
                pool_size=4,
                max_overflow=4,
                # a blackholed host fails in seconds instead of hanging the run
                connect_args={"connect_timeout": 10},
            )
            sa.event.listen(engine, "connect", _end_statements_of_a_gone_client)
            _ENGINES[key] = engine
    return engine


CLIENT_CHECK_INTERVAL_MS = 1000
"""How often a running statement asks whether its client is still there (PostgreSQL 14+)."""


def _end_statements_of_a_gone_client(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    """A statement ends within a second of its process exiting (Ctrl-C, SIGTERM, kill -9).

    Dagster turns Ctrl-C into `DagsterExecutionInterruptedError`, which psycopg does not
    treat as an interrupt, so it leaves the statement running; by default PostgreSQL only
    notices a gone client when it next writes to it. A long `INSERT ... SELECT` (or one
    waiting for a lock) then went on for minutes after the run had ended, holding its locks
    against the next run.
    """
    if dbapi_conn.info.server_version >= 140000:
        with dbapi_conn.cursor() as cur:
            cur.execute(
                "SELECT set_config('client_connection_check_interval', %s, false)",
                (str(CLIENT_CHECK_INTERVAL_MS),),
            )
        dbapi_conn.commit()


class Warehouse(dg.ConfigurableResource):
    """PostgreSQL warehouse: an existing server by URL, or the embedded one."""

    url: str | None = Field(
        default=None,
        description="PostgreSQL URL (MEETUP_WAREHOUSE_URL); unset = embedded server.",
    )
    _url: URL | None = PrivateAttr(default=None)

    def resolved_url(self) -> URL:
        if self._url is None:
            if self.url:
                self._url = normalize_url(self.url)
            else:
                server = ensure_server(meetup_home() / "pgdata")
                self._url = server.url()
        return self._url

    @property
    def is_embedded(self) -> bool:
        return not self.url

    def describe(self) -> str:
        """Where the data goes, safe to log (no password)."""
        kind = "embedded PostgreSQL" if self.is_embedded else "PostgreSQL"
        return f"{kind} at {redacted(self.resolved_url())}"

    def get_engine(self) -> Engine:
        url = self.resolved_url()
        engine = engine_for(url)
        disk.name_full_disk(
            engine,
            str(meetup_home() / "pgdata")
            if self.is_embedded
            else f"the data directory of the PostgreSQL server at {url.host or 'localhost'}",
        )
        key = redacted(url)
        if key not in _ANNOUNCED:
            self.check_connection(engine)
            _ANNOUNCED.add(key)
            log.info("Warehouse: %s", self.describe())
        return engine

    def check_connection(self, engine: Engine | None = None) -> None:
        """Fail early, naming the variable to fix, instead of deep inside a write."""
        url = self.resolved_url()
        engine = engine or engine_for(url)
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except sa.exc.OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            reason = mask(reason, url.password)
            fix = (
                "Fix MEETUP_WAREHOUSE_URL (in the environment or ./.env), or unset it to use "
                "the embedded PostgreSQL server."
                if self.url
                else f"See the embedded server's log in {meetup_home() / 'pgdata' / 'log'}."
            )
            raise WarehouseUnavailable(
                f"Cannot connect to the warehouse {redacted(url)}: {reason}. {fix}"
            ) from None


def warehouse_from_env() -> Warehouse:
    """The resource as Definitions wire it: the URL through EnvVar only when it is set."""
    return Warehouse(**env_vars({"url": "MEETUP_WAREHOUSE_URL"}))
