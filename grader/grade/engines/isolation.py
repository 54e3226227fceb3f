"""Wrap a grading child in the isolation chosen once per batch (:func:`sandbox_for`).

Modes (``--sandbox``; ``auto`` takes the first that works here, in this order, once per process):

* ``bwrap``   -- bubblewrap (Debian package ``bubblewrap``): new network, pid, ipc and uts
  namespaces, a root file system of read-only binds (``/usr``, ``/lib*``, ``/bin``,
  ``/etc``, the venv and the Python prefix) with this project's own packages and metadata
  hidden in them (:mod:`.masks`: no ``import solutions``); the submission's folder is a
  fresh tmpfs of :data:`DISK_MB` MB (the disk quota) at the same path, holding read-only
  binds of the files the grader put there and an empty ``tmp/``; the child writes its results
  back through an open handle on the real folder (:func:`results_fd`);
  ``--die-with-parent`` so killing the wrapper kills the whole namespace;
* ``unshare`` -- ``unshare --net --pid --fork --kill-child``: no network, own pid space, but
  the file system is the host's (only permissions protect it; no disk quota);
* ``none``    -- no namespaces: only limits and uids remain.

A mode weaker than bwrap logs a one-line warning. Forcing a mode this machine cannot run
is a ``GraderError``. When the grader runs as root, each child also drops to its own
unprivileged uid (:mod:`.uids`: one uid per running submission, locked host-wide) so that
``RLIMIT_NPROC`` is enforced (the kernel never enforces it for root), and nothing of the
grader's is writable; ``drop_uid=False`` (``--no-drop-uid``) keeps root and logs a loud warning.
In every mode the child itself refuses user namespaces and ptrace to everything it starts
(:func:`.probe_child.protect_self`). Whether the chosen sandbox can run the grader's Python
at all is checked by :mod:`.preflight`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from grader.errors import GraderError
from grader.grade.masks import mask_args
from grader.grade.uids import FIRST_UID, UIDS, UidPool, kill_uid  # noqa: F401 - the pool's public names

log = logging.getLogger(__name__)
DISK_MB = 512  # the bwrap sandbox's writable folder: a tmpfs of this size (RAM while it lives)
MODES = ("auto", "bwrap", "unshare", "none")
UNSHARE = ["unshare", "--net", "--pid", "--fork", "--kill-child"]
WEAKER = {"unshare": "without network but see the host's files",
          "none": "WITH network and the host's file system (only limits apply)"}


def _ro_roots() -> list[str]:
    """Host folders bound read-only: the system's and the grader's Python (venv and base prefix)."""
    ro = ["/usr", "/etc"] + [p for p in ("/lib", "/lib64", "/lib32", "/bin", "/sbin") if os.path.exists(p)]
    return ro + sorted({str(Path(sys.prefix).resolve()), str(Path(sys.base_prefix).resolve())})


def _workdir_args(workdir: Path) -> list[str]:
    """``workdir`` as a fresh tmpfs of :data:`DISK_MB` MB with read-only binds of its files and an empty ``tmp/``."""
    args = ["--size", str(DISK_MB * 1024 * 1024), "--perms", "1777", "--tmpfs", str(workdir),
            "--perms", "1777", "--dir", str(workdir / "tmp")]
    for path in sorted(workdir.iterdir()):
        if path.is_file() and not path.is_symlink():
            args += ["--ro-bind", str(path), str(path)]
    return args + ["--chdir", str(workdir)]


def _bwrap_argv(workdir: Path) -> list[str]:
    """The bwrap command line for a child in ``workdir`` (see the module docstring), mounts parents first."""
    ro = _ro_roots()
    argv = ["bwrap", "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--die-with-parent", "--new-session", "--proc", "/proc", "--dev", "/dev"]
    parents = {str(p) for path in ro[2:] + [str(workdir)] for p in Path(path).parents if str(p) != "/"}
    for parent in sorted(parents - set(ro), key=len):  # made first, world-readable, before any bind
        argv += ["--perms", "0755", "--dir", parent]
    blocks = [(Path(path), ["--ro-bind", path, path]) for path in ro]
    blocks += mask_args([Path(path) for path in ro])
    for _, args in sorted(blocks, key=lambda block: len(block[0].parts)):  # stable: binds before their masks
        argv += args
    return argv + _workdir_args(workdir)


@contextlib.contextmanager
def results_fd(box: "Sandbox", workdir: Path):
    """An open handle on ``workdir`` for the child to write its results through (bwrap: its own
    ``workdir`` is a tmpfs that vanishes with it), passed with ``pass_fds``; None in other modes."""
    if box.mode != "bwrap":
        yield None
        return
    fd = os.open(workdir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        yield fd
    finally:
        os.close(fd)


@functools.lru_cache(maxsize=None)
def _works(how: str) -> bool:
    with tempfile.TemporaryDirectory(prefix="mlp-sandbox-probe-") as tmp:
        argv = _bwrap_argv(Path(tmp)) if how == "bwrap" else UNSHARE
        try:
            return subprocess.run(argv + ["true"], capture_output=True, timeout=20).returncode == 0
        except (OSError, subprocess.SubprocessError):
            return False


def available(how: str) -> bool:
    """Can this machine run children in mode ``how`` (its tool on PATH and working)?"""
    return how == "none" or (shutil.which(how) is not None and _works(how))


@functools.lru_cache(maxsize=None)
def _warn_weak(how: str) -> None:
    log.warning("grade: bubblewrap is not used; submissions run %s. Install the Debian package 'bubblewrap' "
                "for a read-only file system and no network.", WEAKER[how])


@functools.lru_cache(maxsize=1)
def mode() -> str:
    """The strongest mode that works here: ``bwrap``, ``unshare`` or ``none`` (what ``auto`` picks)."""
    return next(how for how in MODES[1:] if available(how))


@dataclasses.dataclass(frozen=True)
class Sandbox:
    """The isolation of one batch: a mode, and whether children drop to their own uid."""

    mode: str
    drop_uid: bool

    def wrap(self, argv: list[str], workdir: Path, uid: int | None) -> list[str]:
        """``argv`` run inside this sandbox, as ``uid`` when not None."""
        drop = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--"] if uid is not None else []
        if self.mode == "bwrap":
            return _bwrap_argv(workdir) + drop + argv
        return (UNSHARE if self.mode == "unshare" else []) + drop + argv

    def take_uid(self) -> int | None:
        """A free uid for one child; None when children keep the grader's uid."""
        return UIDS.take() if self.drop_uid else None

    def describe(self) -> str:
        who = "own uid per submission" if self.drop_uid else "as root" if os.geteuid() == 0 else "as this user"
        return f"{self.mode}, {who}"


