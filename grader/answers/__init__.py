"""Written answers for manual grading (``mlp-course answers``).

Pipeline:

1. find the submissions (``.ipynb``/``.zip`` directly in the folder; student id = file stem,
   as in ``grade``);
2. read each notebook's written answers statically (``ast``; student code never runs);
3. write ``answers.csv`` and ``answers.html`` (missing or empty answers: empty and flagged);
4. optionally, merge a CSV of hand-given scores into the gradebook
   (:func:`merge_manual_scores`).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from grader.answers.collect import Row, collect
from grader.submissions.answers import MANUAL_QUESTIONS, WRITTEN_ANSWERS
from grader.submissions.manual_scores import merge_manual_scores
from grader.answers.report import write_reports

__all__ = ["MANUAL_QUESTIONS", "WRITTEN_ANSWERS", "Summary", "main", "merge_manual_scores"]


@dataclasses.dataclass(frozen=True)
class Summary:
    """What ``main`` did: the rows collected, the files written, and the merge's gaps."""

    rows: list[Row]
    written: list[Path]
    unscored: dict[str, list[str]] = dataclasses.field(default_factory=dict)

    @property
    def flagged(self) -> list[Row]:
        return [r for r in self.rows if r.problem]

    def text(self) -> str:
        students = len({r.student_id for r in self.rows})
        lines = [f"  {r.student_id}, {r.question}: {r.problem}" for r in self.flagged]
        lines += [f"  no manual score for {q}: {', '.join(ids)}" for q, ids in self.unscored.items() if ids]
        lines.append(f"Wrote {', '.join(map(str, self.written))} ({students} student(s)); "
                     f"{len(self.flagged)} answer(s) missing or empty.")
        return "\n".join(lines)


def main(*, submissions_dir: str | os.PathLike, out: str | os.PathLike,
         manual_scores: str | os.PathLike | None = None,
         gradebook: str | os.PathLike | None = None) -> Summary:
    """Collect every student's written answers into ``out``; merge scores if given."""
    rows = collect(Path(submissions_dir))
    written = write_reports(rows, Path(out))
    unscored = {}
    if manual_scores is not None:
        unscored = merge_manual_scores(gradebook_csv=gradebook, scores_csv=manual_scores)
    return Summary(rows, written, unscored)
