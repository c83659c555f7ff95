"""The Dagster resource: configuration from MEETUP_* variables, source selection, redaction."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import dagster as dg
import httpx
import pytest

from meetup_pipeline.defs.resources import SandboxMeetupResource, meetup_resource_from_env
from meetup_pipeline.meetup.errors import (
    MeetupAuthError,
    MeetupConfigError,
    MeetupHTTPError,
    MeetupQueryError,
    MeetupRetryError,
)
from meetup_pipeline.meetup.resource import (
    DEFAULT_API_URL,
    ENV_VARS,
    MeetupResource,
    _run_sync,
)

from .conftest import DATING, with_client
from .fakeapi import API, group_node, respond

SECRETS = {
    "access_token": "AT-secret-4f1c9e2b7d",
    "client_secret": "CS-secret-8e3a1f6c2b",
    "refresh_token": "RT-secret-2d7b9a4e1f",
}


@pytest.fixture
def no_meetup_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for var in ENV_VARS.values():
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


@pytest.mark.parametrize(
    ("settings", "missing", "not_missing"),
    [
        (
            {"client_id": "c", "client_secret": SECRETS["client_secret"]},
            ["MEETUP_REFRESH_TOKEN"],
            [],
        ),
        (
            {"refresh_token": SECRETS["refresh_token"]},
            ["MEETUP_CLIENT_ID", "MEETUP_CLIENT_SECRET"],
            [],
        ),
        (
            {"client_id": "c", "member_id": "m"},
            ["MEETUP_SIGNING_KEY_ID", "MEETUP_PRIVATE_KEY_FILE"],
            ["set MEETUP_CLIENT_ID"],
        ),
        ({"client_id": "c"}, ["MEETUP_CLIENT_SECRET", "MEETUP_MEMBER_ID"], []),
    ],
)
def test_incomplete_credentials_name_the_missing_variables(settings, missing, not_missing) -> None:
    resource = MeetupResource(**settings)
    with pytest.raises(MeetupConfigError) as info:
        resource.auth_flow()
    message = str(info.value)
    for var in missing:
        assert var in message
    for text in not_missing:
        assert text not in message
    for secret in SECRETS.values():
        assert secret not in message


def test_flows_and_sources() -> None:
    assert MeetupResource().auth_flow() == "none"
    assert MeetupResource().source == "api" and MeetupResource().url == DEFAULT_API_URL
    assert MeetupResource(access_token="tok-abcdef").auth_flow() == "static"
    refresh = MeetupResource(client_id="c", client_secret="s-abcdef", refresh_token="r-abcdef")
    assert refresh.auth_flow() == "refresh_token"
    assert refresh.source == "api" and refresh.url == DEFAULT_API_URL
    jwt = MeetupResource(client_id="c", member_id="m", signing_key_id="k", private_key_file="f")
    assert jwt.auth_flow() == "jwt_bearer"
    # an URL without credentials is an open API (e.g. `meetup-sandbox serve`), not the sandbox
    served = MeetupResource(api_url="http://127.0.0.1:8765/gql-ext")
    assert served.source == "api" and served.url == "http://127.0.0.1:8765/gql-ext"


def test_reading_the_source_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    """A property is a value: the sandbox is announced when a run sets the resource up
    (`test_from_env_without_variables_runs_on_the_sandbox`), not whenever it is read."""
    resource = SandboxMeetupResource()
    with caplog.at_level(logging.DEBUG):
        assert resource.source == "sandbox"
        assert resource.source == "sandbox"
    assert not caplog.records


def test_from_env_wires_only_the_variables_that_are_set(no_meetup_env) -> None:
    no_meetup_env.setenv("MEETUP_CLIENT_ID", "client-key-1")
    no_meetup_env.setenv("MEETUP_CLIENT_SECRET", SECRETS["client_secret"])
    no_meetup_env.setenv("MEETUP_REFRESH_TOKEN", SECRETS["refresh_token"])
    no_meetup_env.setenv("MEETUP_MEMBER_ID", "")  # empty counts as unset
    resource = meetup_resource_from_env(page_size=50)
    assert type(resource) is MeetupResource  # credentials: the real API, not the sandbox
    assert isinstance(resource.client_secret, dg.EnvVar)
    assert resource.client_secret.env_var_name == "MEETUP_CLIENT_SECRET"  # a name, no value
    assert SECRETS["client_secret"] not in repr(resource)
    assert resource.member_id is None and resource.api_url is None
    assert resource.page_size == 50  # explicit overrides win

    seen: dict[str, object] = {}

    @dg.asset
    def probe(meetup: MeetupResource) -> None:
        seen["flow"] = meetup.auth_flow()
        seen["secret"] = meetup.client_secret
        seen["repr"] = repr(meetup)

    assert dg.materialize([probe], resources={"meetup": resource}).success
    assert seen["flow"] == "refresh_token" and seen["secret"] == SECRETS["client_secret"]
    assert SECRETS["client_secret"] not in str(seen["repr"])


def test_from_env_without_variables_runs_on_the_sandbox(no_meetup_env) -> None:
    resource = meetup_resource_from_env()
    assert isinstance(resource, SandboxMeetupResource)
    assert all(getattr(resource, f) is None for f in ENV_VARS)

    @dg.asset
    def probe(meetup: MeetupResource) -> str:
        return meetup.source

    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize([probe], resources={"meetup": resource}, instance=instance)
        assert result.output_for_node("probe") == "sandbox"
        messages = [entry.user_message for entry in instance.all_logs(result.run_id)]
    # the notice reaches the run's event log, not only Python's logging
    assert sum("using the offline Meetup sandbox" in m for m in messages) == 1


def test_incomplete_credentials_fail_at_resource_setup(no_meetup_env) -> None:
    no_meetup_env.setenv("MEETUP_CLIENT_ID", "client-key-1")
    no_meetup_env.setenv("MEETUP_CLIENT_SECRET", SECRETS["client_secret"])

    @dg.asset
    def probe(meetup: MeetupResource) -> None:
        raise AssertionError("the asset must not run")

    with pytest.raises(dg.DagsterResourceFunctionError) as info:
        dg.materialize([probe], resources={"meetup": meetup_resource_from_env()})
    cause = info.value.__cause__
    assert isinstance(cause, MeetupConfigError) and "set MEETUP_REFRESH_TOKEN" in str(cause)
    assert SECRETS["client_secret"] not in str(cause)


def test_reprs_never_show_secrets() -> None:
    resource = MeetupResource(client_id="client-key-1", **SECRETS)
    for text in (repr(resource), str(resource), f"{resource}"):
        assert "client-key-1" in text
        for secret in SECRETS.values():
            assert secret not in text
    provider = resource.token_provider()
    assert SECRETS["refresh_token"] not in repr(provider) + repr(vars(provider).get("redactor"))


def _echoing_token_server(form: dict[str, str]) -> httpx.Response:
    return httpx.Response(
        200, json={"access_token": "minted-" + form["refresh_token"], "expires_in": 3600}
    )


@pytest.mark.parametrize(
    ("fault", "error", "shown"),
    [
        (
            lambda r: httpx.Response(403, text=f"denied {r.headers['Authorization']}"),
            MeetupHTTPError,
            "HTTP 403 from the Meetup API: denied Bearer ***",
        ),
        (
            lambda r: httpx.Response(
                200, json={"errors": [{"message": f"bad {r.headers['Authorization']}"}]}
            ),
            MeetupQueryError,
            "the API rejected the query: bad Bearer ***",
        ),
        # These two never quote the body that echoes the token: only its status.
        (
            lambda r: httpx.Response(401, text=r.headers["Authorization"]),
            MeetupAuthError,
            "(HTTP 401) again after a token refresh",
        ),
        (
            lambda r: httpx.Response(500, text=r.headers["Authorization"]),
            MeetupRetryError,
            "gave up after 2 attempts (last problem: HTTP 500)",
        ),
    ],
    ids=["403", "validation", "401", "500"],
)
def test_secrets_and_minted_tokens_stay_out_of_logs_and_errors(
    fake, clock, caplog: pytest.LogCaptureFixture, fault, error, shown
) -> None:
    resource = MeetupResource(
        api_url=API,
        client_id="client-key-1",
        max_attempts=2,
        **SECRETS,
    )
    fake.groups_by_query = {"dating": [group_node(0)]}
    fake.token_handler = _echoing_token_server
    fake.faults = [fault] * 4

    async def use(client):
        try:
            await client.search_groups()
        except error as exc:
            return exc, client.stats
        raise AssertionError("expected a failure")

    with caplog.at_level(logging.DEBUG):
        exc, stats = with_client(fake, clock, use, resource=resource, sources=DATING)
    minted = "minted-" + SECRETS["refresh_token"]
    sent = {r["auth"] for r in fake.requests}
    assert sent & {f"Bearer {SECRETS['access_token']}", f"Bearer {minted}"}  # secrets were used
    exposed = "\n".join([str(exc), repr(exc), caplog.text, str(stats.as_dict()), repr(resource)])
    for secret in [*SECRETS.values(), minted]:
        assert secret not in exposed
    assert shown in str(exc)
    # every echoed credential that reached the message was masked, not cut off
    assert str(exc).count("Bearer") == str(exc).count("Bearer ***")
    if error is MeetupAuthError:
        assert stats.token_refreshes == 1  # the token really was replaced before giving up
    if error is MeetupRetryError:
        assert stats.retries == 1


def test_extract_window_is_sync_even_inside_a_running_loop() -> None:
    async def answer() -> int:
        await asyncio.sleep(0)
        return 42

    assert _run_sync(answer()) == 42

    async def inside() -> int:
        return _run_sync(answer())

    assert asyncio.run(inside()) == 42


def test_extract_window_over_an_injected_transport(fake, clock) -> None:
    fake.groups_by_query = {"dating": [group_node(0)]}
    fake.events_by_group = {"group-0": []}
    resource = MeetupResource(api_url=API)
    start, end = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 2, tzinfo=UTC)
    result = asyncio.run(
        resource.aextract_window(
            start, end, transport=fake.transport(), clock=clock, sources=DATING
        )
    )
    assert [g.model.urlname for g in result.groups] == ["group-0"] and result.events == []
    assert result.source == "api" and result.window == (start, end)
    assert fake.faults == [] and respond  # the fake saw no injected faults


def test_the_log_filter_masks_a_secret_that_slipped_into_a_message(caplog) -> None:
    from meetup_pipeline.meetup.errors import get_logger

    secret = "slipped-secret-61d0c3"
    MeetupResource(access_token=secret).redactor()  # registers the resource's secrets
    with caplog.at_level(logging.INFO):
        get_logger("meetup_pipeline.meetup.test").warning("careless: %s", secret)
    assert "careless: ***" in caplog.text and secret not in caplog.text


def test_the_real_api_without_credentials_is_refused_at_setup() -> None:
    import dagster as dg

    from meetup_pipeline.meetup import MeetupConfigError, MeetupResource

    for resource in (MeetupResource(api_url="https://api.meetup.com/gql-ext"), MeetupResource()):
        with pytest.raises(MeetupConfigError, match="MEETUP_ACCESS_TOKEN"):
            resource.setup_for_execution(dg.build_init_resource_context())
    # a sandbox served locally needs no credentials
    MeetupResource(api_url="http://127.0.0.1:8765/gql-ext").setup_for_execution(
        dg.build_init_resource_context()
    )


def _chain(exc: BaseException | None) -> list[BaseException]:
    seen: list[BaseException] = []
    while exc is not None and exc not in seen:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


def test_a_failed_extraction_is_not_chained_to_the_event_loop_probe(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import traceback

    monkeypatch.setenv("MEETUP_SANDBOX_FAULTS", "http_5xx=1.0")
    resource = SandboxMeetupResource(max_attempts=1, deadline_s=5)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    with pytest.raises(MeetupRetryError) as info:
        resource.extract_window(start, start.replace(day=2), sources=DATING)
    assert "HTTP 5" in str(info.value)
    # not even as a suppressed context, which Dagster's error records would still carry
    assert not any("no running event loop" in str(e) for e in _chain(info.value))

    async def broken() -> None:
        raise ValueError("the real problem")

    with pytest.raises(ValueError) as plain:
        _run_sync(broken())
    text = "".join(traceback.format_exception(plain.value))
    assert "the real problem" in text and "no running event loop" not in text