def sandbox_for(requested: str = "auto", *, drop_uid: bool = True) -> Sandbox:
    """Resolve ``--sandbox`` and ``--no-drop-uid`` once for a batch; ``GraderError`` if impossible here."""
    if requested not in MODES:
        raise GraderError(f"--sandbox {requested}: unknown mode; use one of {', '.join(MODES)}")
    if requested != "auto" and not available(requested):
        raise GraderError(f"--sandbox {requested}: {requested} is not on PATH or cannot create namespaces here; "
                          f"install the Debian package {'bubblewrap' if requested == 'bwrap' else 'util-linux'}, "
                          "or use --sandbox auto")
    how = mode() if requested == "auto" else requested
    if how != "bwrap":
        _warn_weak(how)
    root = os.geteuid() == 0
    if root and drop_uid and not shutil.which("setpriv"):
        raise GraderError("grading as root needs setpriv to run each submission under its own uid, and it is "
                          "missing; install the Debian package util-linux, or pass --no-drop-uid (unsafe)")
    if root and not drop_uid:
        log.warning("WARNING: --no-drop-uid: student code runs AS ROOT (sandbox %s). It can kill the grader, "
                    "fork without limit and read and change ANY file here, labels included (root keeps its "
                    "capabilities even under bwrap). Use it only for notebooks you trust.", how)
    return Sandbox(how, root and drop_uid)
