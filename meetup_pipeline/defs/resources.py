"""The wiring: the Meetup source (the real API, or the in-process sandbox) and the settings.

Like Dagster's `project_fully_featured` picks resources per environment, this module (and
not the client) decides where extraction reads from. With Meetup credentials or
`MEETUP_API_URL` set, it is `MeetupResource` over HTTP; with neither, it is
`SandboxMeetupResource`, which serves the same client from the offline sandbox in this
process, so a fresh clone runs end to end with nothing configured. The client package
(`meetup_pipeline.meetup`) never imports the sandbox; only this module joins them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import dagster as dg
import httpx

from meetup_pipeline.meetup import MeetupResource
from meetup_pipeline.meetup.errors import get_logger
from meetup_pipeline.meetup.ratelimit import Clock, PointsBudget
from meetup_pipeline.meetup.resource import ENV_VARS, wants_sandbox
from meetup_pipeline.meetup.transport import Source
from meetup_pipeline.sandbox.app import sandbox_transport
from meetup_pipeline.sandbox.config import SandboxConfig
from meetup_pipeline.settings.alerts import AlertSettings
from meetup_pipeline.settings.dashboard import DashboardSettings
from meetup_pipeline.settings.env import env_vars, value, values
from meetup_pipeline.settings.region import RegionSettings
from meetup_pipeline.settings.reject import RejectPolicySettings
from meetup_pipeline.warehouse.io_manager import PostgresIOManager
from meetup_pipeline.warehouse.resource import Warehouse, warehouse_from_env

log = get_logger(__name__)

SANDBOX_URL = "http://meetup-sandbox.invalid/gql-ext"
"""Only a label: in-process requests go through an ASGI transport, never a socket."""
SANDBOX_NOTICE = "using the offline Meetup sandbox (no MEETUP_* credentials or URL set)"
UNLIMITED_POINTS = 1_000_000_000


class SandboxMeetupResource(MeetupResource):
    """`MeetupResource` answered by the offline sandbox, in process (no socket)."""

    @property
    def source(self) -> Literal["sandbox", "api"]:
        return "sandbox"

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Say once per run, in its event log, that the data is the sandbox's."""
        super().setup_for_execution(context)
        log.info(SANDBOX_NOTICE)

    def default_url(self) -> str:
        return SANDBOX_URL

    def api_source(self) -> Source:
        """No socket: only the sandbox's own faults can make it fail."""
        return Source(
            "the in-process sandbox",
            "it runs in this process and has no address to check",
            blame="; the in-process sandbox fails only by MEETUP_SANDBOX_FAULTS",
        )

    def sandbox_config(self) -> SandboxConfig:
        """The sandbox's `MEETUP_SANDBOX_*` settings.

        It throttles only when `MEETUP_SANDBOX_RATE_LIMIT` asks for it: a local stand-in
        that paced every run at Meetup's 500 points a minute would make each quickstart
        and test wait minutes for nothing. Rehearse the real budget with
        `MEETUP_SANDBOX_RATE_LIMIT=graphql` (or `http429`); the client then paces itself.
        """
        config = SandboxConfig.from_env()
        if not value("MEETUP_SANDBOX_RATE_LIMIT"):
            config = config.model_copy(
                update={"rate_limit": config.rate_limit.model_copy(update={"enabled": False})}
            )
        return config

    def default_transport(self) -> httpx.AsyncBaseTransport:
        return sandbox_transport(self.sandbox_config())

    def default_budget(self, clock: Clock | None) -> PointsBudget | None:
        """No pacing against a sandbox that was asked not to throttle."""
        if self.sandbox_config().rate_limit.enabled:
            return None
        return PointsBudget(UNLIMITED_POINTS, clock)


def meetup_resource_from_env(**overrides: Any) -> MeetupResource:
    """The Meetup source the environment asks for, its credentials through `dg.EnvVar`.

    It says how to reach the API, not what to ask for: the extracting assets hand the
    client the `region` resource's sources (`RegionSettings`), so a run's config that
    overrides `region` changes what is extracted and what the dashboard says alike.
    Explicit overrides win.
    """
    settings = env_vars(ENV_VARS)
    sandbox = wants_sandbox(settings)
    wired = {**settings, **overrides}
    return SandboxMeetupResource(**wired) if sandbox else MeetupResource(**wired)


def source_for(environ: Mapping[str, str] | None = None) -> Literal["sandbox", "api"]:
    """Which source `meetup_resource_from_env` would wire for these variables."""
    return "sandbox" if wants_sandbox(values(ENV_VARS, environ)) else "api"


def settings_resources() -> dict[str, dg.ConfigurableResource]:
    """The settings resources, each field a `dg.EnvVar` when its variable is set (validated
    by `validation.py` when the code location loads; a run's config may override them)."""
    return {
        "region": RegionSettings.wired(),
        "reject_policy": RejectPolicySettings.wired(),
        "dashboard_settings": DashboardSettings.wired(),
        "alerts": AlertSettings.wired(),
    }


def project_resources(warehouse: Warehouse, meetup: MeetupResource) -> dict[str, Any]:
    """The resources the assets, checks, schedules and sensors ask for, by key: one
    warehouse (also behind the IO manager), one Meetup source, and the settings."""
    return {
        "warehouse": warehouse,
        "io_manager": PostgresIOManager(warehouse=warehouse),
        "meetup": meetup,
        **settings_resources(),
    }


@dg.definitions
def resources() -> dg.Definitions:
    """The environment's warehouse (`MEETUP_WAREHOUSE_URL`, else the embedded server) and
    Meetup source (the API with credentials or `MEETUP_API_URL`, else the sandbox)."""
    return dg.Definitions(
        resources=project_resources(warehouse_from_env(), meetup_resource_from_env())
    )
