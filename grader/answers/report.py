"""Write the collected answers: ``answers.csv`` (one row per student and question) and
``answers.html`` (one table per question, one row per student), both UTF-8, atomically.
"""

from __future__ import annotations

import csv
import importlib.resources
import io
from pathlib import Path

import jinja2

from grader import atomic
from grader.answers.collect import Row
from grader.textsafe import csv_cell

CSV_COLUMNS = ("student_id", "question", "answer")


def answers_csv(rows: list[Row]) -> str:
    """The CSV text: columns ``student_id, question, answer`` ("" for a missing answer); a
    cell that a spreadsheet would run as a formula starts with ``'`` (:func:`~grader.textsafe.csv_cell`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows((csv_cell(r.student_id), csv_cell(r.question), csv_cell(r.answer)) for r in rows)
    return buffer.getvalue()


def answers_html(rows: list[Row]) -> str:
    """The HTML page; every student text is escaped by the template."""
    questions: dict[str, list[Row]] = {}
    for row in rows:
        questions.setdefault(row.question, []).append(row)
    source = (importlib.resources.files("grader.answers") / "answers.html").read_text("utf-8")
    template = jinja2.Environment(autoescape=True).from_string(source)
    return template.render(questions=questions,
                           flagged=sum(1 for r in rows if r.problem))


def write_reports(rows: list[Row], out: Path) -> list[Path]:
    """Write both files into ``out``; returns their paths."""
    paths = [out / "answers.csv", out / "answers.html"]
    atomic.write_text(paths[0], answers_csv(rows))
    atomic.write_text(paths[1], answers_html(rows))
    return paths
