"""The toy assignment used by the grade tests and bench: build its autograder, write submissions.

``tests/grade/fixtures/toy-master.ipynb`` is a three-question otter-assign master
(q1 ``square`` 2 points, q2 ``mean`` 3 points, q3 ``answer`` 1 point; public and hidden tests).
Its autograder has no hidden checks, so ``--engine auto`` grades it with otter;
:func:`safe_autograder` derives one the safe engine grades (the same three questions as
check calls, plus q4 ``check_numerics(draw)``, see ``fixtures/toy_hidden_checks.py``).
"""

from __future__ import annotations

import dataclasses
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import numpy as np

from grader.checks import REGISTRY_FILE
from grader.checks.check_registry import namespaced
from grader.gradebook import read_gradebook as _read_gradebook

MASTER = Path(__file__).parent / "fixtures" / "toy-master.ipynb"
TOY_CHECKS = Path(__file__).parent / "fixtures" / "toy_hidden_checks.py"
SAFE_TESTS = {"q1": ("square", 2), "q2": ("mean", 3), "q3": ("answer", 1), "q4": ("numerics", 1)}
SAFE_TEST = """from otter.test_files import test_case

OK_FORMAT = False

name = "{q}"


@test_case(points={points}, hidden=True)
def test_{q}_{check}({arg}):
    from mlp_hidden_checks import check_{check}
    check_{check}({arg})
"""
DRAW_CELL = "import numpy as np\ndraw = np.random.rand()  # not seeded by the student"


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


def safe_autograder(toy: Toy, dest: Path, *, seed: int | None = None, reference_seed: int = 4144,
                    tests: dict = SAFE_TESTS) -> Path:
    """The toy's autograder rewritten for the safe engine (``seed`` goes into otter_config.json;
    ``reference_seed`` gives the reference draw q4 expects; ``tests`` the questions, default all four)."""
    reference = io.BytesIO()
    np.savez(reference, **namespaced({}, {"seeded_draw": np.random.RandomState(reference_seed).rand()}))
    with zipfile.ZipFile(toy.autograder) as src, zipfile.ZipFile(dest, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "otter_config.json" and seed is not None:
                data = json.dumps({**json.loads(data), "seed": seed}).encode()
            if not name.startswith("tests/"):
                dst.writestr(name, data)
        for q, (check, points) in tests.items():
            arg = "draw" if check == "numerics" else check
            dst.writestr(f"tests/{q}.py", SAFE_TEST.format(q=q, points=points, check=check, arg=arg))
        dst.writestr("files/mlp_hidden_checks.py", TOY_CHECKS.read_bytes())
        dst.writestr("files/check_registry.py", REGISTRY_FILE.read_bytes())
        dst.writestr("files/mlp_reference.npz", reference.getvalue())
    return dest


#: The toy's questions that both engines grade alike (q4 inspects the sandboxed child's seeding).
BOTH_ENGINES_TESTS = {q: SAFE_TESTS[q] for q in ("q1", "q2", "q3")}


def both_engines_autograder(toy: Toy, dest: Path) -> Path:
    """A toy autograder that ``otter run`` and the sandboxed engine both grade (q1-q3 as check calls)."""
    return safe_autograder(toy, dest, tests=BOTH_ENGINES_TESTS)


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
    return list(_read_gradebook(path).values())


MANUAL_TEST = """from otter.test_files import test_case

OK_FORMAT = False

name = "q5"
points = 4

@test_case(points=0, hidden=False)
def test_q5_answer_is_written():
    assert True
"""


def manual_autograder(toy: Toy, dest: Path) -> Path:
    """The toy's autograder plus ``q5``, a manual question as otter assign writes one
    (``points = 4`` in the file, its only test worth 0 points)."""
    with zipfile.ZipFile(toy.autograder) as src, zipfile.ZipFile(dest, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, src.read(name))
        dst.writestr("tests/q5.py", MANUAL_TEST)
    return dest
