"""Static integrity check: does the student's code use a learning library instead of numpy?

The code cells of the checked questions (Q2-Q12 by default) are parsed with :mod:`ast`, never
run. A finding is an ``import`` of a forbidden module in those cells, or a name used there that
resolves, through the imports of ANY code cell, to a forbidden module or one of its members
(``MLPClassifier`` after ``from sklearn.neural_network import MLPClassifier``; ``nn.Linear``
after ``import torch.nn as nn``). ``__import__("torch")`` and ``importlib.import_module("torch")``
count as imports. Comments and string literals never count. A cell that is not valid Python
even after IPython's magics are turned into plain Python (:func:`.answers.parse_cell`) is
checked on its ``import``/``from`` lines only.

Each finding gives a short code for the gradebook's ``integrity`` column, ``lib:<top-level
package>`` (``lib:sklearn``, ``lib:torch``): a signal for the instructor, never a score.

The policy (:class:`Policy`): forbidden module prefixes, allowed exceptions (a prefix of a
forbidden one, such as ``sklearn.metrics``), and the questions checked. :data:`DEFAULT_POLICY`
applies unless the notebook given as the boilerplate (the built student notebook, which carries
the master notebook's metadata) has an ``integrity`` entry under ``metadata.mlp_course``, with any
of the keys ``forbidden``, ``allowed`` (lists of dotted module names) and ``questions``
(``[first, last]``); see :func:`policy_of`. It lives in the notebook metadata because otter
assign rejects unknown keys in the ``# ASSIGNMENT CONFIG`` cell.
"""

from __future__ import annotations

import ast
import dataclasses
import re

import nbformat

from grader.errors import GraderError
from grader.submissions.answers import parse_cell


@dataclasses.dataclass(frozen=True)
class Policy:
    """What counts as a learning library, what is allowed anyway, and which questions are checked."""

    forbidden: tuple[str, ...]
    allowed: tuple[str, ...]
    questions: tuple[int, int] = (2, 12)

    def is_forbidden(self, dotted: str) -> bool:
        """Is the dotted name ``dotted`` (module or member) forbidden and not allowed? A package
        that holds an allowed module (``sklearn`` for ``sklearn.metrics``) is not, by itself."""
        umbrella = any(a.startswith(dotted + ".") for a in self.allowed)
        return _under(dotted, self.forbidden) and not _under(dotted, self.allowed) and not umbrella


def _under(dotted: str, prefixes: tuple[str, ...]) -> bool:
    return any(dotted == p or dotted.startswith(p + ".") for p in prefixes)


DEFAULT_POLICY = Policy(
    forbidden=("sklearn", "torch", "tensorflow", "keras", "jax", "flax", "optax", "autograd", "theano",
               "mxnet", "paddle", "chainer", "xgboost", "lightgbm", "catboost", "skorch", "statsmodels"),
    # data handling and scoring only: no estimator lives in these
    allowed=("sklearn.metrics", "sklearn.model_selection", "sklearn.preprocessing", "sklearn.utils",
             "sklearn.datasets"),
)

METADATA_KEY = "mlp_course"


def policy_of(nb: nbformat.NotebookNode | None) -> Policy:
    """The policy in ``nb.metadata.mlp_course.integrity`` over :data:`DEFAULT_POLICY` (the
    default when ``nb`` is None or has none); GraderError naming the bad entry."""
    section = ((nb or {}).get("metadata", {}).get(METADATA_KEY) or {}).get("integrity") if nb else None
    if not section:
        return DEFAULT_POLICY
    where = f"notebook metadata {METADATA_KEY}.integrity"
    if not isinstance(section, dict):
        raise GraderError(f"{where} is not a mapping; give it the keys forbidden, allowed, questions")
    values = {}
    for key in ("forbidden", "allowed"):
        items = section.get(key, getattr(DEFAULT_POLICY, key))
        if not isinstance(items, (list, tuple)) or not all(isinstance(x, str) and x for x in items):
            raise GraderError(f"{where}.{key} must be a list of dotted module names such as 'sklearn.svm'")
        values[key] = tuple(items)
    questions = section.get("questions", list(DEFAULT_POLICY.questions))
    if (not isinstance(questions, (list, tuple)) or len(questions) != 2
            or not all(isinstance(q, int) for q in questions) or questions[0] > questions[1]):
        raise GraderError(f"{where}.questions must be [first, last] question numbers, such as [2, 12]")
    return Policy(values["forbidden"], values["allowed"], tuple(questions))


@dataclasses.dataclass(frozen=True)
class Finding:
    """One use of a forbidden library: question number, cell (1-based), line in the cell, the name."""

    question: int
    cell: int
    line: int
    name: str

    @property
    def code(self) -> str:
        """The gradebook code: ``lib:`` and the top-level package."""
        return f"lib:{self.name.split('.')[0]}"

    def describe(self) -> str:
        """Where and what, for integrity.csv: ``Q11 cell 46 line 1: sklearn.neural_network.MLPClassifier``."""
        return f"Q{self.question} cell {self.cell} line {self.line}: {self.name}"


PROMPT = re.compile(r"\*\*Q(\d+)\b")


CHECK = re.compile(r"""grader\.check\(\s*["']q(\d+)""")


