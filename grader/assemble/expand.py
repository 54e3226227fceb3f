"""Expand the master notebook's references to the answer key (``solutions/``) into code.

The answer key is written once, in the ``solutions`` package (tested and benchmarked there);
the master notebook only names what it takes, on a line of its own in a code cell:

``# SOLUTION: solutions.network.feedforward``
    The definition of ``feedforward`` (function, class, or module-level assignment, with
    the comment lines right above it) as written in ``solutions/network.py``. Two places:

    * in the body of a master ``def`` of the same name: that ``def`` is the student's stub
      (signature, docstring, ``...``); the solution gets the answer key's definition, whose
      parameters must include the stub's (same defaults; extra ones need a default);
    * at module level: the definition is added for the solution only (a helper such as
      ``solutions.network.with_bias_row``); students see nothing of it.

``# SOLUTION BODY: solutions.cells.q4_pair_1_5``
    At module level only: the statements of that function's body, dedented, without its
    docstring and its final ``return`` (which names, for tests, what the cell defines). For
    answer cells that are statements (Q4, Q11, Q12). Add an otter ``# BEGIN PROMPT`` block
    after it for what students see.

``# GIVEN: solutions.data_prep.add_shifted_copies``
    At module level: the definition, for students and solution alike (ready-made code).

``expand_notebook`` turns every such line into what ``otter assign`` reads: a solution goes
between ``# BEGIN SOLUTION NO PROMPT`` and ``# END SOLUTION`` and a stub into a
``''' # BEGIN PROMPT`` ... ``''' # END PROMPT`` block, so the student notebook gets the
stub and the solution notebook the answer key's code. ``mlp-course build`` expands the master
into its scratch folder (the committed master keeps the short form); ``mlp-course build
--expand-only -o FILE`` writes the expanded "master view" to read or run in Jupyter.

The package named first in a reference (``solutions``) is looked up in the master's folder,
then its parent (the repository: ``notebooks/`` beside ``solutions/``), then on ``sys.path``.
The source is read with ``ast``; nothing is imported.
"""

from __future__ import annotations

import ast
import copy
import importlib.util
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import nbformat

from grader.errors import GraderError

