"""Every student's written answers, side by side, read statically (nothing is executed)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from grader.answers.extract import WRITTEN_ANSWERS, Answer, extract_answers
from grader.export.sources import find_inputs, read_notebook


@dataclasses.dataclass(frozen=True)
class Row:
    """One student's answer to one question; ``problem`` is "" unless it is flagged."""

    student_id: str
    question: str
    answer: str
    problem: str = ""


def answers_of(path: Path) -> dict[str, Answer]:
    """Variable -> answer for one submission; all flagged if the file cannot be read."""
    try:
        nb = read_notebook(path)
    except Exception as exc:  # an unreadable submission still gets its rows
        reason = f"unreadable submission ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})"
        return {name: Answer("", reason) for name in WRITTEN_ANSWERS}
    return extract_answers(nb)


def collect(submissions_dir: Path) -> list[Row]:
    """One row per student and question (order of ``WRITTEN_ANSWERS``), students sorted by id."""
    rows = []
    for student_id, path in find_inputs(submissions_dir):
        found = answers_of(path)
        rows += [Row(student_id, label, found[name].text, found[name].problem)
                 for name, label in WRITTEN_ANSWERS.items()]
    return rows
