"""Building settings, resources and storage objects changes no process state; what does
(starting a server, a variable for child processes, silencing a notice) has one named place."""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import meetup_pipeline

PACKAGE = Path(meetup_pipeline.__file__).parent

PROBE = """
import json, os, sys, warnings
import logging
env_before, filters_before = dict(os.environ), list(warnings.filters)
from meetup_pipeline.instance.storage import EmbeddedStorage, resolve_storage
from meetup_pipeline.defs.resources import meetup_resource_from_env, settings_resources
from meetup_pipeline.settings.home import meetup_home
from meetup_pipeline.validation import validate_settings
home = meetup_home()
choice = resolve_storage()
validate_settings()
resources = settings_resources()
meetup = meetup_resource_from_env()
source = meetup.source
print(json.dumps({
    "home_exists": home.exists(),
    "embedded": isinstance(choice, EmbeddedStorage),
    "env_changed": sorted(k for k in {**env_before, **os.environ}
                          if env_before.get(k) != os.environ.get(k)),
    "filters_added": [str(f) for f in warnings.filters if f not in filters_before],
    "source": source,
}))
"""


def test_building_settings_resources_and_storage_choice_changes_nothing(tmp_path: Path) -> None:
    home = tmp_path / "not-yet"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEETUP_", "DAGSTER_"))}
    env["MEETUP_HOME"] = str(home)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {
        "home_exists": False,  # reading MEETUP_HOME makes no directory
        "embedded": True,  # resolved, not started: no server, no pinned MEETUP_HOME
        "env_changed": [],
        "filters_added": [],
        "source": "sandbox",
    }
    assert done.stderr == ""  # no "Starting the embedded PostgreSQL server" line
    assert not home.exists()


def _calls(path: Path) -> set[str]:
    """Dotted names of what a module calls or assigns into (`os.environ[...] = `)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        target = node.func if isinstance(node, ast.Call) else None
        if isinstance(node, ast.Assign):
            target = next((t.value for t in node.targets if isinstance(t, ast.Subscript)), None)
        if target is not None:
            found.add(ast.unparse(target))
    return found


def test_process_state_changes_live_in_one_named_place_each() -> None:
    places = {
        "os.environ.setdefault": {"instance/startup.py"},
        "os.environ": set(),  # os.environ[...] = ...
        "os.putenv": set(),
        "warnings.filterwarnings": {"notices.py"},
        "warnings.simplefilter": set(),
        "warnings.catch_warnings": {"notices.py"},
    }
    seen: dict[str, set[str]] = {name: set() for name in places}
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative.startswith("sandbox/"):  # a stand-alone server, like the real API
            continue
        for name in _calls(path) & set(places):
            seen[name].add(relative)
    assert seen == places
