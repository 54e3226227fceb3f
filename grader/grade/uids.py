"""Sandbox uids, unique on the whole host: one lock file per uid, held while the uid is in use.

When the grader runs as root, each running submission gets its own unprivileged uid
(:data:`FIRST_UID` and up), and when it ends every process of that uid is killed
(:func:`kill_uid`). Two graders on one host must therefore never hand out the same uid,
or one grader's cleanup kills the other's submission. :meth:`UidPool.take`:

1. opens the host-wide lock folder (:func:`lock_folder`: ``/run/mlp-course-uids`` as root,
   else ``<tmp>/mlp-course-uids-<euid>``; made mode 0700, refused unless it is a real
   folder owned by us and closed to others);
2. tries ``flock(LOCK_EX | LOCK_NB)`` on ``<uid>.lock`` for each uid in turn and keeps the
   first lock it gets (the file stays open: the lock lasts until :meth:`UidPool.give`, or
   until this process dies, however it dies, so a crashed grader frees its uids);
3. kills any process still running as that uid (left over by a grader that died), since
   nobody else may use it now.
"""

from __future__ import annotations

import fcntl
import os
import stat
import tempfile
import threading
from pathlib import Path

from grader.errors import GraderError

FIRST_UID = 62000
POOL_SIZE = 256
ROOT_FOLDER = Path("/run/mlp-course-uids")


def default_folder() -> Path:
    """``/run/mlp-course-uids`` as root (when ``/run`` exists), else ``<tmp>/mlp-course-uids-<euid>``."""
    if os.geteuid() == 0 and ROOT_FOLDER.parent.is_dir():
        return ROOT_FOLDER
    return Path(tempfile.gettempdir()) / f"mlp-course-uids-{os.geteuid()}"


def lock_folder(path: Path | None = None) -> Path:
    """``path`` (default :func:`default_folder`), made 0700 if missing; ``GraderError`` unless it is ours alone."""
    path = path or default_folder()
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise GraderError(f"uid lock folder {path}: cannot create it ({exc.strerror}); "
                          "make its parent writable for the grader's user") from None
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o077:
        raise GraderError(f"uid lock folder {path} is not a folder of uid {os.geteuid()} closed to others "
                          f"(mode 0700); remove it (rm -r {path}) and grade again")
    return path


def kill_uid(uid: int | None) -> None:
    """SIGKILL every process running as ``uid`` (the sandbox's own uid; never ours)."""
    if uid is None or uid == os.geteuid():
        return
    import psutil

    for proc in psutil.process_iter(["uids"]):
        try:
            if proc.info["uids"] and uid in proc.info["uids"]:
                proc.kill()
        except (psutil.Error, OSError):
            continue


class UidPool:
    """Hands out uids ``first .. first + size - 1``, each locked host-wide while in use (see the module docstring)."""

    def __init__(self, first: int = FIRST_UID, size: int = POOL_SIZE, folder: Path | None = None):
        self.first, self.size, self.folder = first, size, folder
        self.lock, self.held = threading.Lock(), {}

    def take(self) -> int:
        """A uid no grader on this host is using; ``GraderError`` when all are taken."""
        with self.lock:
            folder = lock_folder(self.folder)
            for uid in range(self.first, self.first + self.size):
                if uid not in self.held and self._lock(folder, uid):
                    kill_uid(uid)
                    return uid
        raise GraderError(f"all {self.size} sandbox uids ({self.first}-{self.first + self.size - 1}) are in use "
                          f"by graders on this host (locks in {folder}); wait for one to finish, or grade with "
                          "fewer --jobs")

    def _lock(self, folder: Path, uid: int) -> bool:
        fd = os.open(folder / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self.held[uid] = fd
        return True

    def give(self, uid: int | None) -> None:
        """Release ``uid`` (after its processes were killed); None is ignored."""
        with self.lock:
            fd = self.held.pop(uid, None)
        if fd is not None:
            os.close(fd)


UIDS = UidPool()
