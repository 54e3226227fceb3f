"""Keep only what a person grades by hand: written answers, their prompts, and the plots.

A cell is kept when

1. it assigns a written-answer variable (``grader.submissions.answers.WRITTEN_ANSWERS``), or
2. one of its outputs is an image (the figures of Q1 and Q9), or
3. it is a markdown cell directly above a cell kept by rule 1 or 2 (its prompt), or
4. it is the last markdown cell above such a cell that starts a question: a heading
   (``## Q6``) or a bold question label (``**Q6.** ...``).

Everything else (the student's code, test calls, text outputs) is dropped.
"""

from __future__ import annotations

import copy
import re

import nbformat

from grader.submissions.answers import written_variables

IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml", "application/pdf")
QUESTION_START = re.compile(r"^\s*(#+\s|\*\*Q\d)", re.MULTILINE)


def has_image(cell: nbformat.NotebookNode) -> bool:
    """Whether a code cell shows an image in one of its outputs."""
    return any(any(kind in out.get("data", {}) for kind in IMAGE_TYPES)
               for out in cell.get("outputs", []))


def starts_question(cell: nbformat.NotebookNode) -> bool:
    """Whether a markdown cell has a heading line or a line starting ``**Q<digit>``."""
    return cell.cell_type == "markdown" and QUESTION_START.search(cell.source) is not None


def _kept_indices(cells: list) -> set[int]:
    keep: set[int] = set()
    last_heading = None
    for i, cell in enumerate(cells):
        if starts_question(cell):
            last_heading = i
        if not (written_variables(cell) or has_image(cell)):
            continue
        keep.add(i)
        j = i - 1
        while j >= 0 and cells[j].cell_type == "markdown":
            keep.add(j)
            j -= 1
        if last_heading is not None:
            keep.add(last_heading)
    return keep


def filter_for_manual_grading(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` holding only the cells of the rules above, in their order."""
    keep = _kept_indices(nb.cells)
    out = copy.deepcopy(nb)
    out.cells = [cell for i, cell in enumerate(out.cells) if i in keep]
    return out
