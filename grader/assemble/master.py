"""Read and check an otter-assign master notebook before otter sees it.

otter assign stops at the first problem it meets; this pass names every structural
problem with its question and cell number (1-based, as Jupyter shows them) so the
instructor can fix the notebook in one go. Rules checked:

- the first cell is a raw ``# ASSIGNMENT CONFIG`` cell holding valid YAML;
- QUESTION, SOLUTION, PROMPT and TESTS blocks open and close in nesting order;
- question names are present and unique;
- every autograded (non-``manual``) question has at least one test cell;
- every ``# SOLUTION: solutions.x.name`` reference expands (:mod:`grader.assemble.expand`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

from grader.assemble.expand import expand_notebook
from grader.errors import GraderError

BLOCK = re.compile(r"^\s*#\s*(BEGIN|END)\s+(QUESTION|SOLUTION|PROMPT|TESTS)\b", re.I)
CONFIG = re.compile(r"^\s*#\s*ASSIGNMENT\s+CONFIG\b", re.I)


@dataclass
class Question:
    """One question block: its name, points, whether a person grades it, its tests."""

    name: str
    cell: int
    points: float | None = None
    manual: bool = False
    tests: int = 0
    hidden_tests: int = 0


@dataclass
class Master:
    """A checked master notebook."""

    path: Path
    notebook: nbformat.NotebookNode
    config: dict
    questions: list[Question] = field(default_factory=list)


def _where(path: Path, cell: int, question: Question | None) -> str:
    q = f"question {question.name}, " if question else ""
    return f"{path.name} ({q}cell {cell})"


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """Read ``path`` as an nbformat v4 notebook or raise a GraderError saying why not."""
    try:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
    except FileNotFoundError:
        raise GraderError(f"{path}: no such notebook; pass the path of the master .ipynb.") from None
    except Exception as exc:  # nbformat raises several unrelated types for bad JSON/schema
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise GraderError(f"{path}: not a valid Jupyter notebook ({reason}); "
                          "open it in Jupyter and save it again.") from None
    return nb


def _config(path: Path, nb) -> dict:
    first = nb.cells[0] if nb.cells else None
    if first is None or first.cell_type != "raw" or not CONFIG.match(first.source):
        raise GraderError(f"{path.name} (cell 1): the first cell must be a raw cell starting with "
                          "'# ASSIGNMENT CONFIG'.")
    try:
        config = yaml.safe_load(first.source) or {}
    except yaml.YAMLError as exc:
        raise GraderError(f"{path.name} (cell 1): the assignment config is not valid YAML "
                          f"({' '.join(str(exc).split())}).") from None
    if not isinstance(config, dict) or not config.get("name"):
        raise GraderError(f"{path.name} (cell 1): the assignment config needs a 'name:' entry.")
    return config


def _question_header(path: Path, source: str, cell: int) -> Question:
    body = "\n".join(source.splitlines()[1:])
    try:
        meta = yaml.safe_load(body) or {}
    except yaml.YAMLError:
        meta = None
    if not isinstance(meta, dict) or not meta.get("name"):
        raise GraderError(f"{path.name} (cell {cell}): a '# BEGIN QUESTION' cell needs a "
                          "'name: ...' line in valid YAML.")
    return Question(str(meta["name"]), cell, meta.get("points"), bool(meta.get("manual", False)))


def _close_question(path: Path, q: Question, cell: int) -> None:
    if not q.manual and q.tests == 0:
        raise GraderError(f"{_where(path, cell, q)}: an autograded question has no test cell; "
                          "add a '# BEGIN TESTS' block or mark it 'manual: true'.")


def _is_test(source: str) -> tuple[bool, bool]:
    hidden = re.search(r"^\s*hidden\s*:\s*true\b", source, re.I | re.M) is not None
    return bool(source.strip()), hidden


def read_master(path) -> Master:
    """Read and check the master notebook at ``path``; raise GraderError on the first problem."""
    path = Path(path)
    nb = read_notebook(path)
    master = Master(path, nb, _config(path, nb))
    stack: list[tuple[str, int]] = []
    question: Question | None = None
    for number, cell in enumerate(nb.cells[1:], start=2):
        m = BLOCK.match(cell.source) if cell.cell_type == "raw" else None
        if m is None:
            if stack and stack[-1][0] == "TESTS" and cell.cell_type == "code":
                nonempty, hidden = _is_test(cell.source)
                question.tests += nonempty
                question.hidden_tests += hidden
            continue
        verb, kind = m.group(1).upper(), m.group(2).upper()
        if verb == "BEGIN":
            if kind == "QUESTION":
                if stack:
                    raise GraderError(f"{_where(path, number, question)}: a new question starts "
                                      f"before the {stack[-1][0]} block of cell {stack[-1][1]} ends.")
                question = _question_header(path, cell.source, number)
                if any(q.name == question.name for q in master.questions):
                    raise GraderError(f"{_where(path, number, question)}: the question name "
                                      f"'{question.name}' is used twice; names must be unique.")
                master.questions.append(question)
            elif question is None:
                raise GraderError(f"{path.name} (cell {number}): a {kind} block must sit inside "
                                  "a question block.")
            stack.append((kind, number))
            continue
        if not stack or stack[-1][0] != kind:
            open_ = f"the {stack[-1][0]} block of cell {stack[-1][1]} is still open" if stack else "nothing is open"
            raise GraderError(f"{_where(path, number, question)}: '# END {kind}' found but {open_}.")
        stack.pop()
        if kind == "QUESTION":
            _close_question(path, question, number)
            question = None
    if stack:
        kind, number = stack[-1]
        raise GraderError(f"{_where(path, number, question)}: the {kind} block opened here is "
                          f"never closed; add a raw cell '# END {kind}'.")
    expand_notebook(nb, path.name, path.resolve().parent)  # raises on the first bad reference
    return master
