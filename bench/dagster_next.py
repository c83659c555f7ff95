"""Does the project still work on the newest Dagster patch release? A throwaway venv says.

    .venv/bin/python bench/dagster_next.py [--version 1.13.29] [--venv /tmp/dagster-next-venv]
        [--fresh] [--skip-tests] [--skip-run] [-- pytest args...]

1. Finds the newest Dagster release of the pinned minor (1.13.x) on the package index
   (`pip index versions dagster`), unless `--version` names one.
2. Builds a separate venv (the project's own `.venv` is never touched): the project
   (editable, without its pinned Dagster), its other dependencies and dev tools, `dagster`
   at that version, and the companions (`dagster-webserver`, `dagster-graphql`,
   `dagster-postgres` 0.29.x, `dagster-dg-cli`) at the matching version. A companion whose
   matching release is not on the index is installed at its newest earlier patch, without
   its exact `dagster==` pin, and the summary says so: such a mix is what this machine can
   test, not what Dagster supports.
3. Runs there the fence test (`test_dagster_private.py`: the private names and the Dagster
   code the project copies), the instance/ and orchestration/ tests, and one real run
   (`dagster asset materialize`, one day, every asset, the committed `dagster.yaml`, an
   embedded server in a temporary home). `test_deploy_files.py` is left out: it checks that
   the deploy lock matches the pinned versions, which another version fails by design.

Prints the versions installed and a verdict per step; exits 1 if a step failed. Heavy: it
runs about 75 tests; do not run it beside other test runs on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[1]
COMPANIONS = ("dagster-graphql", "dagster-webserver", "dagster-postgres", "dagster-dg-cli")
TESTS = [
    "meetup_pipeline_tests/test_dagster_private.py",
    "meetup_pipeline_tests/instance",
    "meetup_pipeline_tests/orchestration",
]
DESELECT = ["meetup_pipeline_tests/instance/test_deploy_files.py"]
RUN_DAY = "2024-06-01"


def sh(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    print("$ " + " ".join(cmd), flush=True)
    return subprocess.run(cmd, text=True, **kwargs)  # type: ignore[call-overload]


def index_versions(package: str) -> list[Version]:
    """Every version of `package` on the configured index, newest first."""
    out = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", package],
        capture_output=True,
        text=True,
    ).stdout
    found = re.search(r"Available versions: (.*)", out)
    if not found:
        return []
    return sorted((Version(v.strip()) for v in found.group(1).split(",")), reverse=True)


def same_series(pinned: str, target_patch: int) -> Version:
    """`pinned` (1.13.27 or 0.29.27) with the patch of the target Dagster release."""
    major, minor, _ = Version(pinned).release
    return Version(f"{major}.{minor}.{target_patch}")


def newest_available(package: str, at_most: Version) -> Version | None:
    series = at_most.release[:2]
    for version in index_versions(package):
        if version.release[:2] == series and version <= at_most and not version.is_prerelease:
            return version
    return None


def installed(python: Path, package: str) -> str | None:
    code = (
        "import importlib.metadata as m, sys\n"
        "try: print(m.version(sys.argv[1]))\n"
        "except m.PackageNotFoundError: pass\n"
    )
    out = subprocess.run([str(python), "-c", code, package], capture_output=True, text=True)
    return out.stdout.strip() or None


def requirements_of(python: Path, package: str) -> list[str]:
    code = (
        "import importlib.metadata as m, sys\n"
        "print('\\n'.join(r for r in (m.requires(sys.argv[1]) or []) if 'extra ==' not in r))\n"
    )
    out = subprocess.run([str(python), "-c", code, package], capture_output=True, text=True)
    return [line for line in out.stdout.splitlines() if line.strip()]


class Installer:
    def __init__(self, python: Path, target_patch: int) -> None:
        self.python = python
        self.target_patch = target_patch
        self.notes: list[str] = []

    def pip(self, *args: str) -> bool:
        return sh([str(self.python), "-m", "pip", "install", "-q", *args]).returncode == 0

    def matching(self, package: str) -> Version:
        """The release of `package` that goes with the target Dagster release."""
        return same_series(metadata.version(package), self.target_patch)

    def companion(self, package: str) -> None:
        """`package` at the matching release, else its newest earlier patch without pins."""
        if installed(self.python, package):
            return
        wanted = self.matching(package)
        if self.pip(f"{package}=={wanted}"):
            return
        fallback = newest_available(package, wanted)
        if fallback is None:
            raise SystemExit(f"no release of {package} in the {wanted} series on the index")
        self.notes.append(f"{package} {wanted} is not on the index: installed {fallback}")
        if not self.pip("--no-deps", f"{package}=={fallback}"):
            raise SystemExit(f"could not install {package}=={fallback}")
        others = []
        for line in requirements_of(self.python, package):
            requirement = Requirement(line)
            name = canonicalize_name(requirement.name)
            if name.startswith("dagster"):
                self.companion(name)
            else:
                others.append(line)
        if others and not self.pip(*others):
            raise SystemExit(f"could not install the requirements of {package}: {others}")


def project_requirements() -> tuple[list[str], list[str]]:
    """The project's non-Dagster requirements and its dev extra."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    base = [
        r
        for r in project["dependencies"]
        if not canonicalize_name(Requirement(r).name).startswith("dagster")
    ]
    return base, project["optional-dependencies"]["dev"]


