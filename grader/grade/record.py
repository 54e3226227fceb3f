"""Record outcomes: the gradebook (CSV), one feedback file per student, raw otter results.

Every file is written through :mod:`grader.atomic`, so an interrupted run never leaves a
half-written gradebook. The gradebook always has one row per discovered submission (rows
not finished yet have status ``pending``) and ends with a ``POINTS POSSIBLE`` row.
Student-shaped text is safe here: cells are one line and cannot start a spreadsheet
formula (:func:`grader.textsafe.csv_row`), file names come from
:func:`grader.textsafe.safe_stem` (any id, any length, any bytes).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from grader import atomic
from grader.grade.autograder import Autograder
from grader.grade.score import Outcome
from grader.textsafe import csv_row, safe_stem

PENDING = "pending"
FIXED_LEFT, FIXED_RIGHT = ["id", "status"], ["total", "possible", "duration_s", "detail"]


def columns(autograder: Autograder) -> list[str]:
    """Gradebook header: id, status, one column per question (otter's order), totals, detail."""
    return FIXED_LEFT + list(autograder.questions) + FIXED_RIGHT


def row_of(outcome: Outcome, autograder: Autograder) -> dict:
    """The gradebook row (a dict keyed by :func:`columns`) of one outcome."""
    return {"id": outcome.id, "status": outcome.status, **outcome.points,
            "total": round(outcome.total, 5), "possible": autograder.possible,
            "duration_s": round(outcome.duration_s, 1), "detail": outcome.detail}


def pending_row(sid: str, autograder: Autograder, note: str = "") -> dict:
    """Row for a submission whose grading has not finished (yet)."""
    detail = "; ".join(x for x in ("not graded yet: re-run the same command to grade it", note) if x)
    return {"id": sid, "status": PENDING, **dict.fromkeys(autograder.questions, ""), "total": "",
            "possible": autograder.possible, "duration_s": "", "detail": detail}


def write_gradebook(path: Path, rows: list[dict], autograder: Autograder) -> None:
    """Atomically write ``rows`` plus the final ``POINTS POSSIBLE`` row."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns(autograder), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(csv_row(row) for row in rows)
    writer.writerow({"id": "POINTS POSSIBLE", **autograder.questions,
                     "total": autograder.possible, "possible": autograder.possible})
    atomic.write_text(path, buffer.getvalue())


def feedback_markdown(outcome: Outcome, autograder: Autograder) -> str:
    """Student feedback: status, each question's score, failed tests' messages, cell errors."""
    lines = [f"# Feedback for {outcome.id}", "",
             f"**Total: {outcome.total:g} / {autograder.possible:g}** (status: {outcome.status})", ""]
    if outcome.detail:
        lines += [f"Note: {outcome.detail}", ""]
    lines += ["| question | points | possible |", "|---|---|---|"]
    lines += [f"| {q} | {outcome.points.get(q, 0):g} | {p:g} |" for q, p in autograder.questions.items()]
    for question in autograder.questions:
        failed = [f for f in outcome.failures if f["question"] == question]
        if failed:
            lines += ["", f"## {question}: failed tests", ""]
            for f in failed:
                kind = "hidden test" if f["hidden"] else "public test"
                lines += [f"- {kind} `{f['test']}`:", "", "```", f["message"], "```", ""]
    if outcome.cell_errors:
        lines += ["", "## Cells that raised an error", ""]
        lines += [f"- cell {e['cell']}: `{e['ename']}: {e['evalue'][:200]}`" for e in outcome.cell_errors]
    return "\n".join(lines).rstrip() + "\n"


def write_outcome_files(out: Path, outcome: Outcome, autograder: Autograder) -> None:
    """``feedback/<stem>.md`` always; ``results/<stem>.json`` when otter produced results
    (``stem`` = :func:`~grader.textsafe.safe_stem` of the id: the id itself when it is a safe name)."""
    stem = safe_stem(outcome.id)
    atomic.write_text(out / "feedback" / f"{stem}.md", feedback_markdown(outcome, autograder))
    if outcome.results is not None:
        atomic.write_text(out / "results" / f"{stem}.json", json.dumps(outcome.results, indent=2))
