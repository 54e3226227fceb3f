"""``grade --lms canvas|moodle|plain``: the gradebook in a learning-management system's import format.

One row per ROSTER student (files not on the roster stay in ``gradebook.csv`` only), with the
total of ``gradebook.csv`` after the manual scores are merged; a ``missing`` student gets 0, a
``pending`` row (not graded yet) an empty grade, which the systems leave unchanged. Written
atomically to ``OUT/lms-<system>.csv``.

* ``canvas``: the columns of Canvas's gradebook CSV import -- ``Student``, ``ID``, ``SIS User ID``,
  ``SIS Login ID``, ``Section``, then one column per assignment -- and, as Canvas's own export
  has it, a second row ``Points Possible`` holding the assignment's points. Canvas identifies a
  student by ``ID`` (Canvas's own user number, which a roster does not have: left empty) or
  ``SIS User ID`` (the roster ``id``); ``SIS Login ID`` is the roster ``email``, ``Section`` its
  optional ``section``. The assignment column's title should be the Canvas assignment's name
  followed by its number, ``Name (123456)``, as in Canvas's export, or Canvas creates a new
  assignment (``--lms-assignment``).
  Documented by Instructure ("How do I import grades in the Gradebook?", Canvas Instructor Guide)
  and summarised by Ohio State's guide, which lists the columns A-F:
  https://teaching.resources.osu.edu/toolsets/carmencanvas/guides/calculating-final-grades/import-csv-file-carmen-grades
* ``moodle``: Moodle's grade import "CSV file" (Gradebook setup > Import > CSV file): a column
  ``Email address`` to map to the user's email ("Identify user by": Email address) and a grade
  column to map to the grade item. Moodle source: ``grade/import/csv`` (moodle/moodle).
* ``plain``: ``id,name,email,total``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from grader import atomic
from grader.submissions.roster import Student
from grader.textsafe import csv_cell

SYSTEMS = ("canvas", "moodle", "plain")
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_POINTS = "    Points Possible"  # as Canvas's own gradebook export writes it
MOODLE_ID = "Email address"


def lms_path(out: Path, system: str) -> Path:
    return Path(out) / f"lms-{system}.csv"


def _grade(row: dict | None) -> str:
    """The total as the LMS should read it ("" when not graded yet)."""
    if row is None or row.get("status") == "pending" or row.get("total") in ("", None):
        return ""
    return f"{float(row['total']):g}"


def lms_rows(system: str, students: list[Student], rows: dict[str, dict], possible: float,
             assignment: str) -> list[list[str]]:
    """Header and rows of ``system``'s file; ``rows`` are gradebook rows by id (manual scores merged)."""
    if system == "canvas":
        table = [[*CANVAS_COLUMNS, assignment], [CANVAS_POINTS, "", "", "", "", f"{possible:g}"]]
        table += [[s.name, "", s.id, s.email, s.section, _grade(rows.get(s.id))] for s in students]
    elif system == "moodle":
        table = [[MOODLE_ID, assignment]] + [[s.email, _grade(rows.get(s.id))] for s in students]
    elif system == "plain":
        table = [["id", "name", "email", "total"]] + [[s.id, s.name, s.email, _grade(rows.get(s.id))]
                                                       for s in students]
    else:
        raise ValueError(f"unknown LMS {system!r}; use one of {', '.join(SYSTEMS)}")
    return table


def write_lms(out: Path, system: str, students: list[Student], rows: dict[str, dict], possible: float,
              assignment: str) -> Path:
    """Atomically write ``OUT/lms-<system>.csv``; returns its path."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    table = lms_rows(system, students, rows, possible, assignment)
    writer.writerow(table[0])
    writer.writerows([csv_cell(cell) for cell in row] for row in table[1:])
    path = lms_path(out, system)
    atomic.write_text(path, buffer.getvalue())
    return path
