"""Record outcomes: the gradebook (CSV), one feedback file per student, raw otter results.

Every file is written through :mod:`grader.atomic`, so an interrupted run never leaves a
half-written gradebook. The gradebook always has one row per discovered submission (rows
not finished yet have status ``pending``); its FIRST row after the header is ``POINTS POSSIBLE``
(each question's points, manual ones at their real points), so a spreadsheet average over a
column's student rows is one range from the third line down. Manual scores are applied by
:mod:`.manual` before rows reach :func:`write_gradebook`.
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
from grader.grade.engines.base import Outcome
from grader.textsafe import csv_row, safe_stem

PENDING = "pending"
FIXED_LEFT, FIXED_RIGHT = ["id", "status"], ["total", "possible", "integrity", "duration_s", "detail"]
# ``integrity``: space-separated codes (``lib:sklearn``, ``sim:alice,bob(0.91)``, the probe's own), "" when
# none; :func:`row_of` holds the probe's ``integrity_flags``, grade adds the batch's (grader.submissions.integrity_batch)


def columns(autograder: Autograder) -> list[str]:
    """Gradebook header: id, status, one column per question (otter's order), totals, integrity, detail."""
    return FIXED_LEFT + list(autograder.questions) + FIXED_RIGHT


def row_of(outcome: Outcome, autograder: Autograder) -> dict:
    """The gradebook row (a dict keyed by :func:`columns`) of one outcome."""
    return {"id": outcome.id, "status": outcome.status, **outcome.points,
            "total": round(outcome.total, 5), "possible": autograder.possible,
            "integrity": " ".join(outcome.integrity_flags),
            "duration_s": round(outcome.duration_s, 1), "detail": outcome.detail}


def pending_row(sid: str, autograder: Autograder, note: str = "") -> dict:
    """Row for a submission whose grading has not finished (yet)."""
    detail = "; ".join(x for x in ("not graded yet: re-run the same command to grade it", note) if x)
    return {"id": sid, "status": PENDING, **dict.fromkeys(autograder.questions, ""), "total": "",
            "possible": autograder.possible, "integrity": "", "duration_s": "", "detail": detail}


MISSING = "missing"


def missing_row(sid: str, autograder: Autograder) -> dict:
    """Row of a roster student who submitted nothing: status ``missing``, 0 points everywhere."""
    return {"id": sid, "status": MISSING, **dict.fromkeys(autograder.questions, 0.0), "total": 0.0,
            "possible": autograder.possible, "integrity": "", "duration_s": "",
            "detail": "no submission matched this roster student: 0 points"}


POINTS_ROW = "POINTS POSSIBLE"


def points_row(autograder: Autograder) -> dict:
    """The ``POINTS POSSIBLE`` row: every question's points, manual ones included."""
    manual = ", ".join(autograder.manual)
    return {"id": POINTS_ROW, **autograder.points, "total": autograder.possible, "possible": autograder.possible,
            "detail": f"graded by hand: {manual}" if manual else ""}


def write_gradebook(path: Path, rows: list[dict], autograder: Autograder) -> None:
    """Atomically write the header, the ``POINTS POSSIBLE`` row, then ``rows``."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns(autograder), extrasaction="ignore")
    writer.writeheader()
    writer.writerow(points_row(autograder))
    writer.writerows(csv_row(row) for row in rows)
    atomic.write_text(path, buffer.getvalue())


def _manual_cell(q: str, outcome: Outcome, manual: dict[str, float]) -> str:
    if q in manual:
        return f"{manual[q]:g} (graded by hand)"
    return "manual: pending" if q in outcome.points else "-"


def feedback_markdown(outcome: Outcome, autograder: Autograder, manual: dict[str, float] | None = None) -> str:
    """Student feedback: status, each question's score (manual ones: the hand-given score or
    ``manual pending``), failed tests' messages, cell errors."""
    manual = {q: s for q, s in (manual or {}).items() if q in autograder.manual}
    total = outcome.total + sum(s - outcome.points.get(q, 0.0) for q, s in manual.items())
    lines = [f"# Feedback for {outcome.id}", "",
             f"**Total: {total:g} / {autograder.possible:g}** (status: {outcome.status})", ""]
    pending = [q for q in autograder.manual if q not in manual]
    if pending:
        lines += [f"Graded by hand, not in the total yet: {', '.join(pending)}.", ""]
    if outcome.detail:
        lines += [f"Note: {outcome.detail}", ""]
    lines += ["| question | points | possible |", "|---|---|---|"]
    lines += [f"| {q} | {_manual_cell(q, outcome, manual) if q in autograder.manual else f'{outcome.points.get(q, 0):g}'}"
              f" | {p:g} |" for q, p in autograder.points.items()]
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


def write_outcome_files(out: Path, outcome: Outcome, autograder: Autograder,
                        manual: dict[str, float] | None = None) -> None:
    """``feedback/<stem>.md`` always; ``results/<stem>.json`` when otter produced results
    (``stem`` = :func:`~grader.textsafe.safe_stem` of the id: the id itself when it is a safe name)."""
    stem = safe_stem(outcome.id)
    atomic.write_text(out / "feedback" / f"{stem}.md", feedback_markdown(outcome, autograder, manual))
    if outcome.results is not None:
        atomic.write_text(out / "results" / f"{stem}.json", json.dumps(outcome.results, indent=2))


def outcome_of_entry(sid: str, entry: dict, autograder: Autograder) -> Outcome:
    """The Outcome a state entry describes (for rewriting feedback without regrading)."""
    row = entry["row"]
    points = {q: float(row[q]) for q in autograder.questions if row.get(q) not in ("", None)}
    return Outcome(id=sid, status=row["status"], points=points, duration_s=float(row.get("duration_s") or 0),
                   detail=row.get("detail", ""), failures=entry.get("failures", []),
                   cell_errors=entry.get("cell_errors", []))
