"""The client package stands alone: the choice of the sandbox belongs to the wiring."""

import ast
import subprocess
import sys
from pathlib import Path

import meetup_pipeline.meetup

CLIENT = Path(meetup_pipeline.meetup.__file__).parent


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, relative imports resolved against its package."""
    package = ["meetup_pipeline", "meetup"]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def loaded_after(code: str, prefix: str) -> str:
    """The modules under `prefix` that a fresh interpreter has loaded after running `code`."""
    probe = f"{code}import sys\nprint(sorted(m for m in sys.modules if m.startswith({prefix!r})))\n"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return out.stdout.strip()


def test_no_client_module_imports_the_sandbox() -> None:
    files = sorted(CLIENT.rglob("*.py"))
    assert len(files) >= 8
    for path in files:
        sandbox = {m for m in imported_modules(path) if m.startswith("meetup_pipeline.sandbox")}
        assert not sandbox, f"{path.name} imports {sorted(sandbox)}"
        assert "sandbox_transport" not in path.read_text(encoding="utf-8"), path.name


def test_using_the_client_loads_no_sandbox_module() -> None:
    code = (
        "import asyncio, datetime as d\n"
        "from meetup_pipeline.meetup import MeetupResource\n"
        "r = MeetupResource()\n"
        "assert r.source == 'api' and r.default_transport() is None\n"
        "r.build_client(r.http_client())\n"
    )
    assert loaded_after(code, "meetup_pipeline.sandbox") == "[]"


def test_the_relative_import_resolver_sees_a_sandbox_import(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("from ..sandbox.app import sandbox_transport\nimport httpx\n")
    assert "meetup_pipeline.sandbox.app" in imported_modules(probe)


def test_the_warehouse_loads_no_client_module() -> None:
    """Persistence knows no API: neither directly nor through the settings it reads."""
    code = (
        "import meetup_pipeline.warehouse.io_manager, meetup_pipeline.warehouse.resource\n"
        "import meetup_pipeline.warehouse.writes, meetup_pipeline.warehouse.zones\n"
    )
    assert loaded_after(code, "meetup_pipeline.meetup") == "[]"
