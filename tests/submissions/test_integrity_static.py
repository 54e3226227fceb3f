"""The static integrity check: which code counts as using a learning library, and which does not?"""

from __future__ import annotations

import re

import pytest
from nbformat.v4 import new_notebook

from integrity_notebooks import STYLE_A, notebook
from grader.errors import GraderError
from grader.submissions.integrity import DEFAULT_POLICY, codes_of, policy_of, question_cells, static_findings


def findings(q11_code: str, **answers):
    nb = notebook({**STYLE_A, 11: q11_code, **{int(k[1:]): v for k, v in answers.items()}})
    return static_findings(nb)


def test_is_a_model_that_is_an_mlpclassifier_flagged_lib_sklearn():
    found = findings("from sklearn.neural_network import MLPClassifier\n"
                     "model_1_5 = MLPClassifier(hidden_layer_sizes=(64,)).fit(train_X.reshape(-1, 784), train_y)")
    assert codes_of(found) == ("lib:sklearn",)
    assert {f.name for f in found} == {"sklearn.neural_network.MLPClassifier"}
    assert all(f.question == 11 for f in found)


def test_does_torch_only_in_a_comment_or_a_string_give_no_flag():
    assert findings("# import torch  (I tried torch.autograd first, then wrote it myself)\n"
                    'note = "import torch"\nmodel_1_5 = train_NNet(train_X, train_y)') == []


@pytest.mark.parametrize("code, name", [
    ("import torch.nn as nn\nlayer = nn.Linear(784, 1)", "torch.nn.Linear"),
    ("import tensorflow as tf\nm = tf.keras.Sequential()", "tensorflow.keras.Sequential"),
    ("from sklearn import svm\nclf = svm.SVC()", "sklearn.svm.SVC"),
    ("import sklearn\nclf = sklearn.linear_model.LogisticRegression()", "sklearn.linear_model.LogisticRegression"),
    ("jax = __import__('jax')", "jax"),
    ("import importlib\nt = importlib.import_module('torch')", "torch"),
])
def test_is_each_way_of_reaching_a_library_found(code, name):
    assert name in {f.name for f in findings(code)}


def test_is_a_call_flagged_when_the_import_sits_in_an_earlier_unchecked_cell():
    nb = notebook({**STYLE_A, 11: "model_1_5 = Net().fit(train_X, train_y)"})
    nb.cells[2].source += "\nfrom sklearn.neural_network import MLPClassifier as Net"  # the set-up cell
    assert [f.name for f in static_findings(nb)] == ["sklearn.neural_network.MLPClassifier"]


def test_are_allowed_helpers_like_accuracy_score_not_flagged():
    code = ("import sklearn\nfrom sklearn.metrics import accuracy_score\nfrom sklearn.utils import shuffle\n"
            "a = accuracy_score([1], [1]) + sklearn.metrics.f1_score([1], [1])")
    assert findings(code) == []


def test_does_a_cell_with_magics_or_broken_syntax_not_crash_and_keep_its_imports():
    found = findings("%%time\nmodel_1_5 = train_NNet(train_X, train_y)",
                     q10="def predict(model, X, d1, d2):\n    return (\nimport torch")
    assert codes_of(found) == ("lib:torch",) and found[0].question == 10


def test_is_the_given_notebook_clean_and_are_only_questions_2_to_12_checked():
    assert static_findings(notebook()) == []
    nb = new_notebook()
    nb.cells = notebook().cells
    nb.cells[2].source += "\nimport torch\nx = torch.zeros(3)"  # before any question: not checked
    assert static_findings(nb) == []
    assert {q for q, _, _ in question_cells(nb)} == {2, 3, 5, 7, 8, 9, 10, 11}


def test_does_the_notebook_metadata_change_the_policy_and_reject_a_bad_one():
    nb = notebook({**STYLE_A, 11: "import scipy.optimize as so\nmodel_1_5 = so.minimize"})
    assert static_findings(nb) == []
    nb.metadata["mlp_course"] = {"integrity": {"forbidden": ["scipy.optimize"]}}
    policy = policy_of(nb)
    assert policy.allowed == DEFAULT_POLICY.allowed
    assert codes_of(static_findings(nb, policy)) == ("lib:scipy",)
    nb.metadata["mlp_course"] = {"integrity": {"questions": [12]}}
    with pytest.raises(GraderError, match=r"questions must be \[first, last\]"):
        policy_of(nb)


def test_without_prompts_do_the_check_cells_say_which_question_a_cell_belongs_to():
    nb = notebook({**STYLE_A, 11: "import torch\nmodel_1_5 = torch.nn.Linear(784, 1)"})
    with_prompts = question_cells(nb)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = "Some text."
    answers = {n: q for q, n, src in with_prompts if src in STYLE_A.values() or "torch" in src}
    assert len(answers) == 8 and {n: q for q, n, _ in question_cells(nb) if n in answers} == answers
    assert codes_of(static_findings(nb)) == ("lib:torch",)


SAMPLES = __import__("pathlib").Path(__file__).resolve().parents[2] / "samples" / "submissions"


def test_on_the_real_notebook_are_the_samples_clean_and_an_mlpclassifier_model_flagged():
    import nbformat

    samples = sorted(SAMPLES.glob("*.ipynb"))
    assert samples and all(static_findings(nbformat.read(p, 4)) == [] for p in samples)
    nb = nbformat.read(SAMPLES / "correct.ipynb", 4)
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and re.search(r"^model_1_5\s*=", c.source, re.M)]
    cell.source = ("from sklearn.neural_network import MLPClassifier\n"
                   "model_1_5 = MLPClassifier().fit(train_X_1_5.T, train_y_1_5.ravel())")
    found = static_findings(nb)
    assert codes_of(found) == ("lib:sklearn",) and {f.question for f in found} == {11}
