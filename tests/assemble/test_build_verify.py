"""Does the build's verification grade the solution both ways it will be graded (``otter run`` and
``mlp-course grade``'s sandboxed engine), and stop naming the question when either loses points?
(The toy assignment of tests/grade: no MNIST.)"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "grade"))
import grade_toy  # noqa: E402
from grader.assemble import verify  # noqa: E402
from grader.errors import GraderError  # noqa: E402

pytestmark = pytest.mark.slow  # four real gradings of the toy solution (about a minute on a quiet machine)


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    built = grade_toy.build(tmp_path_factory.mktemp("toy") / "dist")
    return built, grade_toy.both_engines_autograder(built, tmp_path_factory.mktemp("ag") / "toy-both-autograder.zip")


def test_does_a_correct_solution_pass_both_verifications(toy, tmp_path):
    built, autograder = toy
    said = []
    earned = verify.finish(verify.start(autograder, built.solution, tmp_path / "verify"), "toy-master.ipynb",
                           log=said.append)
    assert {q: earned[q] for q in ("q1", "q2", "q3")} == {"q1": 2.0, "q2": 3.0, "q3": 1.0} and said == []
    assert (tmp_path / "verify" / "grade" / "gradebook.csv").is_file()  # graded by mlp-course grade too


def test_does_a_solution_that_loses_points_stop_the_build_naming_the_question_for_each_engine(toy, tmp_path):
    built, autograder = toy
    broken = grade_toy.submission(built, tmp_path / built.solution.name, replace={"return x * x": "return x * abs(x)"})
    running = verify.start(autograder, broken, tmp_path / "verify")
    with pytest.raises(GraderError) as raised:
        verify.finish(running, "toy-master.ipynb")
    message = str(raised.value)
    assert re.match(r"toy-master\.ipynb: the solution fails q1 \(0(\.0)?/2", message), message
    assert "q1 (0/2: test_q1_square: square must also work for negative numbers and zero)" in message
    assert verify.HOW["otter"] in message and verify.HOW["grade"] in message and "q2" not in message
