"""Helpers of the ``grade --cluster`` tests: gradebook comparison and a killer of Dask workers."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "grade"))
import grade_toy as toy  # noqa: E402


#: The toy submissions every cluster test grades: three that run, two refused by the check.
TOY_IDS = ("good", "wrong", "raises", "invalid", "empty")
LIMITS = {"memory_mb": 1500, "output_mb": 1, "timeout": 300}


def rows_of(out: Path) -> dict[str, dict]:
    """Gradebook rows by id (the POINTS POSSIBLE row left out)."""
    return {r["id"]: r for r in toy.read_gradebook(out / "gradebook.csv") if r["id"] != "POINTS POSSIBLE"}


def marks(rows: dict[str, dict]) -> dict[str, tuple]:
    """What must not depend on where a submission was graded: status and every points column."""
    skip = {"id", "duration_s", "detail"}
    return {sid: tuple((k, v) for k, v in sorted(r.items()) if k not in skip) for sid, r in rows.items()}


def _worker_processes() -> list:
    """This process's Dask worker processes (a ``LocalCluster``'s nannies live here; each worker is a
    spawned child process)."""
    import psutil

    found = []
    for child in psutil.Process().children():
        try:
            if "multiprocessing" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.Error:
            pass
    return found


def _grading(worker, wanted) -> bool:
    """Is ``worker`` running a sandboxed grading child whose command line ``wanted`` accepts?"""
    import psutil

    try:
        lines = [" ".join(p.cmdline()) for p in worker.children(recursive=True)]
    except psutil.Error:
        return False
    return any("probe_child.py" in line and wanted(line) for line in lines)


class WorkerKiller(threading.Thread):
    """SIGKILLs, by pid, each Dask worker process of this process's ``LocalCluster`` caught grading
    (its sandboxed child running) a notebook whose child command line ``wanted`` accepts, at most
    ``times`` times. Only the operating system is asked: no Dask call that a dying worker could stall."""

    def __init__(self, wanted=lambda line: ".ipynb" in line, times: int = 1):  # (not the sandbox preflight)
        super().__init__(daemon=True)
        self.wanted, self.times = wanted, times
        self.killed: list[int] = []  # worker pids
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set() and len(self.killed) < self.times:
            time.sleep(0.1)
            for worker in _worker_processes():
                if worker.pid not in self.killed and _grading(worker, self.wanted):
                    try:
                        os.kill(worker.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        continue
                    self.killed.append(worker.pid)
                    break

    def __enter__(self) -> "WorkerKiller":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()
        self.join(timeout=10)
