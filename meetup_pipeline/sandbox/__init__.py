"""The Meetup sandbox: an offline copy of Meetup's GraphQL API over a simulated Bay Area.

Entry points: `create_app` and `sandbox_transport` (app.py), `SandboxConfig` (config.py),
`build_world` (world.py), and the `meetup-sandbox serve` console script (cli.py).
"""

from __future__ import annotations

from typing import Any

__all__ = ["SandboxConfig", "build_world", "create_app", "sandbox_transport"]


def __getattr__(name: str) -> Any:
    """Lazy re-exports, so importing the package stays cheap."""
    if name in ("create_app", "sandbox_transport"):
        from meetup_pipeline.sandbox import app

        return getattr(app, name)
    if name == "SandboxConfig":
        from meetup_pipeline.sandbox.config import SandboxConfig

        return SandboxConfig
    if name == "build_world":
        from meetup_pipeline.sandbox.world import build_world

        return build_world
    raise AttributeError(name)
