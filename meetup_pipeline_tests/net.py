"""Real sockets for tests: a free local port, and waiting for a server's `/healthz`."""

import socket
import subprocess
import time

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(
    base_url: str,
    proc: subprocess.Popen | None = None,
    timeout: float = 30.0,  # type: ignore[type-arg]
) -> None:
    """Until `base_url/healthz` answers 200; fails if `proc` exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            stderr = proc.stderr.read() if proc.stderr else ""
            raise AssertionError(f"{base_url}: the server exited: {stderr!r}"[-800:])
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{base_url} did not come up within {timeout:g} s")
