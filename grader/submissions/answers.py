"""Read the written answers out of a notebook without running it.

Written answers are string variables assigned in code cells (``ans_i = "..."``). They are
found with :mod:`ast` on each code cell's source (IPython magics first turned into plain
Python), so student code is never executed. When a variable is assigned several times, the
last assignment in notebook order wins, as it would when the notebook runs top to bottom.
"""

from __future__ import annotations

import ast
import dataclasses

import nbformat
from IPython.core.inputtransformer2 import TransformerManager

#: Written-answer variable -> question label used in answers.csv, answers.html and as the
#: gradebook column of its manual score. Change the labels here only (for instance to the
#: otter question names once the master notebook fixes them).
WRITTEN_ANSWERS = {
    "ans_i": "Q6 (i)",
    "ans_ii": "Q6 (ii)",
    "ans_iii": "Q6 (iii)",
    "ans_iv": "Q6 (iv)",
    "ans_bias": "Q7 (bias)",
}

#: Otter names of the manually graded questions, also accepted as question labels in a
#: manual scores CSV (``q6`` scores all of question 6 at once).
MANUAL_QUESTIONS = ("q6", "q7_bias")


@dataclasses.dataclass(frozen=True)
class Answer:
    """One written answer: its text ("" if none) and why it was flagged ("" if fine)."""

    text: str
    problem: str = ""


def parse_cell(source: str) -> ast.Module | None:
    """The syntax tree of a code cell, or ``None`` if it is not valid Python."""
    try:
        return ast.parse(TransformerManager().transform_cell(source))
    except (SyntaxError, ValueError):
        return None


def _assignments(tree: ast.Module):
    """Yield ``(variable, value node)`` for each top-level ``name = value`` in ``tree``."""
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            targets = [node.target.id] if node.value is not None else []
        else:
            continue
        for name in targets:
            yield name, node.value


def _answer_from(value: ast.expr) -> Answer:
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        text = value.value.strip()
        return Answer(text, "" if text else "empty")
    if isinstance(value, ast.Constant) and value.value is Ellipsis:
        return Answer("", "not answered (still ...)")
    return Answer("", "not a plain string literal")


def written_variables(cell: nbformat.NotebookNode) -> set[str]:
    """The written-answer variables that a cell assigns (empty for markdown cells)."""
    if cell.cell_type != "code":
        return set()
    tree = parse_cell(cell.source)
    if tree is None:
        return {name for name in WRITTEN_ANSWERS if name in cell.source}
    return {name for name, _ in _assignments(tree) if name in WRITTEN_ANSWERS}


def extract_answers(nb: nbformat.NotebookNode) -> dict[str, Answer]:
    """Each variable of ``WRITTEN_ANSWERS`` -> its :class:`Answer` in ``nb`` (flagged if missing)."""
    found: dict[str, Answer] = {}
    for index, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        tree = parse_cell(cell.source)
        if tree is None:
            for name in WRITTEN_ANSWERS:
                if name in cell.source:
                    found[name] = Answer("", f"cell {index} is not valid Python")
            continue
        for name, value in _assignments(tree):
            if name in WRITTEN_ANSWERS:
                found[name] = _answer_from(value)
    return {name: found.get(name, Answer("", "missing")) for name in WRITTEN_ANSWERS}
