"""Turn what the grading child left behind into an :class:`Outcome` (one gradebook row).

Status rules, checked in this order:

* ``timeout``      -- the wall-clock limit was reached (the whole process tree was killed), or
  the safe engine's child stopped a cell still running at its deadline (just before it);
* ``output-limit`` -- cells printed more than the output cap, or a file hit the size cap;
* ``disk-limit``   -- (safe engine, bwrap) the notebook filled its folder's quota; set by
  :func:`.safe.outcome_of`, which keeps the points its probes still earned;
* ``memory``       -- no results and the child died of memory (MemoryError, bad_alloc,
  SIGKILL from the kernel's OOM killer), or a cell raised MemoryError (points kept);
* ``crashed``      -- otter produced no usable results.json;
* ``graded``       -- otherwise; cells that raised are listed in the feedback.

Failure messages of hidden tests never carry the test's code: we show the test's
``failure_message`` if the instructor wrote one, else only the final exception line.
"""

from __future__ import annotations

import dataclasses
import json
import re
import signal
from pathlib import Path

from grader.grade.autograder import Autograder
from grader.grade.child import OUTPUT_LIMIT_EXIT
from grader.grade.discover import Submission
from grader.grade.probe_child import CELL_TIMEOUT_EXIT
from grader.textsafe import clean_text

MEMORY_SIGNS = ("MemoryError", "Cannot allocate memory", "bad_alloc", "out of memory")
#: Log lines that never say why a run failed: Jupyter's own warnings (the kernel's "running
#: over TCP without encryption" and any other ``[IPKernelApp] WARNING``).
NOISE = re.compile(r"^\[IPKernelApp\] WARNING\b|Kernel is running over TCP without encryption")


@dataclasses.dataclass
class Outcome:
    """One graded submission; ``failures`` are safe to show the student."""

    id: str
    status: str
    points: dict[str, float]
    duration_s: float = 0.0
    detail: str = ""
    results: dict | None = None
    failures: list[dict] = dataclasses.field(default_factory=list)
    cell_errors: list[dict] = dataclasses.field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(self.points.values())


def rejected(submission: Submission, autograder: Autograder, status: str, reason: str) -> Outcome:
    """An Outcome with zero points for a submission that was not (fully) run."""
    detail = "; ".join(x for x in (reason, submission.note) if x)
    return Outcome(id=submission.id, status=status, points=dict.fromkeys(autograder.questions, 0.0),
                   detail=detail)


def _clean_failure(failure: dict) -> dict:
    return {"question": clean_text(failure.get("question", ""), 100), "test": clean_text(failure.get("test", ""), 200),
            "hidden": bool(failure.get("hidden")),
            "message": clean_text(failure.get("message", ""), 5000, multiline=True)}


def _clean_cell_error(error: dict) -> dict:
    return {"cell": error.get("cell", ""), "ename": clean_text(error.get("ename", ""), 100),
            "evalue": clean_text(error.get("evalue", ""), 500)}


def cleaned(outcome: Outcome) -> Outcome:
    """``outcome`` with every text a submission could have shaped through
    :func:`~grader.textsafe.clean_text` (detail one line; messages keep their lines)."""
    outcome.detail = clean_text(outcome.detail)
    outcome.failures = [_clean_failure(f) for f in outcome.failures]
    outcome.cell_errors = [_clean_cell_error(e) for e in outcome.cell_errors]
    return outcome


def last_line(text: str) -> str:
    """Last non-blank line of ``text`` (the exception line of a traceback)."""
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    return lines[-1][:300] if lines else ""


def cause_line(text: str) -> str:
    """Last non-blank line of ``text`` that is not known log noise (:data:`NOISE`): the cause
    of a crash rather than the kernel's last warning ("" when only noise is left)."""
    return last_line("\n".join(ln for ln in (text or "").splitlines() if not NOISE.search(ln.strip())))


def safe_failures(cases: list[dict]) -> list[dict]:
    """Failed test cases as ``{question, test, hidden, message}`` with no hidden test code."""
    failures = []
    for case in cases:
        if case["passed"]:
            continue
        if case["hidden"]:
            message = case.get("failure_message") or f"hidden test failed: {last_line(case['message'])}"
        else:
            message = "\n".join(x for x in (case.get("failure_message"), case["message"].strip()) if x)
        failures.append({"question": case["question"], "test": case["name"],
                         "hidden": case["hidden"], "message": message})
    return failures


def _limit_status(finished, limits) -> tuple[str, str] | None:
    if finished.timed_out or finished.returncode == CELL_TIMEOUT_EXIT:
        return "timeout", f"stopped after the {limits.timeout_s:g} s wall-clock limit"
    if finished.returncode in (OUTPUT_LIMIT_EXIT, -signal.SIGXFSZ):
        return "output-limit", (cause_line(finished.stderr) or "output limit") + f" (cap {limits.output_mb:g} MB)"
    return None


def _crash_status(finished, limits) -> tuple[str, str]:
    text = finished.stderr + finished.stdout
    if any(sign in text for sign in MEMORY_SIGNS) or finished.returncode == -signal.SIGKILL:
        return "memory", f"ran out of memory (limit {limits.memory_mb} MB): {cause_line(text)}"
    return "crashed", f"otter failed (exit {finished.returncode}): {cause_line(text) or 'no output'}"


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def score(submission: Submission, autograder: Autograder, finished, out: Path, limits) -> Outcome:
    """Build the Outcome from ``out/results.json`` and ``out/verdict.json``."""
    results, verdict = _read_json(out / "results.json"), _read_json(out / "verdict.json") or {}
    scored = {t["name"]: float(t["score"]) for t in (results or {}).get("tests", [])
              if t.get("name") in autograder.questions and "score" in t}
    stopped = _limit_status(finished, limits)
    if stopped is None and not scored:
        stopped = _crash_status(finished, limits)
    outcome = rejected(submission, autograder, *(stopped or ("graded", "")))
    outcome.points.update(scored)
    outcome.duration_s, outcome.results = finished.duration_s, results
    outcome.failures = safe_failures(verdict.get("cases", []))
    outcome.cell_errors = verdict.get("cell_errors", [])
    memory_cells = [e["cell"] for e in outcome.cell_errors if e["ename"] == "MemoryError"]
    if outcome.status == "graded" and memory_cells:
        outcome.status = "memory"
        outcome.detail = "; ".join(x for x in (
            f"cell {memory_cells[0]} raised MemoryError (limit {limits.memory_mb} MB); "
            "points are those the rest of the notebook earned", outcome.detail) if x)
    return outcome
