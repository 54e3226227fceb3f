"""Every student's written answers, side by side, read statically (nothing is executed).

One submission never stops the others: whatever goes wrong while reading or parsing it
(an unreadable file, a cell nested deeply enough to exhaust the parser's recursion or
memory) flags its rows "unreadable submission (reason)" and the class goes on.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from grader.submissions.answers import WRITTEN_ANSWERS, Answer, extract_answers
from grader.submissions.discover import find_inputs
from grader.submissions.validate import read_notebook
from grader.textsafe import clean_text


@dataclasses.dataclass(frozen=True)
class Row:
    """One student's answer to one question; ``problem`` is "" unless it is flagged."""

    student_id: str
    question: str
    answer: str
    problem: str = ""


def _reason(exc: Exception) -> str:
    """``Type: first line of the message`` (clean, at most 200 characters)."""
    lines = str(exc).splitlines()
    return clean_text(f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__, 200)


def answers_of(path: Path) -> dict[str, Answer]:
    """Variable -> answer for one submission; all flagged if it cannot be read or parsed."""
    try:
        return extract_answers(read_notebook(path))
    except Exception as exc:  # noqa: BLE001 - an unreadable submission still gets its rows
        reason = f"unreadable submission ({_reason(exc)})"
        return {name: Answer("", reason) for name in WRITTEN_ANSWERS}


def collect(submissions_dir: Path) -> list[Row]:
    """One row per student and question (order of ``WRITTEN_ANSWERS``), students sorted by id."""
    rows = []
    for student_id, path in find_inputs(submissions_dir):
        found = answers_of(path)
        rows += [Row(student_id, label, found[name].text, found[name].problem)
                 for name, label in WRITTEN_ANSWERS.items()]
    return rows
