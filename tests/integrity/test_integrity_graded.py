"""Graded for real (MNIST, the built autograder, the sandbox): does a submission whose models are
scikit-learn's get both the static code and the probe's codes in the gradebook, and keep its points?"""

from __future__ import annotations

import csv
import re
import shutil

import nbformat
import pytest

import grader.grade

pytestmark = pytest.mark.slow
SAMPLES = __import__("pathlib").Path(__file__).resolve().parents[2] / "samples" / "submissions"


@pytest.fixture(scope="module")
def gradebook(built, tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    shutil.copy(SAMPLES / "correct.ipynb", folder / "own.ipynb")
    nb = nbformat.read(SAMPLES / "correct.ipynb", 4)
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and re.search(r"^model_1_5\s*=", c.source, re.M)]
    cell.source += ("\nfrom sklearn.neural_network import MLPClassifier\n"
                    "model_1_5 = MLPClassifier(hidden_layer_sizes=(16,), max_iter=20, random_state=0)"
                    ".fit(train_X_1_5.T, train_y_1_5.ravel())\n")
    nbformat.write(nb, folder / "borrowed.ipynb")
    out = tmp_path_factory.mktemp("graded")
    grader.grade.main(folder, autograder=built.autograder_zip, out=out, jobs=2, progress=False,
                      boilerplate=built.student_notebook)
    with open(out / "gradebook.csv", newline="") as f:
        return {row["id"]: row for row in csv.DictReader(f)}


def test_does_the_borrowed_model_get_the_static_and_the_dynamic_code(gradebook):
    codes = gradebook["borrowed"]["integrity"].split()
    assert "lib:sklearn" in codes and "model:MLPClassifier" in codes


def test_does_the_students_own_network_get_no_library_or_model_code(gradebook):
    codes = gradebook["own"]["integrity"].split()
    assert not [c for c in codes if c.startswith(("lib:", "model:", "predict:"))]


def test_is_a_flag_never_a_grade(gradebook):
    assert gradebook["borrowed"]["status"] == "graded" and float(gradebook["borrowed"]["total"]) > 0
