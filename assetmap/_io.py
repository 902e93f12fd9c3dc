"""Atomic writing: a crash never leaves a half-written output, nor half of a set of outputs, behind."""

from __future__ import annotations

import contextlib
import ctypes
import glob
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success move it into place.

    The temporary file lives in the same directory so the final ``os.replace`` is atomic.
    On error the temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    tmp_path.unlink()  # writers such as GDAL want to create the file themselves
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


# -- a set of outputs written together: staging folder beside the target, then one swap ------------
_STAGING = ".staging-"
_REPLACED = ".replaced-"
_RENAME_EXCHANGE = 2  # linux/fs.h


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _owner(folder: Path, target: Path) -> int | None:
    """The process id in a staging or replaced folder's name (``.<target>.staging-<pid>-...``)."""
    rest = folder.name[len(f".{target.name}") :]
    for marker in (_STAGING, _REPLACED):
        if rest.startswith(marker):
            pid = rest[len(marker) :].split("-", 1)[0]
            return int(pid) if pid.isdigit() else None
    return None


def clean_staging(target: Path) -> None:
    """Tidy up after runs into ``target`` that were killed: restore or remove their folders.

    A run killed between the two renames of a swap (where the file system cannot exchange
    two folders in one step) leaves the previous set in ``.<name>.replaced-<pid>`` and no
    ``target``: it is put back. Staging folders of processes that are no longer running are
    removed; those of a run still under way are left alone.
    """
    target = Path(target)
    if not target.parent.is_dir():
        return
    for folder in sorted(target.parent.glob(f".{glob.escape(target.name)}.*")):
        pid = _owner(folder, target)
        if pid is None or _alive(pid) or not folder.is_dir():
            continue
        if _REPLACED in folder.name and not os.path.lexists(target):
            os.replace(folder, target)
        else:
            shutil.rmtree(folder, ignore_errors=True)


def make_staging(target: Path) -> Path:
    """A new empty folder beside ``target`` (same file system, so the swap is a rename)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}{_STAGING}{os.getpid()}-", dir=target.parent))
    mask = os.umask(0)
    os.umask(mask)
    staging.chmod(0o777 & ~mask)  # mkdtemp makes it private; the outputs are shared like any folder
    return staging


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False where unsupported."""
    if sys.platform != "linux":
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_cwd = -100
    done = renameat2(at_cwd, os.fsencode(a), at_cwd, os.fsencode(b), _RENAME_EXCHANGE)
    return done == 0


def swap_in(staging: Path, target: Path) -> None:
    """Put the finished ``staging`` folder in the place of ``target``.

    ``target`` holds either the previous set or the new one at every moment: the two folders
    are exchanged in one step where the system allows it (Linux), else ``target`` is renamed
    aside, ``staging`` renamed into place and the old set removed (a run killed between the
    two renames is repaired by :func:`clean_staging`).
    """
    staging, target = Path(staging), Path(target)
    if not os.path.lexists(target):
        os.replace(staging, target)
        return
    if target.is_dir() and not target.is_symlink() and _exchange(staging, target):
        shutil.rmtree(staging, ignore_errors=True)  # now the previous set
        return
    old = target.with_name(f".{target.name}{_REPLACED}{os.getpid()}")
    if os.path.lexists(old):
        shutil.rmtree(old)
    os.replace(target, old)
    try:
        os.replace(staging, target)
    except BaseException:
        os.replace(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)
