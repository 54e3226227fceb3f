"""Does the dynamic integrity probe flag models that are not the student's own MLP, without
costing points? Fast: the REAL hidden checks on the held-out guard's synthetic pairs (see
``test_grade_heldout_guard``), the child faked in this process (``safe_toy.fake_child``), the
plan, read-back and verdicts the grader's own."""

from __future__ import annotations

import hashlib

import pytest

from grader.grade.engines import sandboxed as safe
from safe_toy import fake_child, notebook
from test_grade_heldout_guard import NETWORK, ONE_LAYER, PAIRS, build_autograder, public_set

SKLEARN = NETWORK + '''
from sklearn.neural_network import MLPClassifier

def predict(model, images, d1, d2):
    return model.predict(images.reshape(len(images), -1) / 255.0)

def fitted(d1, d2):
    rng = np.random.default_rng(d1)
    x = np.zeros((40, 28, 28))
    y = np.array([d1, d2] * 20)
    for i in range(40):
        if y[i] == d1:
            x[i, 4:24, 12:16] = 200
        else:
            x[i, 12:16, 4:24] = 200
        x[i] += rng.integers(0, 30, (28, 28))
    return MLPClassifier(hidden_layer_sizes=(4,), max_iter=300, random_state=0).fit(x.reshape(40, -1) / 255.0, y)

model_1_5, model_7_9 = fitted(1, 5), fitted(7, 9)
'''

OWN_MATH = ONE_LAYER + '''
def predict(model, images, d1, d2):  # the network's arithmetic written out again, feedforward unused
    X = np.vstack([images.reshape(len(images), -1).T / 255.0, np.ones((1, len(images)))])
    return np.where(model.W[0] @ X >= 0, d2, d1)[0]
'''


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    root = tmp_path_factory.mktemp("integrity")
    path = build_autograder(root / "integrity-autograder.zip", {pair: public_set(pair) for pair in PAIRS}, derive=True)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    safe.prepared.cache_clear()
    yield safe.prepared(path, sha, (("q11", 10.0), ("q12", 10.0)))
    safe.prepared.cache_clear()


def graded(prep, tmp_path, code: str):
    """``(points per question, integrity codes)`` of a notebook holding ``code``."""
    work = tmp_path / "work"
    work.mkdir()
    path = notebook(tmp_path / "student.ipynb", code, honest=False)
    calls = prep.plan.probe_calls()
    safe.prepare_folder(path, work, prep, calls, None)
    fake_child(path, work, None, None, None, 4144, None)
    outputs, errors = safe.load_outputs(work, len(calls))
    points, _ = safe.verdicts(prep, outputs, errors)
    return points, safe.integrity_flags(prep, outputs, errors)


def test_are_sklearn_models_and_a_predict_that_skips_feedforward_flagged(prepared, tmp_path):
    _, flags = graded(prepared, tmp_path, SKLEARN)
    assert flags == ("model:MLPClassifier", "predict:not-own-feedforward")


def test_does_an_own_network_run_through_its_own_feedforward_get_no_flag(prepared, tmp_path):
    points, flags = graded(prepared, tmp_path, ONE_LAYER)
    assert flags == ()
    assert points == {"q11": 10.0, "q12": 10.0}


def test_is_a_predict_that_skips_feedforward_flagged_but_its_own_model_not(prepared, tmp_path):
    assert graded(prepared, tmp_path, OWN_MATH)[1] == ("predict:not-own-feedforward",)


def test_do_the_flags_cost_no_points(prepared, tmp_path):
    """A flagged predict that computes the right answers from its model keeps every point."""
    points, flags = graded(prepared, tmp_path, OWN_MATH)
    assert flags and points == {"q11": 10.0, "q12": 10.0}


def test_is_a_model_of_an_earlier_run_of_the_class_cell_still_the_students_own(prepared, tmp_path):
    code = ONE_LAYER + "\nclass NNet:\n    def __init__(self, W):\n        self.W, self.Z, self.Y = W, [], []\n"
    assert graded(prepared, tmp_path, code)[1] == ()


def test_does_a_missing_model_give_no_flag(prepared, tmp_path):
    code = ONE_LAYER + "\ndel model_7_9\n"
    assert graded(prepared, tmp_path, code)[1] == ()


def test_is_the_integrity_probe_run_once_per_model_beside_the_tests(prepared):
    assert [call.args[3] for call in prepared.plan.signals] == [("name", "model_1_5"), ("name", "model_7_9")]
    assert len(prepared.plan.probe_calls()) == 2 + 2  # one accuracy run per model (tiers share it) + 2 integrity
