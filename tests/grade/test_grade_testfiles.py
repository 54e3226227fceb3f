"""One reader of tests/qN.py: the points it gives are otter's, and it runs nothing."""

from __future__ import annotations

import io
import zipfile

import pytest
from otter.test_files import create_test_file

from grader.grade.autograder import load_autograder
from grader.grade.testfiles import parse_test_file, read_test_files

HEADER = "from otter.test_files import test_case\n\nOK_FORMAT = False\n\nname = {name!r}\n{points}\n"
CASE = "@test_case({options})\ndef {func}(f):\n    assert f(1) == 2\n\n"

SHAPES = {  # question: (points line, [decorator options])
    "q1": ("points = 10", ["points=0, hidden=False", "points=4, hidden=True", "hidden=True", "hidden=True"]),
    "q2": ("", ["hidden=False", "hidden=True"]),
    "q3": ("", ["points=0", "points=0"]),
    "q4": ("points = [1, 2.5]", ["", "hidden=True"]),
    "q6": ("points = 8", ["points=0, hidden=False"]),
}


def source(question: str) -> str:
    points, options = SHAPES[question]
    return HEADER.format(name=question, points=points) + "".join(
        CASE.format(options=o, func=f"test_{question}_{i}") for i, o in enumerate(options))


@pytest.mark.parametrize("question", sorted(SHAPES))
def test_are_the_points_of_each_test_those_otter_gives(question, tmp_path):
    path = tmp_path / f"{question}.py"
    path.write_text(source(question), encoding="utf-8")
    oracle = create_test_file(str(path), None)  # otter runs the file; our reader must not need to
    parsed = parse_test_file(source(question), "unused")
    assert parsed.question == oracle.name
    assert [c.points for c in parsed.cases] == [float(tc.points) for tc in oracle.test_cases]
    assert [c.hidden for c in parsed.cases] == [tc.hidden for tc in oracle.test_cases]
    assert parsed.possible == float(oracle.possible)


def test_is_the_declared_points_line_kept_for_a_manual_question():
    parsed = parse_test_file(source("q6"), "unused")
    assert (parsed.possible, parsed.declared) == (0.0, 8.0)


def test_is_an_autograders_test_file_read_without_running_it(tmp_path):
    marker = tmp_path / "ran"
    hostile = source("q2") + f"open({str(marker)!r}, 'w').close()\n"
    zip_path = tmp_path / "ag.zip"
    with zipfile.ZipFile(zip_path, "w") as zf:
        zf.writestr("otter_config.json", "{}")
        zf.writestr("run_autograder", "#!/bin/sh\n")
        zf.writestr("tests/q2.py", hostile)
    assert load_autograder(zip_path, "").questions == {"q2": 1.0}
    assert not marker.exists()


def test_does_an_ok_format_file_give_its_cases_without_functions(tmp_path):
    ok = ("OK_FORMAT = True\n\ntest = {'name': 'q9', 'points': 6, 'suites': [{'type': 'doctest', 'cases': "
          "[{'code': '>>> 1', 'hidden': False, 'points': 2}, {'code': '>>> 2', 'hidden': True}]}]}\n")
    path = tmp_path / "q9.py"
    path.write_text(ok, encoding="utf-8")
    oracle = create_test_file(str(path), None)
    parsed = parse_test_file(ok, "unused")
    assert [(c.name, c.points, c.hidden, c.func) for c in parsed.cases] == [
        (tc.name, float(tc.points), tc.hidden, None) for tc in oracle.test_cases]


def test_are_the_files_of_a_zip_in_natural_order():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for question in ("q6", "q2", "q1", "q4"):
            zf.writestr(f"tests/{question}.py", source(question))
        zf.writestr("tests/q10.py", source("q3").replace("'q3'", "'q10'"))
    with zipfile.ZipFile(buffer) as zf:
        assert [f.question for f in read_test_files(zf)] == ["q1", "q2", "q4", "q6", "q10"]