MARKER = re.compile(r"^(?P<indent>[ \t]*)# (?P<kind>SOLUTION BODY|SOLUTION|GIVEN): (?P<target>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)\s*$")
LOOKS_LIKE_MARKER = re.compile(r"^[ \t]*#\s*(SOLUTION|GIVEN)\b[^:\n]*:")
FENCE_OPEN, FENCE_CLOSE = "# BEGIN SOLUTION NO PROMPT", "# END SOLUTION"
PROMPT_OPEN, PROMPT_CLOSE = "''' # BEGIN PROMPT", "''' # END PROMPT"
DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@dataclass(frozen=True)
class Definition:
    """A top-level definition of the answer key: its node and the lines of its file."""

    target: str  # "solutions.network.feedforward"
    path: Path
    node: ast.stmt
    lines: tuple[str, ...]

    def source(self) -> str:
        """The whole definition, decorators and the comment lines right above it included."""
        first = min([self.node.lineno] + [d.lineno for d in getattr(self.node, "decorator_list", [])])
        return "\n".join(self.lines[_comments_above(self.lines, first) - 1:self.node.end_lineno])

    def body(self) -> str:
        """The statements of a function's body, dedented, without its docstring and a final
        ``return`` (what a ``# SOLUTION BODY`` line inserts)."""
        if not isinstance(self.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            raise GraderError(f"{self.target}: '# SOLUTION BODY' needs a function, this is not one; "
                              "use '# SOLUTION' for it.")
        body = list(self.node.body)
        if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
                and isinstance(body[0].value.value, str):
            body = body[1:]
        if body and isinstance(body[-1], ast.Return):
            body = body[:-1]
        if not body:
            raise GraderError(f"{self.target} ({self.path}): its body holds no statement to insert.")
        first = _comments_above(self.lines, body[0].lineno)
        return textwrap.dedent("\n".join(self.lines[first - 1:body[-1].end_lineno]))


def _comments_above(lines, lineno: int) -> int:
    """The first line number of the run of comment lines ending right above ``lineno``."""
    while lineno > 1 and lines[lineno - 2].strip().startswith("#"):
        lineno -= 1
    return lineno


def package_dir(name: str, master_dir: Path | None = None) -> Path:
    """The folder of the answer-key package ``name`` (see the module docstring for where)."""
    for folder in ([master_dir, master_dir.parent] if master_dir is not None else []):
        if (folder / name / "__init__.py").is_file():
            return folder / name
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise GraderError(f"package '{name}' not found beside the master notebook nor installed; "
                          "run the build from the repository (solutions/ next to notebooks/).")
    return Path(list(spec.submodule_search_locations)[0])


def find_definition(target: str, master_dir: Path | None = None) -> Definition:
    """The top-level definition ``target`` ("package.module.name") of the answer key."""
    package, *modules, name = target.split(".")
    if not modules:
        raise GraderError(f"'{target}': name a definition in a module, as in solutions.network.feedforward.")
    root = package_dir(package, master_dir)
    path = root.joinpath(*modules).with_suffix(".py")
    if not path.is_file():
        path = root.joinpath(*modules, "__init__.py")
    if not path.is_file():
        raise GraderError(f"'{target}': no module {'.'.join([package, *modules])} in {root}; check the name.")
    text = path.read_text(encoding="utf-8")
    for node in ast.parse(text, str(path)).body:
        if _binds(node, name):
            return Definition(target, path, node, tuple(text.splitlines()))
    raise GraderError(f"'{target}': {path} defines no '{name}' at module level; check the name.")


def _binds(node: ast.stmt, name: str) -> bool:
    if isinstance(node, DEFINITIONS):
        return node.name == name
    if isinstance(node, ast.Assign):
        return any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
    if isinstance(node, ast.AnnAssign):
        return isinstance(node.target, ast.Name) and node.target.id == name
    return False


def _parameters(args: ast.arguments) -> tuple[list, dict, tuple]:
    """(positional [(name, default text)], keyword-only {name: default text}, (*args, **kwargs))."""
    positional = args.posonlyargs + args.args
    defaults = [None] * (len(positional) - len(args.defaults)) + [ast.unparse(d) for d in args.defaults]
    keyword = {a.arg: (ast.unparse(d) if d is not None else None) for a, d in zip(args.kwonlyargs, args.kw_defaults)}
    star = (args.vararg.arg if args.vararg else None, args.kwarg.arg if args.kwarg else None)
    return [(a.arg, d) for a, d in zip(positional, defaults)], keyword, star


def signature_problem(stub: ast.FunctionDef, answer: ast.FunctionDef) -> str | None:
    """Why the answer key's function cannot stand in for the student's stub, or None."""
    stub_pos, stub_kw, stub_star = _parameters(stub.args)
    ans_pos, ans_kw, ans_star = _parameters(answer.args)
    if ans_pos[:len(stub_pos)] != stub_pos:
        return f"its positional parameters {ans_pos[:len(stub_pos)]} are not the stub's {stub_pos}"
    if any(d is None for _, d in ans_pos[len(stub_pos):]):
        return "a positional parameter the stub lacks has no default"
    for name, default in stub_kw.items():
        if ans_kw.get(name, ...) != default:
            return f"keyword-only '{name}' is missing or has another default"
    if any(d is None for k, d in ans_kw.items() if k not in stub_kw):
        return "a keyword-only parameter the stub lacks has no default"
    if stub_star != ans_star:
        return "*args/**kwargs differ"
    return None


def expand_source(source: str, where: str, master_dir: Path | None = None) -> str:
    """One code cell's ``source`` with its references expanded (``where`` names it in errors)."""
    lines = source.split("\n")
    found = []
    for number, line in enumerate(lines, start=1):
        match = MARKER.match(line)
        if match:
            found.append((number, match))
        elif LOOKS_LIKE_MARKER.match(line):
            raise GraderError(f"{where}, line {number}: '{line.strip()}' is not a reference; write "
                              "'# SOLUTION: solutions.module.name' (or SOLUTION BODY / GIVEN).")
    if not found:
        return source
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise GraderError(f"{where}, line {exc.lineno}: not valid Python ({exc.msg}); a cell with a "
                          "'# SOLUTION:' line must parse.") from None
    replacements = []  # (first line, last line, new lines), 1-based and inclusive
    for number, match in found:
        kind, target = match["kind"], match["target"]
        here = f"{where}, line {number}"
        holder = next((n for n in tree.body if n.lineno <= number <= n.end_lineno), None)
        try:
            definition = find_definition(target, master_dir)
        except GraderError as exc:
            raise GraderError(f"{here}: {exc}") from None
        if isinstance(holder, (ast.FunctionDef, ast.AsyncFunctionDef)) and kind == "SOLUTION":
            replacements.append(_stub(lines, holder, number, definition, here))
        elif holder is not None or match["indent"]:
            raise GraderError(f"{here}: '# {kind}:' sits inside a statement or is indented outside a stub "
                              "def; put it at module level, or ('# SOLUTION:') in the body of the stub def "
                              "it replaces.")
        elif kind == "GIVEN":
            replacements.append((number, number, definition.source().split("\n")))
        else:
            code = definition.body() if kind == "SOLUTION BODY" else definition.source()
            spaced = number > 1 and kind == "SOLUTION" and isinstance(definition.node, DEFINITIONS)
            replacements.append((number, number, fenced(code, spaced)))
    replacements.sort()
    for (_, end, _), (start, _, _) in zip(replacements, replacements[1:]):
        if start <= end:
            raise GraderError(f"{where}, line {start}: one stub def holds two '# SOLUTION:' lines; keep one.")
    for start, end, new in reversed(replacements):
        lines[start - 1:end] = new
    return "\n".join(lines)


def _stub(lines, stub, number, definition, here):
    name = definition.target.rsplit(".", 1)[1]
    if not isinstance(definition.node, (ast.FunctionDef, ast.AsyncFunctionDef)) or stub.name != name:
        raise GraderError(f"{here}: the stub 'def {stub.name}' names {definition.target}; a stub takes "
                          "the answer-key function of its own name.")
    problem = signature_problem(stub, definition.node)
    if problem:
        raise GraderError(f"{here}: {definition.target} cannot replace the stub 'def {stub.name}': "
                          f"{problem}; make the signatures agree.")
    first = min([stub.lineno] + [d.lineno for d in stub.decorator_list])
    kept = [line for n, line in enumerate(lines[first - 1:stub.end_lineno], start=first) if n != number]
    if any("'''" in line for line in kept):
        raise GraderError(f"{here}: the stub of {stub.name} contains ''' (its prompt is a '''-string); "
                          "use \"\"\" in the stub.")
    return first, stub.end_lineno, [*fenced(definition.source(), first > 1), PROMPT_OPEN, *kept, PROMPT_CLOSE]


def fenced(code: str, spaced: bool) -> list[str]:
    """``code`` between otter's solution fences, as lines; ``spaced``: after two blank lines
    (inside the fence: they part definitions in the solution, students never see them)."""
    return [FENCE_OPEN, *([""] * 2 * spaced), *code.split("\n"), FENCE_CLOSE]


def expand_notebook(nb: nbformat.NotebookNode, name: str = "master", master_dir: Path | None = None):
    """A copy of the master notebook ``nb`` with every code cell's references expanded."""
    nb = copy.deepcopy(nb)
    for number, cell in enumerate(nb.cells, start=1):
        if cell.cell_type == "code":
            cell.source = expand_source(cell.source, f"{name} (cell {number})", master_dir)
    return nb


def expand_file(master, out) -> Path:
    """Write the expanded master notebook at ``master`` to ``out`` (refusing to overwrite it)."""
    from grader.atomic import write_text
    from grader.assemble.master import read_notebook

    master, out = Path(master), Path(out)
    if out.resolve() == master.resolve():
        raise GraderError(f"{out}: that is the master notebook itself; write the expanded view "
                          "to another file (the master keeps its '# SOLUTION:' lines).")
    nb = expand_notebook(read_notebook(master), master.name, master.resolve().parent)
    write_text(out, nbformat.writes(nb) + "\n")
    return out
