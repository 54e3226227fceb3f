"""Does each sample submission lose exactly the points its bug should cost?

The samples in ``samples/submissions`` are the solution with one known bug each
(``grader.build.samples.MUTANTS``). They are graded in one batch by ``mlp-course grade``
with a freshly built autograder; the correct one must earn every automatic point.
"""

from __future__ import annotations

import nbformat
import pytest

from grader.build.samples import MUTANTS, mutated

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


@pytest.mark.parametrize("mutant", [m for m in MUTANTS if m.name != "correct"], ids=lambda m: m.name)
def test_does_each_bug_cost_exactly_its_points(graded_samples, mutant):
    row, possible = graded_samples[mutant.name], graded_samples["POINTS POSSIBLE"]
    assert row["status"] == "graded", row
    lost = {q: float(possible[q]) - float(row[q]) for q in AUTOGRADED}
    lost = {q: v for q, v in lost.items() if v}
    assert lost == {q: float(v) for q, v in mutant.loses.items()}
