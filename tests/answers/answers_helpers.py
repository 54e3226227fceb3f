"""Helpers of the ``answers`` tests: student submissions and a gradebook, made by hand."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ALICE = {"ans_i": "Sigmoid saturates.", "ans_ii": "Use ReLU.", "ans_iii": "Smaller eta.",
         "ans_iv": "More data.", "ans_bias": "Shifts the threshold."}
CAROL_II = "élan, 数字 <b>bold</b> & \"quotes\"\nsecond line"


def submission(answers: dict[str, str], *, extra: str = "") -> nbformat.NotebookNode:
    """A student notebook: Q6/Q7 headings, one cell per answer, plus code cell ``extra``."""
    cells = [new_markdown_cell("## Q6"), new_code_cell("%matplotlib inline\nimport numpy as np")]
    cells += [new_code_cell(f"{name} = {text!r}") for name, text in answers.items()]
    cells += [new_markdown_cell("## Q7"), new_code_cell(extra)]
    return new_notebook(cells=cells)


def write_submissions(folder: Path) -> Path:
    """alice.ipynb (all answered), bob.zip (otter zip; ans_ii missing, ans_iv left ``...``),
    carol.ipynb (non-ASCII and HTML in ans_ii, ans_i reassigned)."""
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(submission(ALICE), folder / "alice.ipynb")
    bob = submission({**{k: f"bob {k}" for k in ALICE if k != "ans_ii"}}, extra="ans_iv = ...")
    with zipfile.ZipFile(folder / "bob.zip", "w") as zf:
        zf.writestr("homework.ipynb", nbformat.writes(bob))
    carol = submission({**ALICE, "ans_i": "first try", "ans_ii": CAROL_II}, extra="ans_i = 'final'")
    nbformat.write(carol, folder / "carol.ipynb")
    return folder


def write_gradebook(path: Path) -> Path:
    """A gradebook like ``mlp-course grade`` writes: POINTS POSSIBLE first, 3 students, q1/q2."""
    rows = [["id", "status", "q1", "q2", "total", "possible", "integrity", "duration_s", "detail"],
            ["POINTS POSSIBLE", "", "6", "6", "12", "12", "", "", ""],
            ["alice", "graded", "4", "6", "10", "12", "lib:sklearn", "3.1", ""],
            ["bob", "graded", "2", "0", "2", "12", "", "2.9", ""],
            ["carol", "pending", "", "", "", "12", "", "", "not graded yet"]]
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


def read_csv(path: Path) -> list[dict]:
    """Rows of a CSV as dicts."""
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))
