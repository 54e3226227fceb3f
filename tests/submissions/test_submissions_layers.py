"""Do the layers point one way: verbs over the submissions layer, no verb importing another?"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

GRADER = Path(__file__).resolve().parents[2] / "grader"
VERBS = ("data", "assemble", "grade", "export", "answers", "integrity")  # packages (assemble: the build verb)


def imported(package: str) -> dict[str, set[str]]:
    """File (relative to grader/) -> the ``grader.*`` modules it imports, at any depth."""
    found = {}
    for path in sorted((GRADER / package).rglob("*.py")):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
                names |= {f"{node.module}.{a.name}" for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level > 0:
                names.add(f"grader.{package}")  # relative: its own package
            elif isinstance(node, ast.Import):
                names |= {a.name for a in node.names}
        found[str(path.relative_to(GRADER))] = {n for n in names if n.startswith("grader.")}
    return found


def verbs_in(names: set[str]) -> set[str]:
    return {n.split(".")[1] for n in names if n.split(".")[1] in VERBS}


@pytest.mark.parametrize("verb", ["data", "assemble", "grade", "export", "answers", "integrity"])
def test_does_a_verb_import_no_other_verb(verb):
    crossing = {f: verbs_in(names) - {verb} for f, names in imported(verb).items()}
    assert {f: v for f, v in crossing.items() if v} == {}


def test_does_the_submissions_layer_import_no_verb():
    crossing = {f: verbs_in(names) for f, names in imported("submissions").items()}
    assert {f: v for f, v in crossing.items() if v} == {}


def test_do_grade_export_and_answers_read_submissions_through_the_layer():
    for verb in ("grade", "export", "answers"):
        assert any(any(n.startswith("grader.submissions") for n in names) for names in imported(verb).values()), verb
