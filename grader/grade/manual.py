"""Manual scores of the hand-graded questions, kept with the batch (``OUT/manual_scores.json``).

``grade --manual-scores CSV`` checks the CSV before anything is graded
(:func:`grader.submissions.manual_scores.read_batch_scores`), adds its scores to the stored
ones (a re-given (student, question) replaces the old score) and every later run, with or
without ``--manual-scores``, applies the stored scores again: in the gradebook, the
feedback and the class report. A student without a score for a manual question has an
empty cell there and ``manual pending: <questions>`` in ``detail``; ``total`` stays numeric
(the autograded points plus the manual scores given so far).
"""

from __future__ import annotations

import json
from pathlib import Path

from grader import atomic
from grader.grade.autograder import Autograder

MANUAL_NAME = "manual_scores.json"


def load_manual(out: Path) -> dict[str, dict[str, float]]:
    """The stored scores, ``{student id: {question: score}}`` (``{}`` when none or unreadable)."""
    try:
        data = json.loads((out / MANUAL_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    scores = data.get("scores", {}) if isinstance(data, dict) else {}
    return {str(sid): {str(q): float(s) for q, s in qs.items() if isinstance(s, (int, float))}
            for sid, qs in scores.items() if isinstance(qs, dict)}


def save_manual(out: Path, scores: dict[str, dict[str, float]]) -> None:
    """Atomically write ``scores``."""
    atomic.write_text(out / MANUAL_NAME, json.dumps({"version": 1, "scores": scores}, indent=1, sort_keys=True))


def merged(old: dict, new: dict) -> dict[str, dict[str, float]]:
    """``old`` with every score of ``new`` added (replacing the same student and question)."""
    result = {sid: dict(qs) for sid, qs in old.items()}
    for sid, qs in new.items():
        result.setdefault(sid, {}).update(qs)
    return result


def pending_of(row: dict, autograder: Autograder, scores: dict[str, float]) -> list[str]:
    """The manual questions of a row (with a numeric total) still waiting for a score."""
    if row.get("total") in ("", None):
        return []
    return [q for q in autograder.manual if q in autograder.questions and q not in scores]


def apply_manual(row: dict, autograder: Autograder, scores: dict[str, float]) -> dict:
    """A copy of gradebook ``row`` with the student's manual ``scores`` in their columns and
    ``total``; unscored manual cells empty and named in ``detail`` (``manual pending: ...``)."""
    row = dict(row)
    numeric = row.get("total") not in ("", None)
    pending = pending_of(row, autograder, scores)
    added = 0.0
    for q in autograder.manual:
        if q not in autograder.questions:
            continue
        if q in scores:
            added += scores[q] - float(row.get(q) or 0.0) if numeric else 0.0
            row[q] = scores[q]
        else:
            row[q] = ""
    if numeric:
        row["total"] = round(float(row["total"]) + added, 5)
    if pending:
        row["detail"] = "; ".join(x for x in (f"manual pending: {', '.join(pending)}", row.get("detail")) if x)
    return row
