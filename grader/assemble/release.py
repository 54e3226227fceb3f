"""A copy of the executed solution notebook that students may see after the deadline.

``otter assign`` writes the solution notebook with its authoring markers still in the code:
``# BEGIN SOLUTION`` / ``# END SOLUTION`` lines, a trailing ``# SOLUTION`` on one-line answers,
and ``# BEGIN PROMPT`` ... ``# END PROMPT`` string blocks holding the student's skeleton.
:func:`release_copy` removes them, keeping the solution code and the outputs, so the copy reads
like a finished notebook (``dist/solution/<name>-release.ipynb``).
"""

from __future__ import annotations

import copy
import re

import nbformat

SOLUTION_FENCE = re.compile(r"^\s*# (BEGIN|END) SOLUTION\b.*$")
TRAILING_MARK = re.compile(r"\s+# SOLUTION\b:?\s*(.*)$")
QUESTION_FENCE = re.compile(r"^\s*<!-- (BEGIN|END) QUESTION -->\s*$")
PROMPT_OPEN = re.compile(r'^\s*(\"\"\"|\'\'\') # BEGIN PROMPT\s*$')
PROMPT_CLOSE = re.compile(r'^\s*(\"\"\"|\'\'\') # END PROMPT\s*$')


def clean_source(source: str) -> str:
    """``source`` without otter's solution and prompt markers (code lines unchanged)."""
    kept, in_prompt = [], False
    for line in source.splitlines():
        if in_prompt:
            in_prompt = not PROMPT_CLOSE.match(line)
        elif PROMPT_OPEN.match(line):
            in_prompt = True
        elif not SOLUTION_FENCE.match(line):
            kept.append(TRAILING_MARK.sub(lambda m: f"  # {m.group(1)}" if m.group(1) else "", line))
    return "\n".join(kept).rstrip("\n")


def release_copy(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A deep copy of ``nb`` whose cells carry no otter markers (the ``<!-- BEGIN QUESTION -->``
    fences of markdown cells too)."""
    clean = copy.deepcopy(nb)
    for cell in clean.cells:
        if cell.cell_type == "code":
            cell.source = clean_source(cell.source)
        elif cell.cell_type == "markdown":
            cell.source = "\n".join(l for l in cell.source.splitlines() if not QUESTION_FENCE.match(l))
    return clean
