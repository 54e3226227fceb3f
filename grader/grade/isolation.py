"""Wrap a grading child in the strongest isolation this machine offers.

Modes, tried in this order once per process (:func:`mode`):

* ``bwrap``   -- bubblewrap (Debian package ``bubblewrap``): new network, pid, ipc and uts
  namespaces, a root file system of read-only binds (``/usr``, ``/lib*``, ``/bin``,
  ``/etc``, the venv and the Python prefix) plus ONE writable bind, the submission's
  own folder; ``--die-with-parent`` so killing the wrapper kills the whole namespace;
* ``unshare`` -- ``unshare --net --pid --fork --kill-child``: no network, own pid space, but
  the file system is the host's (only permissions protect it);
* ``none``    -- no namespaces: a one-line warning is logged, only limits and uids remain.

When the grader runs as root, each child also drops to its own unprivileged uid
(:class:`UidPool`, one uid per running submission) so that ``RLIMIT_NPROC`` is enforced
(the kernel never enforces it for root), and nothing of the grader's is writable.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

log = logging.getLogger(__name__)
FIRST_UID = 62000


def _bwrap_argv(workdir: Path) -> list[str]:
    ro = ["/usr", "/etc"] + [p for p in ("/lib", "/lib64", "/lib32", "/bin", "/sbin") if os.path.exists(p)]
    ro += sorted({str(Path(sys.prefix).resolve()), str(Path(sys.base_prefix).resolve())})
    argv = ["bwrap", "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--die-with-parent", "--new-session", "--proc", "/proc", "--dev", "/dev"]
    parents = {str(p) for path in ro[2:] + [str(workdir)] for p in Path(path).parents if str(p) != "/"}
    for parent in sorted(parents - set(ro), key=len):  # made first, world-readable, before any bind
        argv += ["--perms", "0755", "--dir", parent]
    for path in ro:
        argv += ["--ro-bind", path, path]
    return argv + ["--bind", str(workdir), str(workdir), "--chdir", str(workdir)]


def _works(argv: list[str]) -> bool:
    try:
        return subprocess.run(argv + ["true"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


@functools.lru_cache(maxsize=1)
def mode() -> str:
    """``bwrap``, ``unshare`` or ``none`` (see the module docstring); warns when weaker than bwrap."""
    probe_dir = Path("/tmp")
    if shutil.which("bwrap") and _works(_bwrap_argv(probe_dir)):
        return "bwrap"
    unshare = ["unshare", "--net", "--pid", "--fork", "--kill-child"]
    found = "unshare" if shutil.which("unshare") and _works(unshare) else "none"
    log.warning("grade: bubblewrap is %s; submissions run %s. Install the Debian package 'bubblewrap' "
                "for a read-only file system and no network.",
                "missing or unusable", "without network but see the host's files" if found == "unshare"
                else "WITH network and the host's file system (only limits apply)")
    return found


def wrap(argv: list[str], workdir: Path, uid: int | None) -> list[str]:
    """``argv`` run inside the isolation :func:`mode` gives, as ``uid`` when not None."""
    drop = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--"] if uid is not None else []
    how = mode()
    if how == "bwrap":
        return _bwrap_argv(workdir) + drop + argv
    if how == "unshare":
        return ["unshare", "--net", "--pid", "--fork", "--kill-child"] + drop + argv
    return drop + argv


class UidPool:
    """Hands out one unprivileged uid per running submission (only when we are root)."""

    def __init__(self, first: int = FIRST_UID, size: int = 256):
        self.lock, self.free = threading.Lock(), list(range(first, first + size))

    def take(self) -> int | None:
        if os.geteuid() != 0 or not shutil.which("setpriv"):
            return None
        with self.lock:
            return self.free.pop(0)

    def give(self, uid: int | None) -> None:
        if uid is not None:
            with self.lock:
                self.free.append(uid)


UIDS = UidPool()


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
