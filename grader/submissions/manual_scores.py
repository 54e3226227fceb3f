"""Merge hand-given scores of the written answers into ``gradebook.csv``.

Steps, in order (nothing is written unless steps 1-2 succeed):

1. read the gradebook (``id, status, <questions...>, total, possible, integrity, duration_s, detail``
   and a ``POINTS POSSIBLE`` row, found by id wherever it is: ``grade`` writes it first) and
   the scores CSV (``student_id, question, score``);
2. check every score row, collecting ALL problems with their row numbers: unknown student
   id, unknown question, score that is not a number (or negative, or above the points
   possible), duplicate (student, question);
3. add (or, on a re-run, replace) one column per manual question before ``total`` and move
   ``total`` and ``possible`` by the difference, so merging twice gives the same file;
4. rewrite the gradebook atomically.

Questions are the labels of ``WRITTEN_ANSWERS`` or the otter names in ``MANUAL_QUESTIONS``.
A score row whose student_id is ``POINTS POSSIBLE`` sets that question's points possible
(the gradebook's ``POINTS POSSIBLE`` row); without one, the question's points possible stay empty.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

from grader import atomic
from grader.submissions.answers import MANUAL_QUESTIONS, WRITTEN_ANSWERS
from grader.errors import GraderError
from grader.textsafe import csv_cell

POINTS_ROW = "POINTS POSSIBLE"
SCORE_COLUMNS = ("student_id", "question", "score")
GRADEBOOK_COLUMNS = ("id", "total", "possible")


def manual_questions() -> list[str]:
    """The accepted question labels, in gradebook column order."""
    return list(dict.fromkeys([*WRITTEN_ANSWERS.values(), *MANUAL_QUESTIONS]))


def _read(path: Path, required: tuple[str, ...]) -> tuple[list[str], list[tuple[int, dict]]]:
    """Header and ``(row number, row)`` pairs of a CSV (the header is row 1)."""
    try:
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            rows = [(reader.line_num, row) for row in reader]
            header = list(reader.fieldnames or [])
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise GraderError(f"cannot read {path}: {exc}") from exc
    missing = [c for c in required if c not in header]
    if missing:
        raise GraderError(f"{path} lacks the column(s) {', '.join(missing)} "
                          f"(its header is: {', '.join(header) or 'empty'}); "
                          f"expected at least {', '.join(required)}")
    return header, rows


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _check_row(row: dict, students: set[str], questions: list[str]) -> tuple[str, float]:
    """The row's problem ("" if none) and its score."""
    sid, question, text = (row.get(c) or "" for c in SCORE_COLUMNS)
    score = _number(text.strip())
    if sid.strip() not in students and sid.strip() != POINTS_ROW:
        return f"unknown student id {sid!r} (not in the gradebook)", 0.0
    if question.strip() not in questions:
        return f"unknown question {question!r} (expected one of: {', '.join(questions)})", 0.0
    if score is None or score < 0:
        return f"score {text!r} is not a number >= 0", 0.0
    return "", score


def read_scores(path: Path, students: set[str]) -> dict[tuple[str, str], float]:
    """``(student id, question) -> score``; GraderError listing every bad row."""
    _, rows = _read(path, SCORE_COLUMNS)
    questions, scores, seen, problems = manual_questions(), {}, {}, []
    for line, row in rows:
        problem, score = _check_row(row, students, questions)
        key = (row["student_id"].strip(), row["question"].strip())
        if not problem and key in seen:
            problem = f"duplicate of row {seen[key]} ({key[0]}, {key[1]})"
        if problem:
            problems.append(f"row {line}: {problem}")
            continue
        seen[key], scores[key] = line, score
    for (sid, question), score in scores.items():
        points = scores.get((POINTS_ROW, question))
        if sid != POINTS_ROW and points is not None and score > points:
            problems.append(f"row {seen[sid, question]}: score {score:g} is above the "
                            f"{points:g} points possible of {question}")
    if problems:
        raise GraderError(f"{path}: {len(problems)} bad row(s), nothing was written: "
                          + "; ".join(problems))
    return scores


def _format(value: float) -> str:
    return f"{value:.10g}"


