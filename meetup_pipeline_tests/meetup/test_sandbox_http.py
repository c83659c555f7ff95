"""The client over real HTTP: `meetup-sandbox serve` as a subprocess on a free port.

This is the path a user takes with `MEETUP_API_URL`; it exercises real sockets, real
dropped connections and real timeouts, through the sync ``extract_window`` entry point.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from meetup_pipeline.meetup.resource import MeetupResource
from meetup_pipeline.meetup.sources import SearchSettings, Sources
from meetup_pipeline.sandbox.world import build_world
from meetup_pipeline_tests.net import free_port, wait_healthy

PT = ZoneInfo("America/Los_Angeles")
NOW = "2025-06-01T12:00:00+00:00"
WINDOW = (datetime(2024, 1, 1, tzinfo=PT), datetime(2025, 1, 1, tzinfo=PT))
NEAR = {"page_size": 50}
SMALL = Sources(search=SearchSettings(("dating", "singles"), radius_miles=5.0))
"""A small search: what every extraction here asks for."""
CLIENT_SECRET = "http-secret-3c9e1b"


def _command() -> list[str]:
    script = Path(sys.executable).with_name("meetup-sandbox")
    if script.exists():
        return [str(script)]
    found = shutil.which("meetup-sandbox")
    if found is None:
        pytest.skip("the meetup-sandbox console script is not installed")
    return [found]


@pytest.fixture(scope="module")
def serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """Start servers on demand; each is stopped (by its own pid) at the end of the module."""
    started: list[subprocess.Popen] = []

    def start(*options: str) -> str:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("MEETUP_SANDBOX_")}
        proc = subprocess.Popen(
            [*_command(), "serve", "--port", str(port), "--now", NOW, *options],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        started.append(proc)
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, proc)
        return f"{base}/gql-ext"

    yield start
    for proc in started:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _truth(result) -> list[str]:
    world = build_world(42, 1.0)
    now = datetime.fromisoformat(NOW)
    ids = [g.model.id for g in result.groups]
    return [e.id for e in world.events_between(*WINDOW, now, group_ids=ids)]


def test_open_sandbox_over_http_with_the_sync_entry_point(serve) -> None:
    url = serve()
    resource = MeetupResource(api_url=url, **NEAR)
    assert resource.source == "api"
    result = resource.extract_window(*WINDOW, sources=SMALL)
    assert len(result.groups) > 5
    assert [e.model.id for e in result.events] == _truth(result)
    assert result.stats.retries == 0


def test_jwt_flow_over_http(serve, tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private, public = tmp_path / "key.pem", tmp_path / "pub.pem"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    url = serve(
        "--client-id",
        "http-client",
        "--client-secret",
        CLIENT_SECRET,
        "--jwt-public-key-file",
        str(public),
        "--jwt-key-id",
        "k1",
    )
    resource = MeetupResource(
        api_url=url,
        client_id="http-client",
        member_id="1000001",
        signing_key_id="k1",
        private_key_file=str(private),
        **NEAR,
    )
    result = resource.extract_window(*WINDOW, sources=SMALL)
    assert [e.model.id for e in result.events] == _truth(result)
    assert resource.token_provider().grants == 1  # type: ignore[attr-defined]


def test_real_dropped_connections_timeouts_and_5xx_over_http(serve) -> None:
    faults = "seed=3,drop=0.12,timeout=0.08,timeout_seconds=2,http_5xx=0.08,burst_length=1"
    url = serve("--faults", faults)
    clean = MeetupResource(api_url=serve(), **NEAR).extract_window(*WINDOW, sources=SMALL)
    resource = MeetupResource(api_url=url, request_timeout_s=0.5, max_attempts=8, **NEAR)
    result = resource.extract_window(*WINDOW, sources=SMALL)
    assert [e.raw for e in result.events] == [e.raw for e in clean.events]
    assert result.stats.retries > 0
