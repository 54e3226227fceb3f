"""The ONE reader of an autograder's ``tests/qN.py``: parsed with :mod:`ast`, never run.

An otter exception-based test file sets ``name = "qN"`` and optionally ``points = N`` (or a
list), then defines ``@test_case(points=..., hidden=...)`` functions; an OK-format file
(``OK_FORMAT = True``, from other otter courses) holds one literal ``test = {...}`` dict whose
cases have no function (the safe engine cannot grade them). :func:`read_test_files`
gives each file's question name, its declared ``points`` line and its test cases with their
points resolved by otter's own rule (:meth:`otter.test_files.TestFile.resolve_test_file_points`,
applied to what was parsed: the split of a question's points is otter's, not a copy). Both the
question table (:mod:`.autograder`) and the safe engine's plan (:mod:`.plan`) read the files here.
"""

from __future__ import annotations

import ast
import dataclasses
import re
import zipfile


@dataclasses.dataclass(frozen=True)
class Case:
    """One test case: its name, resolved points, visibility and function's syntax tree (None in OK format)."""

    name: str
    points: float
    hidden: bool
    func: ast.FunctionDef | None


@dataclasses.dataclass(frozen=True)
class TestFile:
    """One ``tests/qN.py``: ``declared`` is its top-level ``points = N`` (None if absent or a list)."""

    question: str
    declared: float | None
    cases: list[Case]

    @property
    def possible(self) -> float:
        """Points otter's tests of this file can award (the sum of its cases', as otter counts)."""
        return float(sum(case.points for case in self.cases))


def _literal(node):
    """The value of a literal node (number, string, list of numbers...), else None."""
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def _test_case_options(func: ast.FunctionDef) -> dict | None:
    for dec in func.decorator_list:
        if isinstance(dec, ast.Call) and getattr(dec.func, "id", getattr(dec.func, "attr", "")) == "test_case":
            return {k.arg: _literal(k.value) for k in dec.keywords}
    return None


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def parse_test_file(source: bytes | str, fallback_name: str) -> TestFile:
    """The :class:`TestFile` of ``source``; ``fallback_name`` when it sets no ``name``.

    Raises ``SyntaxError``/``ValueError`` for a file that is not Python or whose points do not
    resolve (otter refuses those files too).
    """
    from otter.test_files.abstract_test import TestCase, TestFile as OtterTestFile

    tree = ast.parse(source)
    top = {t.id: node.value for node in tree.body if isinstance(node, ast.Assign)
           for t in node.targets if isinstance(t, ast.Name)}
    if "OK_FORMAT" in top and _literal(top["OK_FORMAT"]) is True:
        spec = _literal(top.get("test", ast.Constant(None)))
        if not isinstance(spec, dict) or len(spec.get("suites") or []) != 1:
            raise ValueError("an OK-format test file must hold one literal test dict with one suite")
        name, points = spec.get("name"), spec.get("points")
        found = [(None, {"points": c.get("points"), "hidden": c.get("hidden", True),
                         "name": c.get("name", f"{name} - {i + 1}")}) for i, c in enumerate(spec["suites"][0]["cases"])]
    else:
        name = _literal(top["name"]) if "name" in top else None
        points = _literal(top["points"]) if "points" in top else None
        found = [(node, _test_case_options(node)) for node in tree.body if isinstance(node, ast.FunctionDef)]
        found = [(node, {**options, "name": node.name}) for node, options in found if options is not None]
    otter_cases = [TestCase(name=options["name"], body=None, hidden=bool(options.get("hidden")),
                            points=options.get("points"), success_message=None, failure_message=None)
                   for _, options in found]
    resolved = OtterTestFile.resolve_test_file_points(points, otter_cases)
    cases = [Case(tc.name, float(tc.points), tc.hidden, node) for tc, (node, _) in zip(resolved, found)]
    return TestFile(name if isinstance(name, str) else fallback_name, _number(points), cases)


def _natural(name: str) -> list:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def read_test_files(zf: zipfile.ZipFile) -> list[TestFile]:
    """Every ``tests/*.py`` of the autograder ``zf``, in natural order (q2 before q10)."""
    names = sorted((n for n in zf.namelist() if n.startswith("tests/") and n.endswith(".py")), key=_natural)
    return [parse_test_file(zf.read(n), n[len("tests/"):-len(".py")]) for n in names]
