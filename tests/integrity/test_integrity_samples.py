"""On the real assignment: the sample submissions, plus a scikit-learn model, a torch comment and the
untouched student notebook handed in twice, checked against the built student notebook (needs MNIST)."""

from __future__ import annotations

import re
import shutil

import nbformat
import pytest

from grader.submissions.discover import find_inputs
from grader.submissions.integrity_batch import check_batch

pytestmark = pytest.mark.slow
SAMPLES = __import__("pathlib").Path(__file__).resolve().parents[2] / "samples" / "submissions"


@pytest.fixture(scope="module")
def result(built, tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    for path in SAMPLES.glob("*.ipynb"):
        shutil.copy(path, folder)
    for sid in ("blank_1", "blank_2"):
        shutil.copy(built.student_notebook, folder / f"{sid}.ipynb")
    nb = nbformat.read(SAMPLES / "correct.ipynb", 4)
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and re.search(r"^model_1_5\s*=", c.source, re.M)]
    source = cell.source
    cell.source = "# import torch  (tried it, wrote my own instead)\n" + source
    nbformat.write(nb, folder / "torch_comment.ipynb")
    cell.source = ("from sklearn.neural_network import MLPClassifier\n"
                   "model_1_5 = MLPClassifier().fit(train_X_1_5.T, train_y_1_5.ravel())")
    nbformat.write(nb, folder / "sklearn_model.ipynb")
    return check_batch(find_inputs(folder), boilerplate=built.student_notebook)


def test_does_only_the_scikit_learn_model_get_a_lib_code(result):
    libs = {sid: [c for c in codes if c.startswith("lib:")] for sid, codes in result.codes.items()}
    assert {sid: c for sid, c in libs.items() if c} == {"sklearn_model": ["lib:sklearn"]}


def test_is_the_untouched_student_notebook_similar_to_nobody(result):
    assert not [p for p in result.pairs if {p.a, p.b} & {"blank_1", "blank_2"}]


def test_are_the_samples_one_solution_with_one_bug_each_flagged_as_copies(result):
    samples = sorted(p.stem for p in SAMPLES.glob("*.ipynb"))
    flagged = {(p.a, p.b) for p in result.pairs}
    assert {(a, b) for i, a in enumerate(samples) for b in samples[i + 1:]} <= flagged
