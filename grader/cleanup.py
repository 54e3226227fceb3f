"""Remove folders that student code wrote into, whatever it left there.

A submission can leave a tree deeper than Python's recursion limit (``shutil.rmtree``
raises ``RecursionError`` at about 1000 levels) and longer than ``PATH_MAX`` (4096 bytes),
folders without permissions, symbolic links to anything, FIFOs. :func:`remove_tree`:

* never recurses: depth-first with an explicit stack of names, one open folder at a time,
  going back up through ``..`` (checked against the parent it came from);
* works on folder descriptors only (``openat``/``unlinkat``), so path length is irrelevant,
  and opens every folder with ``O_NOFOLLOW``: a symbolic link is removed, never followed;
* first makes the top folder ours and private (``0700``; owner = us when root), so even
  if removal fails part-way, what is left is not readable by other users or by the next
  submission that gets the same sandbox uid;
* gives folders ``0700`` when the owner (not root) has locked itself out;
* never raises: it returns whether the tree is gone (and logs a warning when not).

:func:`temporary_folder` is ``tempfile.TemporaryDirectory`` with this removal.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import stat
import tempfile
from pathlib import Path
from typing import Iterator

log = logging.getLogger(__name__)
DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def _identity(fd: int) -> tuple[int, int]:
    st = os.fstat(fd)
    return st.st_dev, st.st_ino


def _make_private(fd: int) -> None:
    """Owner = us (when root) and mode 0700 for the open folder ``fd``; best effort."""
    with contextlib.suppress(OSError):
        if os.geteuid() == 0:
            os.fchown(fd, 0, 0)
        os.fchmod(fd, 0o700)


def _clear_files(fd: int) -> list[str]:
    """Unlink every entry of folder ``fd`` that is not a folder; return the sub-folders' names."""
    folders = []
    with os.scandir(fd) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                folders.append(entry.name)
            else:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.name, dir_fd=fd)
    return folders


def _open_child(fd: int, name: str) -> int | None:
    """Open sub-folder ``name`` of ``fd`` (made enterable if its owner locked it); None if it is gone."""
    try:
        return os.open(name, DIR_FLAGS, dir_fd=fd)
    except FileNotFoundError:
        return None
    except PermissionError:
        if not stat.S_ISDIR(os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode):
            raise
        os.chmod(name, 0o700, dir_fd=fd)
        return os.open(name, DIR_FLAGS, dir_fd=fd)
    except OSError as exc:  # replaced by a link (ELOOP) or a file since the scan
        if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
            raise
        os.unlink(name, dir_fd=fd)
        return None


def _empty(top: int) -> None:
    """Delete everything inside the open folder ``top``; raises OSError on failure.

    Stack entries: (name of the current folder in its parent, parent's (dev, inode),
    sub-folders of the parent still to visit). Memory: the names of pending sub-folders.
    """
    stack: list[tuple[str, tuple[int, int], list[str]]] = []
    fd, pending = top, _clear_files(top)
    try:
        while True:
            if pending:
                name = pending.pop()
                child = _open_child(fd, name)
                if child is None:
                    continue
                stack.append((name, _identity(fd), pending))
                if fd != top:
                    os.close(fd)
                fd = child
                with contextlib.suppress(OSError):
                    os.fchmod(fd, 0o700)
                pending = _clear_files(fd)
                continue
            if not stack:
                return
            name, parent, pending = stack.pop()
            up = top if not stack else os.open("..", DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = up
            if _identity(fd) != parent:
                raise OSError(f"folder {name!r} was moved while it was being removed")
            os.rmdir(name, dir_fd=fd)
    finally:
        if fd != top:
            os.close(fd)


def remove_tree(path: str | os.PathLike) -> bool:
    """Remove ``path`` (a folder and everything in it, or a link or file) without following
    links or recursing; True when it is gone. Never raises."""
    path = Path(path)
    try:
        if not stat.S_ISDIR(os.lstat(path).st_mode):
            path.unlink()
            return True
        fd = os.open(path, DIR_FLAGS)
    except FileNotFoundError:
        return True
    except OSError as exc:
        log.warning("could not remove %s: %s", path, exc)
        return False
    try:
        _make_private(fd)
        _empty(fd)
        os.rmdir(path)
        return True
    except (OSError, ValueError) as exc:
        log.warning("could not remove %s (left private, mode 0700): %s", path, exc)
        return False
    finally:
        os.close(fd)


@contextlib.contextmanager
def temporary_folder(prefix: str, parent: str | os.PathLike | None = None) -> Iterator[Path]:
    """A fresh private folder (``mkdtemp``), removed with :func:`remove_tree` on exit."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    try:
        yield path
    finally:
        remove_tree(path)