def _shift(row: dict, column: str, delta: float) -> None:
    """Add ``delta`` to a numeric cell; an empty cell (ungraded row) stays empty."""
    value = _number(row.get(column) or "")
    if value is not None:
        row[column] = _format(value + delta)


def _set_question(rows: list[dict], question: str, scores: dict) -> list[str]:
    """Fill one manual column and move totals; returns the students left without a score."""
    points_row = next((r for r in rows if r["id"] == POINTS_ROW), {})
    old_points = _number(points_row.get(question) or "")
    new_points = scores.get((POINTS_ROW, question), old_points)
    missing = []
    for row in rows:
        new = new_points if row["id"] == POINTS_ROW else scores.get((row["id"], question))
        if new is None and row["id"] != POINTS_ROW:
            missing.append(row["id"])
        _shift(row, "total", (new or 0.0) - (_number(row.get(question) or "") or 0.0))
        _shift(row, "possible", (new_points or 0.0) - (old_points or 0.0))
        row[question] = "" if new is None else _format(new)
    return missing


def merge_manual_scores(*, gradebook_csv: str | Path, scores_csv: str | Path) -> dict[str, list[str]]:
    """Merge ``scores_csv`` into ``gradebook_csv`` (rewritten in place, atomically).

    Returns question -> ids of the gradebook's students who got no score for it (those
    cells stay empty and count 0 in ``total``). Raises GraderError, writing nothing, when
    any score row is bad (the message lists each one with its row number).
    """
    gradebook_csv, scores_csv = Path(gradebook_csv), Path(scores_csv)
    header, numbered = _read(gradebook_csv, GRADEBOOK_COLUMNS)
    rows = [row for _, row in numbered]
    scores = read_scores(scores_csv, {r["id"] for r in rows if r["id"] != POINTS_ROW})
    questions = [q for q in manual_questions() if any(k[1] == q for k in scores)]
    header = [c for c in header if c not in questions]
    at = header.index("total")
    header[at:at] = questions
    missing = {q: _set_question(rows, q, scores) for q in questions}
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows({key: csv_cell(value) for key, value in row.items()} for row in rows)
    atomic.write_text(gradebook_csv, buffer.getvalue())
    return missing


def read_batch_scores(path: str | Path, students: set[str],
                      points: dict[str, float]) -> dict[str, dict[str, float]]:
    """``student id -> {question: score}`` from a scores CSV for ``mlp-course grade``.

    ``students`` are the discovered submissions' ids, ``points`` the manual questions'
    points possible (from the autograder). Every row is checked before anything is graded:
    known student, one of ``points``' questions, a number in ``0..points``, no duplicate; a
    ``POINTS POSSIBLE`` row must agree with the autograder. Raises GraderError (one line,
    every bad row with its number) otherwise.
    """
    path = Path(path)
    if not points:
        raise GraderError(f"--manual-scores {path}: the autograder has no manual question "
                          "(no tests/*.py worth 0 points with a 'points = N' line); "
                          "rebuild it with `mlp-course build` or run without --manual-scores")
    _, rows = _read(path, SCORE_COLUMNS)
    scores: dict[str, dict[str, float]] = {}
    seen, problems = {}, []
    for line, row in rows:
        sid, question, text = ((row.get(c) or "").strip() for c in SCORE_COLUMNS)
        score = _number(text)
        if sid not in students and sid != POINTS_ROW:
            problem = f"unknown student id {sid!r} (no submission with that id)"
        elif question not in points:
            problem = f"unknown question {question!r} (expected one of: {', '.join(points)})"
        elif sid == POINTS_ROW and score != points[question]:
            problem = f"{question} is worth {points[question]:g} points in the autograder, not {text!r}"
        elif score is None or not 0 <= score <= points[question]:
            problem = f"score {text!r} is not a number in 0..{points[question]:g} (the points of {question})"
        elif (sid, question) in seen:
            problem = f"duplicate of row {seen[sid, question]} ({sid}, {question})"
        else:
            seen[sid, question] = line
            if sid != POINTS_ROW:
                scores.setdefault(sid, {})[question] = score
            continue
        problems.append(f"row {line}: {problem}")
    if problems:
        raise GraderError(f"{path}: {len(problems)} bad row(s), nothing was graded; fix them and re-run: "
                          + "; ".join(problems))
    return scores
