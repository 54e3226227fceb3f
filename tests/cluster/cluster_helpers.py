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


def _grading(pid: int) -> bool:
    """Does worker process ``pid`` have a sandboxed grading child right now?"""
    import psutil

    try:
        return any("probe_child.py" in " ".join(p.cmdline()) for p in psutil.Process(pid).children(recursive=True))
    except psutil.Error:
        return False


class WorkerKiller(threading.Thread):
    """SIGKILLs, by pid, the Dask worker process that is grading a submission ``wanted`` accepts
    (its task executing AND its sandboxed child running), at most ``times`` times."""

    def __init__(self, batches: list, wanted=lambda key: True, times: int = 1):
        super().__init__(daemon=True)
        self.batches, self.wanted, self.times = batches, wanted, times
        self.killed: list[tuple[str, str]] = []  # (worker address, task key)
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set() and len(self.killed) < self.times:
            time.sleep(0.2)
            client = self.batches[-1].client if self.batches else None
            if client is None:
                continue
            try:
                running = client.run(lambda dask_worker: (os.getpid(), [str(t.key) for t in dask_worker.state.executing]),
                                     on_error="return")
            except Exception:  # noqa: BLE001 - the cluster is starting or closing
                continue
            for address, found in running.items():
                if not isinstance(found, tuple) or address in {a for a, _ in self.killed}:
                    continue
                pid, keys = found
                key = next((k for k in keys if self.wanted(k)), None)
                if key is not None and _grading(pid):
                    os.kill(pid, signal.SIGKILL)
                    self.killed.append((address, key))
                    break

    def __enter__(self) -> "WorkerKiller":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()
        self.join(timeout=10)
