"""The toy assignment used by the grade tests and bench: build its autograder, write submissions.

``tests/grade/fixtures/toy-master.ipynb`` is a three-question otter-assign master
(q1 ``square`` 2 points, q2 ``mean`` 3 points, q3 ``answer`` 1 point; public and hidden tests).
"""

from __future__ import annotations

import csv
import dataclasses
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat

MASTER = Path(__file__).parent / "fixtures" / "toy-master.ipynb"


@dataclasses.dataclass(frozen=True)
class Toy:
    """The built toy: autograder zip, solution notebook (instructor), student notebook."""

    autograder: Path
    solution: Path
    student: Path


def build(dest: Path) -> Toy:
    """Run ``otter assign`` on the master into ``dest``."""
    subprocess.run([sys.executable, "-m", "otter", "assign", str(MASTER), str(dest)],
                   check=True, capture_output=True)
    (zip_path,) = (dest / "autograder").glob("*-autograder_*.zip")
    return Toy(zip_path, dest / "autograder" / MASTER.name, dest / "student" / MASTER.name)


def submission(toy: Toy, dest: Path, *, replace: dict[str, str] | None = None,
               extra_cells: list[str] = (), assignment: str | None = None) -> Path:
    """A student's notebook: the solution's cells with the student copy's metadata, then
    code replaced, cells appended, or the assignment name changed."""
    nb = nbformat.read(toy.solution, as_version=4)
    nb.metadata = nbformat.read(toy.student, as_version=4).metadata
    for cell in nb.cells:
        for old, new in (replace or {}).items():
            cell.source = cell.source.replace(old, new)
    nb.cells += [nbformat.v4.new_code_cell(src) for src in extra_cells]
    if assignment is not None:
        nb.metadata.setdefault("otter", {})["assignment_name"] = assignment
    nbformat.write(nb, dest)
    return dest


def zipped(notebook: Path, dest: Path) -> Path:
    """An otter-export-like zip holding one notebook (at the top level)."""
    with zipfile.ZipFile(dest, "w") as zf:
        zf.write(notebook, notebook.name)
    return dest


# One submission per behaviour: id -> (expected status, how to write it).
BATCH = {
    "good": ("graded", lambda t, p: submission(t, p)),
    "wrong": ("graded", lambda t, p: submission(
        t, p, replace={"return x * x": "return x * abs(x)", "sum(xs) / len(xs)": "sum(xs) // len(xs)"})),
    "raises": ("graded", lambda t, p: submission(t, p, extra_cells=["1 / 0"])),
    "missing": ("graded", lambda t, p: submission(
        t, p, replace={"def mean(xs):\n    return sum(xs) / len(xs)": "pass"})),
    "memory": ("memory", lambda t, p: submission(t, p, extra_cells=["hog = bytearray(3 * 1024 ** 3)"])),
    "flood": ("output-limit", lambda t, p: submission(
        t, p, extra_cells=["for _ in range(3000):\n    print('x' * 1000)"])),
    "other": ("crashed", lambda t, p: submission(t, p, assignment="not-the-toy")),
    "invalid": ("invalid-notebook", lambda t, p: p.write_text('{"cells": [')),
    "empty": ("not-a-notebook", lambda t, p: p.write_bytes(b"")),
    "pdf": ("not-a-notebook", lambda t, p: p.write_bytes(b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n")),
}
EXPORT_ID = "toy-master_2026_05_01T10_00_00"
BATCH_LIMITS = {"jobs": 2, "memory_mb": 1500, "output_mb": 1, "timeout": 300}


def read_gradebook(path: Path) -> list[dict]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))
