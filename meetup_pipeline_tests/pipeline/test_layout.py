"""The layout contract: definitions live under `meetup_pipeline/defs/` and are discovered.

- every asset, check, schedule, sensor and job the code location serves is defined in a
  module under `meetup_pipeline.defs`, once, and nothing outside `defs/` defines one;
- every asset check (a check definition, or a check spec carried by a multi-asset) is
  declared under `meetup_pipeline.defs.checks`;
- `definitions.py` names no definition: it loads the folder;
- the code location is declared once, in pyproject.toml's `[tool.dg.project]`; the
  deployed webserver and daemon's `deploy/workspace.yaml` (they cannot read pyproject.toml)
  is the one other place that names it, and agrees.
"""

import ast
import importlib
import pkgutil
import tomllib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import dagster as dg
import yaml

import meetup_pipeline
from meetup_pipeline.definitions import defs

REPO_ROOT = Path(__file__).resolve().parents[2]
JOB_TYPE = type(dg.define_asset_job("layout_probe"))  # what define_asset_job returns
LOADABLE = (dg.AssetsDefinition, dg.SensorDefinition, dg.ScheduleDefinition, dg.JobDefinition)


def _modules(package: ModuleType) -> Iterator[ModuleType]:
    for info in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}."):
        if not info.name.endswith("__main__"):
            yield importlib.import_module(info.name)


def _loadable(module: ModuleType) -> Iterator[tuple[str, Any]]:
    """What Dagster's loader collects from a module: loadable objects at module scope, and
    the members of module-level lists of them."""
    for name, value in vars(module).items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            if isinstance(item, (*LOADABLE, JOB_TYPE)):
                yield name, item


def _names(obj: Any) -> set[str]:
    """The keys Dagster knows a definition by."""
    if isinstance(obj, dg.AssetsDefinition):
        return {k.to_user_string() for k in obj.keys} | {str(k) for k in obj.check_keys}
    return {obj.name}


def _served() -> set[str]:
    repo = defs.get_repository_def()
    names = {k.to_user_string() for k in repo.asset_graph.get_all_asset_keys()}
    names |= {str(k) for k in repo.asset_graph.asset_check_keys}
    names |= {s.name for s in repo.schedule_defs} | {s.name for s in repo.sensor_defs}
    names |= {j.name for j in repo.get_all_jobs() if not j.name.startswith("__")}
    return names


def test_every_definition_is_defined_once_under_defs() -> None:
    import meetup_pipeline.defs

    holders: dict[int, list[str]] = {}
    found: set[str] = set()
    for module in _modules(meetup_pipeline.defs):
        for name, obj in _loadable(module):
            where = f"{module.__name__}.{name}"
            if where not in holders.setdefault(id(obj), []):
                holders[id(obj)].append(where)
            if len({h.rsplit(".", 1)[0] for h in holders[id(obj)]}) == 1:
                found |= _names(obj)
    shared = [h for h in holders.values() if len({w.rsplit(".", 1)[0] for w in h}) > 1]
    assert not shared, f"exposed by two modules (the loader collects both): {shared}"
    assert found == _served()


def test_nothing_outside_defs_defines_one() -> None:
    outside = [
        f"{module.__name__}.{name}"
        for module in _modules(meetup_pipeline)
        if not module.__name__.startswith("meetup_pipeline.defs")
        and module.__name__ != "meetup_pipeline.definitions"
        for name, _ in _loadable(module)
    ]
    assert outside == []


def test_checks_live_in_one_folder() -> None:
    import meetup_pipeline.defs.checks

    specs = [
        value
        for module in _modules(meetup_pipeline.defs.checks)
        for value in vars(module).values()
        if isinstance(value, dg.AssetCheckSpec)
    ]
    assert defs.asset_checks
    for checks_def in defs.asset_checks:
        fn = checks_def.node_def.compute_fn
        module = getattr(fn, "decorated_fn", fn).__module__
        assert module.startswith("meetup_pipeline.defs.checks."), checks_def.node_def.name
    carried = [spec for a in defs.assets or [] for spec in getattr(a, "check_specs", [])]
    assert carried
    for spec in carried:
        assert spec in specs, f"{spec.key} is declared outside meetup_pipeline/defs/checks/"


def test_definitions_py_names_no_definition() -> None:
    source = (REPO_ROOT / "meetup_pipeline/definitions.py").read_text()
    tree = ast.parse(source)
    identifiers = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    identifiers |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    imported = {
        (node.module or "", alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert identifiers.isdisjoint(_served()), identifiers & _served()
    defs_imports = {m for m, _ in imported if m.startswith("meetup_pipeline.defs")}
    assert defs_imports <= {"meetup_pipeline.defs.resources"}, defs_imports
    assert "load_from_defs_folder" in identifiers


def test_the_code_location_is_declared_once() -> None:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    project = pyproject["tool"]["dg"]["project"]
    assert "dagster" not in pyproject["tool"]  # Dagster's CLIs read [tool.dg.project]
    assert not (REPO_ROOT / "workspace.yaml").exists()
    assert project["root_module"] == meetup_pipeline.__name__
    # dg's defaults: the location is `<root>.definitions`, which loads `<root>.defs`
    assert "code_location_target_module" not in project and "defs_module" not in project
    (entry,) = yaml.safe_load((REPO_ROOT / "deploy/workspace.yaml").read_text())["load_from"]
    assert entry["grpc_server"]["location_name"] == project["code_location_name"]