def build_venv(venv: Path, version: Version, fresh: bool) -> list[str]:
    if fresh and venv.exists():
        shutil.rmtree(venv)
    python = venv / "bin" / "python"
    if not python.exists():
        sh([sys.executable, "-m", "venv", str(venv)], check=True)
    installer = Installer(python, version.release[2])
    fresh_dagster = installed(python, "dagster") != str(version)
    base, dev = project_requirements()  # every time: the project may have gained one
    if not installer.pip(f"dagster=={version}", *base, *dev):
        raise SystemExit(f"could not install dagster=={version} with the project's deps")
    if fresh_dagster:
        for package in COMPANIONS:
            installer.companion(package)
    # every time: a reused venv may point at another checkout (one since deleted), and then
    # every CLI the tests start fails to import the project
    if not installer.pip("--no-deps", "-e", str(REPO)):
        raise SystemExit("could not install the project (editable) into the venv")
    check = sh([str(python), "-m", "pip", "check"], capture_output=True)
    if check.returncode != 0:
        installer.notes.append("pip check: " + "; ".join(check.stdout.strip().splitlines()))
    return installer.notes


def run_tests(python: Path, extra: list[str]) -> bool:
    deselect = [f"--ignore={path}" for path in DESELECT]
    cmd = [str(python), "-m", "pytest", "-p", "no:xdist", "-q", *TESTS, *deselect, *extra]
    return sh(cmd, cwd=REPO, env=mixed_install_env()).returncode == 0


MIXED_INSTALL_WARNING = "ignore:Found version mismatch between `dagster-shared`:UserWarning"
"""The notice a mixed install (companions past their pins, see `Installer.companion`) prints
in every process: the bad-input tests count output lines and would fail on it alone."""


def mixed_install_env() -> dict[str, str]:
    """The environment with only that one notice of the mix silenced, in every subprocess."""
    others = os.environ.get("PYTHONWARNINGS", "")
    return {
        **os.environ,
        "PYTHONWARNINGS": ",".join(w for w in (others, MIXED_INSTALL_WARNING) if w),
    }


def real_run(venv: Path) -> bool:
    """One day through every asset with the next Dagster's CLI, in a temporary home."""
    sys.path.insert(0, str(REPO))
    from meetup_pipeline.warehouse.embedded import stop_server

    home = Path(tempfile.mkdtemp(prefix="dagster-next-run-"))
    home.chmod(0o711)  # the embedded server's user (as root) must enter it
    dagster_home = home / "dagster_home"
    dagster_home.mkdir()
    shutil.copy(REPO / "dagster.yaml", dagster_home / "dagster.yaml")
    env = {**os.environ, "MEETUP_HOME": str(home), "DAGSTER_HOME": str(dagster_home)}
    for name in ("MEETUP_WAREHOUSE_URL", "MEETUP_DAGSTER_STORAGE_URL", "DAGSTER_POSTGRES_HOST"):
        env.pop(name, None)
    dagster = str(venv / "bin" / "dagster")
    cmd = [dagster, "asset", "materialize", "-m", "meetup_pipeline.definitions"]
    cmd += ["--select", "*", "--partition", RUN_DAY]
    try:
        result = sh(cmd, cwd=REPO, env=env, capture_output=True)
        output = (result.stdout + result.stderr).splitlines()
        for line in output[-8:]:
            print(f"  | {line}")
        return result.returncode == 0
    finally:
        if (home / "pgdata").exists():
            stop_server(home / "pgdata")
        shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", help="the Dagster release to try (default: newest 1.13.x)")
    parser.add_argument("--venv", default="/tmp/dagster-next-venv", type=Path)
    parser.add_argument("--fresh", action="store_true", help="rebuild the venv from scratch")
    parser.add_argument("--skip-tests", action="store_true")
    parser.add_argument("--skip-run", action="store_true")
    parser.add_argument("pytest_args", nargs="*", help="more pytest arguments (after --)")
    args = parser.parse_args()

    pinned = Version(metadata.version("dagster"))
    if args.version:
        version = Version(args.version)
    else:
        candidates = [v for v in index_versions("dagster") if v.release[:2] == pinned.release[:2]]
        candidates = [v for v in candidates if not v.is_prerelease]
        if not candidates:
            raise SystemExit("no Dagster release of the pinned minor on the index")
        version = candidates[0]
    print(f"pinned Dagster {pinned}; trying {version} in {args.venv}", flush=True)
    notes = build_venv(args.venv, version, args.fresh)
    python = args.venv / "bin" / "python"
    versions = {p: installed(python, p) for p in ("dagster", *COMPANIONS)}

    verdicts: dict[str, bool] = {}
    if not args.skip_tests:
        verdicts["tests (fence, instance/, orchestration/)"] = run_tests(python, args.pytest_args)
    if not args.skip_run:
        verdicts[f"real run ({RUN_DAY}, every asset, CLI)"] = real_run(args.venv)

    print(f"\nDagster {version} (pinned {pinned}) in {args.venv}:")
    for package, found in versions.items():
        print(f"  {package:<20} {found}")
    for note in notes:
        print(f"  note: {note}")
    for step, ok in verdicts.items():
        print(f"  {step:<45} {'passes' if ok else 'FAILS'}")
    sys.exit(0 if all(verdicts.values()) else 1)


if __name__ == "__main__":
    main()
