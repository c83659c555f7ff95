"""Fixtures for the orchestration tests: a deterministic sandbox."""

import pytest

SANDBOX_NOW = "2025-01-01T00:00:00-08:00"


@pytest.fixture(autouse=True)
def fixed_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fixed sandbox clock and no sandbox throttling (500 points/min would slow tests)."""
    monkeypatch.setenv("MEETUP_SANDBOX_NOW", SANDBOX_NOW)
    monkeypatch.setenv("MEETUP_SANDBOX_RATE_LIMIT", "off")
    monkeypatch.delenv("MEETUP_SANDBOX_FAULTS", raising=False)
    monkeypatch.delenv("MEETUP_ALERT_WEBHOOK_URL", raising=False)
