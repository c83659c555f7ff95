"""`meetup-sandbox serve` as a real server, its bad options, and faults over a real socket."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn

from meetup_pipeline.sandbox.app import create_app
from meetup_pipeline.sandbox.config import FaultConfig, SandboxConfig
from meetup_pipeline_tests.net import free_port, wait_healthy

from .conftest import SEARCH_QUERY, config

SCRIPT = Path(sys.executable).with_name("meetup-sandbox")
BODY = {
    "query": SEARCH_QUERY,
    "variables": {"q": "dating", "lat": 37.4241, "lon": -122.1661, "first": 3},
}


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("MEETUP_SANDBOX_")}


def test_serve_as_a_real_subprocess() -> None:
    port = free_port()
    proc = subprocess.Popen(
        [
            str(SCRIPT),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--seed",
            "42",
            "--now",
            "2026-11-28T12:00:00-08:00",
            "--rate-limit-mode",
            "http429",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        response = httpx.post(f"{url}/gql-ext", json=BODY, timeout=10)
        assert response.status_code == 200
        edges = response.json()["data"]["groupSearch"]["edges"]
        assert len(edges) == 3
        # the same answer as the in-process sandbox with the same seed and now
        from .conftest import Api

        assert response.json() == Api(config()).request("POST", "/gql-ext", json=BODY).json()
        assert httpx.post(f"{url}/gql", json=BODY, timeout=10).status_code == 503
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.parametrize(
    "args,needle",
    [
        (["serve", "--port", "notaport"], "port must be an integer"),
        (["serve", "--scale", "0"], "scale must be a number"),
        (["serve", "--now", "2026-01-01"], "now must be an ISO date-time with an offset"),
        (["serve", "--faults", "explode=1"], "unknown fault 'explode'"),
        (["serve", "--rate-limit-mode", "sometimes"], "invalid choice"),
        (["serve", "--bogus"], "unrecognized arguments: --bogus"),
        (["serve", "--client-id", "x"], "--client-id and --client-secret go together"),
        ([], "the following arguments are required"),
    ],
)
def test_bad_option_gives_one_clear_line_and_exit_2(
    args: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from meetup_pipeline.sandbox.cli import main

    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("meetup-sandbox: error: ") and needle in err[0]


def test_bad_option_from_the_console_script() -> None:
    result = subprocess.run(
        [str(SCRIPT), "serve", "--port", "99999"],
        capture_output=True,
        text=True,
        timeout=60,
        env=_env(),
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == ["meetup-sandbox: error: argument --port: port must be in 0..65535, got 99999"]


def test_bad_environment_is_reported(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from meetup_pipeline.sandbox.cli import main

    monkeypatch.setenv("MEETUP_SANDBOX_SEED", "forty-two")
    with pytest.raises(SystemExit) as exc:
        main(["serve"])
    assert exc.value.code == 2
    assert "MEETUP_SANDBOX_SEED must be an integer" in capsys.readouterr().err


def test_config_from_env() -> None:
    cfg = SandboxConfig.from_env(
        {
            "MEETUP_SANDBOX_SEED": "7",
            "MEETUP_SANDBOX_SCALE": "2.5",
            "MEETUP_SANDBOX_NOW": "2025-02-14T20:00:00-08:00",
            "MEETUP_SANDBOX_RATE_LIMIT": "off",
            "MEETUP_SANDBOX_FAULTS": "slow=0.5",
        }
    )
    assert (cfg.seed, cfg.scale, cfg.now.isoformat()) == (7, 2.5, "2025-02-14T20:00:00-08:00")
    assert not cfg.rate_limit.enabled and cfg.faults.slow == 0.5
    assert SandboxConfig.from_env({}) == SandboxConfig()
    for env, needle in [
        ({"MEETUP_SANDBOX_SCALE": "big"}, "MEETUP_SANDBOX_SCALE"),
        ({"MEETUP_SANDBOX_NOW": "2025-02-14T20:00:00"}, "MEETUP_SANDBOX_NOW"),
        ({"MEETUP_SANDBOX_RATE_LIMIT": "x"}, "MEETUP_SANDBOX_RATE_LIMIT"),
    ]:
        with pytest.raises(ValueError, match=needle):
            SandboxConfig.from_env(env)


@contextmanager
def _server(cfg: SandboxConfig) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(cfg), host="127.0.0.1", port=port, log_level="critical")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _post_fails(
    url: str, error: type[Exception] | tuple[type[Exception], ...], timeout: float
) -> None:
    with pytest.raises(error):
        httpx.post(f"{url}/gql-ext", json=BODY, timeout=timeout)


def test_drop_and_timeout_over_a_real_socket() -> None:
    # The body stops half-way and the socket closes: a FIN (incomplete body) or, when the
    # close races the client's read, an RST. Both are a dropped connection to httpx's
    # callers (TransportError, which the client retries); a full answer is not.
    with _server(config(faults=FaultConfig(drop=1.0))) as url:
        _post_fails(url, (httpx.RemoteProtocolError, httpx.ReadError), 5)
    with _server(config(faults=FaultConfig(timeout=1.0, timeout_seconds=2.0))) as url:
        _post_fails(url, httpx.ReadTimeout, 0.3)
