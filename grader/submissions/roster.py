"""The class roster (``grade --roster roster.csv``): who should have submitted, and which file is whose.

The roster is a UTF-8 CSV whose header names these columns (any order, other columns ignored):

=========== ======== ===============================================================
``id``      required the student id: the gradebook row's id, unique in the roster
``name``    required shown in the class report and the LMS files
``email``   required one ``@``; Moodle's import matches students by it
``pattern`` optional a file-name pattern (``fnmatch``: ``*``, ``?``, ``[abc]``, case-insensitive)
``section`` optional Canvas's "Section" column
=========== ======== ===============================================================

Matching rule, for each submission file (after :func:`.discover.discover`, which already merged
``alice.ipynb`` and ``alice.zip``):

* a student WITH a ``pattern`` owns the files whose name matches it;
* a student WITHOUT one owns the files whose name holds the student id as a whole token: the
  id, case-insensitive, neither preceded nor followed by a letter or digit (``alice`` owns
  ``alice.ipynb`` and ``hw1_Alice_v2.zip``, not ``malice.ipynb``);
* a file owned by exactly one student is that student's; by none, or by several, it is
  *unmatched*: it is still graded (nothing is lost), under the id ``unmatched:<file stem>``,
  and listed in the command output and the class report;
* a student owning several files is a *duplicate*: the newest file is graded (the rule of
  :func:`.discover.newest`: modification time, ties to the ``.ipynb``), the others are skipped
  and named in the row's ``detail``;
* a student owning no file is *missing*: ``grade`` writes a ``missing`` row with 0 points.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import re
from pathlib import Path

from grader.errors import GraderError
from grader.submissions.discover import Submission, newest
from grader.submissions.manual_scores import POINTS_ROW, _read as read_csv_rows
from grader.textsafe import clean_text

REQUIRED = ("id", "name", "email")
OPTIONAL = ("pattern", "section")
UNMATCHED_PREFIX = "unmatched:"


@dataclasses.dataclass(frozen=True)
class Student:
    """One roster line."""

    id: str
    name: str
    email: str
    pattern: str = ""
    section: str = ""


@dataclasses.dataclass
class RosterMatch:
    """What :func:`match` found: ``submissions`` to grade (ids = roster ids, or
    ``unmatched:<stem>``), roster ``missing`` students, ``unmatched`` files (with why) and
    ``duplicates`` (student id -> graded file name, skipped file names)."""

    submissions: list[Submission]
    missing: list[Student]
    unmatched: list[tuple[str, str]]
    duplicates: dict[str, tuple[str, list[str]]]

    def lines(self, roster_name: str) -> list[str]:
        """One line per finding, for the command output and the class report."""
        out = [f"roster {roster_name}: no submission from {s.id} ({s.name}): row 'missing', 0 points"
               for s in self.missing]
        out += [f"roster {roster_name}: {name} {why}: graded as {UNMATCHED_PREFIX}{Path(name).stem}"
                for name, why in self.unmatched]
        out += [f"roster {roster_name}: {sid} has {len(skipped) + 1} files: graded the newest, {chosen}; "
                f"skipped {', '.join(skipped)}" for sid, (chosen, skipped) in self.duplicates.items()]
        return out


def _problem(path: Path, line: int, text: str) -> GraderError:
    return GraderError(f"{path} line {line}: {text}; fix the roster (columns {', '.join(REQUIRED)}"
                       f"[, {', '.join(OPTIONAL)}]) and run again")


def _student(path: Path, line: int, row: dict, seen: dict[str, int]) -> Student:
    if None in row or any(row.get(c) is None for c in REQUIRED):
        raise _problem(path, line, "has a different number of cells than the header")
    values = {c: (row.get(c) or "").strip() for c in (*REQUIRED, *OPTIONAL)}
    for column in REQUIRED:
        if not values[column]:
            raise _problem(path, line, f"the {column} cell is empty")
    sid = values["id"]
    if clean_text(sid, 255) != sid or sid.casefold() == POINTS_ROW.casefold() or sid.startswith(UNMATCHED_PREFIX):
        raise _problem(path, line, f"the id {clean_text(sid, 60)!r} is reserved or not plain text")
    if values["email"].count("@") != 1:
        raise _problem(path, line, f"the email {clean_text(values['email'], 80)!r} is not an address")
    if sid.casefold() in seen:
        raise _problem(path, line, f"the id {sid!r} is already on line {seen[sid.casefold()]}")
    seen[sid.casefold()] = line
    return Student(**values)


def read_roster(path) -> list[Student]:
    """The students of a roster CSV, in file order; raises ``GraderError`` (one line: file, line,
    what, how to fix) for a missing column, an empty cell, a bad email, a repeated id."""
    path = Path(path)
    if not path.is_file():
        raise GraderError(f"roster {path} does not exist; pass a CSV with the columns {', '.join(REQUIRED)}")
    _, rows = read_csv_rows(path, REQUIRED)
    seen: dict[str, int] = {}
    students = [_student(path, line, row, seen) for line, row in rows]
    if not students:
        raise GraderError(f"roster {path} has a header but no student; add one line per student")
    return students


def owns(student: Student, file_name: str) -> bool:
    """Does ``file_name`` belong to ``student`` (the module's matching rule)?"""
    if student.pattern:
        return fnmatch.fnmatch(file_name.casefold(), student.pattern.casefold())
    token = rf"(?<![^\W_]){re.escape(student.id)}(?![^\W_])"
    return re.search(token, file_name, flags=re.IGNORECASE) is not None


def match(students: list[Student], submissions: list[Submission]) -> RosterMatch:
    """Give each submission its student (module rule); ``submissions`` come from ``discover``."""
    found: dict[str, list[Submission]] = {s.id: [] for s in students}
    unmatched: list[tuple[str, str]] = []
    graded: list[Submission] = []
    for sub in submissions:
        owners = [s.id for s in students if owns(s, sub.path.name)]
        if len(owners) == 1:
            found[owners[0]].append(sub)
            continue
        why = (f"matches several students ({', '.join(owners)}): make their patterns distinct" if owners else
               "matches no student's id or pattern")
        unmatched.append((sub.path.name, why))
        graded.append(dataclasses.replace(sub, id=f"{UNMATCHED_PREFIX}{sub.id}", note="; ".join(
            x for x in (f"not on the roster: {why}", sub.note) if x)))
    duplicates = {}
    for sid, subs in found.items():
        if not subs:
            continue
        chosen = next(s for s in subs if s.path == newest([s.path for s in subs]))
        skipped = [s.path.name for s in subs if s is not chosen]
        note = chosen.note
        if skipped:
            duplicates[sid] = (chosen.path.name, skipped)
            note = "; ".join(x for x in (f"{len(subs)} files match {sid}: graded newest {chosen.path.name}, "
                                         f"skipped {', '.join(skipped)}", note) if x)
        graded.append(dataclasses.replace(chosen, id=sid, note=note))
    missing = [s for s in students if not found[s.id]]
    return RosterMatch(sorted(graded, key=lambda s: s.id), missing, unmatched, duplicates)
