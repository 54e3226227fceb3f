"""Turn what the grading child left behind into an :class:`Outcome` (one gradebook row).

The statuses (``timeout``, ``output-limit``, ``memory``, ``crashed``) are classified by
:mod:`.status` for both engines; ``disk-limit`` (safe engine, bwrap: the notebook filled its
folder's quota) is set by :func:`.safe.outcome_of`, which keeps the points its probes still
earned. The otter engine's run is ``crashed`` when otter produced no usable results.json,
else ``graded``; cells that raised are listed in the feedback.

Failure messages of hidden tests never carry the test's code: we show the test's
``failure_message`` if the instructor wrote one, else only the final exception line.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from grader.grade.autograder import Autograder
from grader.submissions.discover import Submission
from grader.grade.status import crash_status, last_line, limit_status, memory_cell_status
from grader.textsafe import clean_text


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
    integrity_flags: tuple[str, ...] = ()  # short codes (``model:MLPClassifier``); never points

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
    stopped = limit_status(finished, limits)
    if stopped is None and not scored:
        stopped = crash_status(finished, limits, failed="otter failed")
    outcome = rejected(submission, autograder, *(stopped or ("graded", "")))
    outcome.points.update(scored)
    outcome.duration_s, outcome.results = finished.duration_s, results
    outcome.failures = safe_failures(verdict.get("cases", []))
    outcome.cell_errors = verdict.get("cell_errors", [])
    memory = memory_cell_status(outcome.cell_errors, limits) if outcome.status == "graded" else None
    if memory is not None:
        outcome.status = memory[0]
        outcome.detail = "; ".join(x for x in (memory[1], outcome.detail) if x)
    return outcome
