"""Preflight reads selections as Dagster does, checks the sandbox settings, probes the API."""

import json
import os
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pytest

from meetup_pipeline import preflight
from meetup_pipeline.definitions import defs
from meetup_pipeline.preflight import PreflightError

REPO = defs.get_repository_def()


@pytest.mark.parametrize(
    ("select", "expected"),
    [
        ("group:marts", "group:marts"),
        ("key:fact_events", "fact_events"),
        ("fact_events+", "fact_events+"),
        ("*", "*"),
        ('key:"upcoming_events" or key:"dashboard"', "upcoming_events,dashboard"),
        ("raw_groups*,raw_events*,raw_rejects*", "raw_groups*,raw_events*,raw_rejects*"),
    ],
)
def test_valid_selections_pass_as_dagster_resolves_them(select: str, expected: str) -> None:
    want = dg.AssetSelection.from_coercible(expected.split(",")).resolve(REPO.asset_graph)
    assert preflight.check_selection(select, REPO) == set(want) != set()


def test_selection_meanings() -> None:
    marts = {k.to_user_string() for k in preflight.check_selection("group:marts", REPO)}
    assert "fact_events" in marts and "stg_events" not in marts
    down = {k.to_user_string() for k in preflight.check_selection("fact_events+", REPO)}
    assert down == {"fact_events", "dashboard"}
    assert len(preflight.check_selection("*", REPO)) == len(REPO.asset_graph.get_all_asset_keys())


@pytest.mark.parametrize(
    ("select", "message"),
    [
        ("fact_event", "No asset is called 'fact_event': did you mean fact_events"),
        ("key:nope", "selects no asset"),
        ("group:nope", "selects no asset"),
        ("fact_events((", "is not valid Dagster asset selection syntax"),
        ("raw_events*", "are produced together by one step"),
    ],
)
def test_invalid_selections_say_why(select: str, message: str) -> None:
    with pytest.raises(PreflightError, match=message.replace("(", r"\(")):
        preflight.check_selection(select, REPO)


def test_sandbox_settings_are_checked() -> None:
    assert preflight.check_sandbox_settings({}) == "no faults injected"
    shown = preflight.check_sandbox_settings({"MEETUP_SANDBOX_FAULTS": "http_5xx=0.1,slow=0.2"})
    assert shown == "faults http_5xx=0.1, slow=0.2"
    mixed = preflight.check_sandbox_settings({"MEETUP_SANDBOX_FAULTS": "all=0.3,timeout=0"})
    assert mixed == "faults all=0.3, timeout=0"  # the kinds `all` draws from: derived
    assert preflight.check_sandbox_settings({"MEETUP_SANDBOX_FAULTS": "all=0.3,slow=0.1"}) == (
        "faults all=0.3, slow=0.1"
    )
    with pytest.raises(PreflightError, match="MEETUP_SANDBOX_FAULTS: unknown fault 'bogus'"):
        preflight.check_sandbox_settings({"MEETUP_SANDBOX_FAULTS": "bogus=3"})
    with pytest.raises(PreflightError, match="MEETUP_SANDBOX_FAULTS"):
        preflight.check_sandbox_settings({"MEETUP_SANDBOX_FAULTS": "http_5xx=7"})
    with pytest.raises(PreflightError, match="MEETUP_SANDBOX_SEED"):
        preflight.check_sandbox_settings({"MEETUP_SANDBOX_SEED": "forty-two"})
    ignored = preflight.check_sandbox_settings(
        {"MEETUP_SANDBOX_FAULTS": "slow=0.5", "MEETUP_API_URL": "http://127.0.0.1:1/gql-ext"}
    )
    assert "ignored" in ignored


class _GraphQL(BaseHTTPRequestHandler):
    status = 200

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length))
        assert "__typename" in body["query"]
        payload = json.dumps({"data": {"__typename": "Query"}}).encode()
        self.send_response(type(self).status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def api() -> Iterator[tuple[str, type[_GraphQL]]]:
    handler = type("Handler", (_GraphQL,), {"status": 200})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/gql-ext", handler
    server.shutdown()
    server.server_close()


def test_the_api_is_probed_over_http(api: tuple[str, type[_GraphQL]]) -> None:
    url, handler = api
    port = url.split(":")[2].split("/")[0]
    assert preflight.check_api_answers({"MEETUP_API_URL": url}) == (
        f"http://127.0.0.1:{port} answers (HTTP 200)"
    )
    handler.status = 503
    with pytest.raises(PreflightError, match="answers HTTP 503"):
        preflight.check_api_answers({"MEETUP_API_URL": url})


def test_a_dead_api_port_names_the_variable() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(PreflightError) as info:
        preflight.check_api_answers({"MEETUP_API_URL": f"http://127.0.0.1:{port}/gql-ext"})
    assert "MEETUP_API_URL" in info.value.message and "does not answer" in info.value.message


def test_the_in_process_sandbox_answers() -> None:
    assert preflight.check_api_answers({}).startswith("the in-process sandbox answers (")


def test_the_sandbox_probe_reads_the_given_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [k for k in os.environ if k.startswith("MEETUP_")]:
        monkeypatch.delenv(name)
    default = preflight.check_api_answers({})
    smaller = preflight.check_api_answers({"MEETUP_SANDBOX_SCALE": "0.2"})
    assert smaller != default  # a smaller world: fewer groups in the answer
    with pytest.raises(PreflightError, match="MEETUP_SANDBOX_SCALE"):
        preflight.check_api_answers({"MEETUP_SANDBOX_SCALE": "many"})