def question_cells(nb: nbformat.NotebookNode) -> list[tuple[int, int, str]]:
    """``(question, cell number, source)`` of each code cell after a question's prompt (a markdown
    cell with ``**Q<n>``, as the student notebook writes them); a cell belongs to the last prompt
    above it, so cells a student adds under a question count for that question. In a notebook
    without such prompts, a cell belongs to the next ``grader.check("q<n>")`` below it (the last
    check's question after it)."""
    found, question = [], 0
    for number, cell in enumerate(nb.cells, start=1):
        if cell.cell_type == "markdown":
            prompts = PROMPT.findall(cell.source)
            question = int(prompts[-1]) if prompts else question
        elif cell.cell_type == "code" and question:
            found.append((question, number, cell.source))
    return found or _by_checks(nb)


def _by_checks(nb: nbformat.NotebookNode) -> list[tuple[int, int, str]]:
    """Question of each code cell from the ``grader.check`` cells (see :func:`question_cells`)."""
    code = [(number, cell.source) for number, cell in enumerate(nb.cells, start=1) if cell.cell_type == "code"]
    checks = [int(q) for _, source in code for q in CHECK.findall(source)]
    question, found = (checks[-1] if checks else 0), []
    for number, source in reversed(code):
        question = int(CHECK.findall(source)[0]) if CHECK.search(source) else question
        found.append((question, number, source))
    return [item for item in reversed(found) if item[0]]


def _parse(source: str) -> ast.Module | None:
    """The syntax tree of a cell: plain Python first (fast), else with IPython's magics transformed."""
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):
        return parse_cell(source)


def _trees(nb: nbformat.NotebookNode) -> dict[int, ast.Module]:
    """Cell number -> syntax tree of every code cell (import lines only when it does not parse)."""
    trees = {}
    for number, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        tree = _parse(cell.source)
        if tree is None:
            lines = [ln.strip() if re.match(r"\s*(import|from)\s", ln) else "" for ln in cell.source.splitlines()]
            tree = parse_cell("\n".join(lines)) or ast.Module(body=[], type_ignores=[])
        trees[number] = tree
    return trees


def _imported(node: ast.AST) -> list[tuple[str, str]]:
    """``(local name, dotted module or member)`` bound by an import statement."""
    if isinstance(node, ast.Import):
        return [(a.asname or a.name.split(".")[0], a.name if a.asname else a.name.split(".")[0])
                for a in node.names]
    if isinstance(node, ast.ImportFrom) and node.module and not node.level:
        return [(a.asname or a.name, f"{node.module}.{a.name}") for a in node.names if a.name != "*"]
    return []


def _aliases(trees: dict[int, ast.Module]) -> dict[str, str]:
    """Local name -> what it was imported as, over all cells (later imports win)."""
    aliases = {}
    for tree in trees.values():
        for node in ast.walk(tree):
            aliases.update(_imported(node))
    return aliases


def _dotted(node: ast.AST, aliases: dict[str, str]) -> str | None:
    """``a.b.c`` for a Name/Attribute chain whose root is an imported name, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in aliases:
        return None
    return ".".join([aliases[node.id], *reversed(parts)])


def _dynamic_import(node: ast.Call) -> str | None:
    """The module of ``__import__("m")`` / ``importlib.import_module("m")``, else None."""
    func = node.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    if name in ("__import__", "import_module") and node.args and isinstance(node.args[0], ast.Constant) \
            and isinstance(node.args[0].value, str):
        return node.args[0].value
    return None


def _uses(tree: ast.Module, aliases: dict[str, str]):
    """Yield ``(line, dotted name)`` for every import, dynamic import and imported-name use in ``tree``;
    of an attribute chain only the longest resolvable name."""
    inner: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for local, dotted in _imported(node):
                yield node.lineno, dotted if isinstance(node, ast.ImportFrom) else aliases.get(local, dotted)
            if isinstance(node, ast.Import):  # `import torch.nn` imports torch.nn itself
                yield from ((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.Call) and _dynamic_import(node):
            yield node.lineno, _dynamic_import(node)
        elif isinstance(node, (ast.Attribute, ast.Name)) and id(node) not in inner:
            dotted = _dotted(node, aliases)
            if dotted:
                inner.update(id(n) for n in ast.walk(node))
                yield node.lineno, dotted


def _may_reach(target: str, policy: Policy) -> bool:
    """Can a name imported as ``target`` lead to a forbidden library (itself, or an attribute of it)?"""
    return _under(target, policy.forbidden) or any(p.startswith(target + ".") for p in policy.forbidden)


def _worth_walking(source: str, aliases: dict[str, str]) -> bool:
    """Can this cell hold a finding at all? (a fast text test before walking its syntax tree)"""
    return "import" in source or any(re.search(rf"\b{re.escape(name)}\b", source) for name in aliases)


def static_findings(nb: nbformat.NotebookNode, policy: Policy = DEFAULT_POLICY) -> list[Finding]:
    """Every use of a forbidden library in the checked questions' code cells of ``nb``."""
    trees = _trees(nb)
    aliases = {local: target for local, target in _aliases(trees).items() if _may_reach(target, policy)}
    first, last = policy.questions
    findings = []
    for question, number, source in question_cells(nb):
        if not first <= question <= last or not _worth_walking(source, aliases):
            continue
        for line, dotted in _uses(trees[number], aliases):
            if policy.is_forbidden(dotted):
                findings.append(Finding(question, number, line, dotted))
    return sorted(dict.fromkeys(findings), key=lambda f: (f.cell, f.line, f.name))


def codes_of(findings: list[Finding]) -> tuple[str, ...]:
    """The distinct gradebook codes of ``findings``, in order of first appearance."""
    return tuple(dict.fromkeys(f.code for f in findings))
