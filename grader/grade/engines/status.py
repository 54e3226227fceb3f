"""How a grading child ended, as a gradebook status: one classifier for both engines.

Rules, checked in this order (each engine adds its own words through parameters):

* ``timeout``      -- the wall-clock limit was reached (the whole process tree was killed), or
  the sandboxed child stopped a cell still running at its deadline (just before it);
* ``output-limit`` -- cells printed more than the output cap, or a file hit the size cap;
* ``memory``       -- no results and the child died of memory (MemoryError, bad_alloc, SIGKILL
  from the kernel's OOM killer), or (otter engine) a cell raised MemoryError (points kept:
  :func:`memory_cell_status`);
* ``crashed``      -- no results otherwise.

The exit codes come from :mod:`grader.grade.engines.child_toolkit`, which both children use. The
``disk-limit`` status is the sandboxed engine's own (:meth:`grader.grade.engines.sandboxed.SandboxedEngine.score`).
"""

from __future__ import annotations

import re
import signal

from grader.grade.engines.child_toolkit import CELL_TIMEOUT_EXIT, OUTPUT_LIMIT_EXIT

MEMORY_SIGNS = ("MemoryError", "Cannot allocate memory", "bad_alloc", "out of memory")
#: Log lines that never say why a run failed: Jupyter's own warnings (the kernel's "running
#: over TCP without encryption" and any other ``[IPKernelApp] WARNING``).
NOISE = re.compile(r"^\[IPKernelApp\] WARNING\b|Kernel is running over TCP without encryption")


def last_line(text: str) -> str:
    """Last non-blank line of ``text`` (the exception line of a traceback)."""
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    return lines[-1][:300] if lines else ""


def cause_line(text: str) -> str:
    """Last non-blank line of ``text`` that is not known log noise (:data:`NOISE`): the cause
    of a crash rather than the kernel's last warning ("" when only noise is left)."""
    return last_line("\n".join(ln for ln in (text or "").splitlines() if not NOISE.search(ln.strip())))


def limit_status(finished, limits) -> tuple[str, str] | None:
    """``(status, detail)`` when the child (a :class:`~.contained.Finished`) hit the time or output
    limit of ``limits`` (a :class:`~.base.Limits`), else None."""
    if finished.timed_out or finished.returncode == CELL_TIMEOUT_EXIT:
        return "timeout", f"stopped after the {limits.timeout_s:g} s wall-clock limit"
    if finished.returncode in (OUTPUT_LIMIT_EXIT, -signal.SIGXFSZ):
        return "output-limit", (cause_line(finished.stderr) or "output limit") + f" (cap {limits.output_mb:g} MB)"
    return None


def crash_status(finished, limits, *, failed: str = "otter failed", lead: str | None = None) -> tuple[str, str]:
    """``("memory" | "crashed", detail)`` for a child that left no results: the detail is a lead,
    then the cause (the last line of its logs that is not noise).

    The lead is ``lead`` when the engine gives one (for both statuses), else "ran out of memory
    (limit M MB)" or "``failed`` (exit N)" ; a crash with no cause says "no output".
    """
    text = finished.stderr + finished.stdout
    memory = any(sign in text for sign in MEMORY_SIGNS) or finished.returncode == -signal.SIGKILL
    if lead is None:
        lead = f"ran out of memory (limit {limits.memory_mb} MB)" if memory else \
            f"{failed} (exit {finished.returncode})"
    cause = cause_line(text) or ("" if memory else "no output")
    return ("memory" if memory else "crashed"), f"{lead}: {cause}"


def memory_cell_status(cell_errors: list[dict], limits) -> tuple[str, str] | None:
    """``("memory", detail)`` when a cell raised MemoryError though the run finished, else None."""
    cells = [e["cell"] for e in cell_errors if e["ename"] == "MemoryError"]
    if not cells:
        return None
    return "memory", (f"cell {cells[0]} raised MemoryError (limit {limits.memory_mb} MB); "
                      "points are those the rest of the notebook earned")
