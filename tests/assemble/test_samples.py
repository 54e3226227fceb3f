"""Does each sample submission lose exactly the points its bug should cost?

The samples in ``samples/submissions`` are the solution with one known bug each
(``grader.assemble.samples.MUTANTS``). They are graded in one batch by ``mlp-course grade``
with a freshly built autograder; the correct one must earn every automatic point.
"""

from __future__ import annotations

import nbformat
import pytest

from grader.assemble.samples import MUTANTS, differences, mutated
from grader.gradebook import read_gradebook

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
        "stale sample: regenerate with 'python -m grader.assemble.samples dist/solution/mlp_mnist.ipynb "
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


@pytest.mark.parametrize("how", [{"jobs": 1}, {"jobs": 1, "engine": "otter"}], ids=["jobs-1", "otter-engine"])
def test_does_the_same_file_get_the_same_points_with_one_job_and_with_otter(built, graded_samples, tmp_path, how):
    """The training-dependent samples, graded again one at a time (and by `otter run`): the
    points of the batch graded with --jobs 2 (fixed BLAS threads, seeded cells)."""
    import shutil

    import grader.grade

    folder = tmp_path / "again"
    folder.mkdir()
    names = ["correct", "weak_model"]
    for name in names:
        shutil.copy(SAMPLES / f"{name}.ipynb", folder)
    grader.grade.main(folder, autograder=built.autograder_zip, out=tmp_path / "out", progress=False, **how)
    again = read_gradebook(tmp_path / "out" / "gradebook.csv")
    for name in names:
        assert again[name]["status"] == "graded", again[name]
        assert {q: float(again[name][q]) for q in AUTOGRADED} == \
            {q: float(graded_samples[name][q]) for q in AUTOGRADED}, name
