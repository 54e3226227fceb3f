"""Run one command as a contained child: own session, wall-clock limit, capped logs.

The memory and file-size limits are applied by the child itself
(:func:`grader.grade.engines.child_toolkit.limit_self`), which avoids ``preexec_fn`` (unsafe when the
parent supervises several children from threads). Here we only:

* start the child in a new session (its own process group);
* tag it with a unique environment variable, so that every process it spawned, even
  those that moved to another session (Jupyter kernels do), can be found and killed;
* wait at most ``timeout`` seconds, then kill everything that carries the tag;
* keep at most ``log_bytes`` of its stdout/stderr (both go to files in its folder).
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import psutil

TAG_VARIABLE = "MLP_COURSE_GRADE_TAG"


@dataclasses.dataclass
class Finished:
    """How a child ended: ``returncode`` (negative = killed by that signal), timing, log tails."""

    returncode: int | None
    timed_out: bool
    duration_s: float
    stdout: str
    stderr: str


def read_capped(path: Path, limit: int) -> str:
    """Last ``limit`` bytes of a log file, decoded leniently."""
    if not path.exists():
        return ""
    with path.open("rb") as f:
        f.seek(max(0, path.stat().st_size - limit))
        return f.read().decode("utf-8", "replace")


def kill_tagged(tag: str, pgid: int | None = None) -> None:
    """Kill the child's process group and every process whose environment carries ``tag``."""
    if pgid is not None:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    for _ in range(5):  # a process may fork while we scan: scan again until none is left
        victims = _tagged(tag)
        if not victims:
            return
        for proc in victims:
            try:
                proc.kill()
            except (psutil.Error, OSError):
                continue
        psutil.wait_procs(victims, timeout=2)


def _tagged(tag: str) -> list:
    """Live processes whose environment carries ``tag``."""
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get(TAG_VARIABLE) == tag:
                found.append(proc)
        except (psutil.Error, OSError):
            continue
    return found


def run_contained(cmd: list[str], *, cwd: Path, env: dict, timeout: float, log_bytes: int, on_start=None,
                  log_dir: Path | None = None, cleanup=None, pass_fds: tuple = ()) -> Finished:
    """Run ``cmd`` in ``cwd`` under the rules above; never raises for the child's own failures.

    ``on_start(kill)`` is called with a function that kills the child (used on Ctrl-C);
    logs go to ``log_dir`` (default ``cwd``); ``cleanup()`` runs after every kill
    (the safe engine kills the sandbox's uid there); ``pass_fds`` stay open in the child.
    """
    tag = uuid.uuid4().hex
    log_dir = log_dir or cwd
    out_path, err_path = log_dir / "child.stdout", log_dir / "child.stderr"

    def kill():
        kill_tagged(tag, proc.pid)
        if cleanup is not None:
            cleanup()

    start = time.perf_counter()
    with out_path.open("wb") as out, err_path.open("wb") as err:
        proc = subprocess.Popen(cmd, cwd=cwd, env={**env, TAG_VARIABLE: tag}, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=err, start_new_session=True, pass_fds=pass_fds)
    if on_start is not None:
        on_start(kill)
    timed_out = False
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        kill()
        proc.wait()
    return Finished(returncode=proc.returncode, timed_out=timed_out,
                    duration_s=time.perf_counter() - start,
                    stdout=read_capped(out_path, log_bytes), stderr=read_capped(err_path, log_bytes))
