"""Does each sample submission lose exactly the points its bug should cost?

The samples in ``samples/submissions`` are the solution with one known bug each
(``grader.build.samples.MUTANTS``). They are graded in one batch by ``mlp-course grade``
with a freshly built autograder; the correct one must earn every automatic point.
"""

from __future__ import annotations

import nbformat
import pytest

from grader.build.samples import MUTANTS, differences, mutated

from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "submissions"

pytestmark = pytest.mark.slow
AUTOGRADED = ["q1", "q2", "q3", "q4", "q5", "q7", "q8", "q9", "q10", "q11", "q12"]


def _normalised(nb) -> list:
    """What a stale sample would differ in: each cell's kind and text (ids are random)."""
    return [(c.cell_type, c.source) for c in nb.cells]


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_is_the_committed_sample_what_the_current_solution_gives(built, mutant):
    committed = nbformat.read(SAMPLES / f"{mutant.name}.ipynb", as_version=4)
    assert _normalised(committed) == _normalised(mutated(built.solution_notebook, mutant)), (
        "stale sample: regenerate with 'python -m grader.build.samples dist/solution/mlp_mnist.ipynb "
        "samples/submissions'")


def test_does_the_correct_sample_earn_every_automatic_point(graded_samples):
    row = graded_samples["correct"]
    possible = graded_samples["POINTS POSSIBLE"]
    assert row["status"] == "graded"
    assert {q: float(row[q]) for q in AUTOGRADED} == {q: float(possible[q]) for q in AUTOGRADED}


def test_does_each_sample_lose_exactly_its_points(graded_samples):
    assert differences(graded_samples) == []


def test_does_the_comparison_name_a_sample_that_lost_other_points(graded_samples):
    rows = {sid: dict(row) for sid, row in graded_samples.items()}
    rows["weak_model"]["q11"] = rows["POINTS POSSIBLE"]["q11"]  # as if the weak model had full marks
    del rows["cell_raises"]
    found = differences(rows)
    assert found[0].startswith("weak_model: lost nothing, expected q11") and "cell_raises: not in the gradebook" in found
