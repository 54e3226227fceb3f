"""Can held-out points be earned without a model? A class graded in one batch (fast: the child
is faked, see ``safe_toy``; the checks are the REAL ``mlp_hidden_checks.py`` and the held-out
sets are derived by the REAL ``grader.assemble.heldout``) on a synthetic pair of "digits"
(a vertical bar vs a horizontal bar) that a one-layer network separates.

* ``lookup``: ``predict`` answers from a table of the PUBLIC held-out labels keyed by image
  hash (and only for its own model objects, so that the consistency check cannot see it);
  its own model is untrained. It must earn nothing on the derived sets, and everything on
  the public ones (the control: the derivation is what stops it).
* ``nearest``: ``predict`` ignores the model and returns the label of the nearest public
  image: right on the derived sets too, so the consistency check must zero it, with a
  sentence saying why.
* Honest neighbours (one and two layers) keep their exact points.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import zipfile


import numpy as np
import pytest
from click.testing import CliRunner

from grader.assemble.heldout import derive_heldout
from grader.checks import SHIPPED
from grader.checks.check_registry import namespaced
from grader.cli import main as cli
from safe_toy import faked, notebook

PAIRS = ((1, 5), (7, 9))
TIERS = ((0.9, 5), (0.95, 5))  # (threshold, points) of each pair's hidden tests
FULL = {"q11": 10.0, "q12": 10.0}
SECRET = "a secret of the test"

TEST_FILE = '''from otter.test_files import test_case

OK_FORMAT = False

name = "{question}"
points = 10
{cases}'''
CASE = '''
@test_case(points={points}, hidden=True)
def test_{question}_at_least_{tag}(predict, model_{d1}_{d2}):
    from mlp_hidden_checks import check_heldout_accuracy
    check_heldout_accuracy(predict, model_{d1}_{d2}, {d1}, {d2}, {threshold})
'''


def public_set(pair, n: int = 240) -> dict:
    """The "public" held-out set of ``pair``: bars of varied place, length and brightness,
    with a few speckles, so that every image is different (x (n, 28, 28) uint8, y (n,))."""
    rng = np.random.default_rng(pair[0])
    x, y = np.zeros((n, 28, 28)), np.zeros(n, dtype=np.uint8)
    for i in range(n):
        digit, shift = pair[i % 2], int(rng.integers(-2, 3))
        length = int(rng.integers(14, 21))
        start = int(rng.integers(3, 28 - length - 2))
        value = float(rng.integers(180, 256))
        if digit == pair[0]:
            x[i, start:start + length, 12 + shift:16 + shift] = value
        else:
            x[i, 12 + shift:16 + shift, start:start + length] = value
        x[i] += rng.integers(0, 40, (28, 28)) * (rng.random((28, 28)) < 0.05)
        y[i] = digit
    return {"x": np.clip(x, 0, 255).astype(np.uint8), "y": y, "dataset": np.array("mnist"),
            "pair": np.array(pair, dtype=np.uint8)}


def build_autograder(dest, public: dict, *, derive: bool):
    """A safe autograder with Q11/Q12 held-out tiers; held-out files derived with SECRET or,
    for the control, the public ones as they are."""
    work = dest.parent
    reference = io.BytesIO()
    np.savez(reference, **namespaced({"unused": np.zeros(1)}, {}))
    with zipfile.ZipFile(dest, "w") as zf:
        zf.writestr("otter_config.json", json.dumps({"assignment_name": "guard", "lang": "python"}))
        zf.writestr("run_autograder", "#!/bin/sh\n")
        for question, (d1, d2) in zip(FULL, PAIRS):
            cases = "".join(CASE.format(points=p, question=question, tag=int(100 * t), d1=d1, d2=d2, threshold=t)
                            for t, p in TIERS)
            zf.writestr(f"tests/{question}.py", TEST_FILE.format(question=question, cases=cases))
            source, held = work / f"public_{d1}_{d2}.npz", work / f"heldout_{d1}_{d2}.npz"
            np.savez(source, **public[(d1, d2)])
            if derive:
                derive_heldout(source, held, SECRET)
            else:
                held.write_bytes(source.read_bytes())
            zf.writestr(f"files/heldout_{d1}_{d2}.npz", held.read_bytes())
        for name, path in SHIPPED.items():
            zf.writestr(f"files/{name}", path.read_bytes())
        zf.writestr("files/mlp_reference.npz", reference.getvalue())
    return dest


NETWORK = '''
import numpy as np

class NNet:
    def __init__(self, W):
        self.W, self.Z, self.Y = W, [], []

def feedforward(model, X):
    A, model.Z, model.Y = X, [], []
    for l, W in enumerate(model.W):
        Z = W @ np.vstack([A, np.ones((1, A.shape[1]))])
        A = 1 / (1 + np.exp(-Z)) if l == len(model.W) - 1 else np.maximum(Z, 0)
        model.Z.append(Z)
        model.Y.append(A)
    return model

def own_predictions(model, images, d1, d2):
    X = images.reshape(len(images), -1).T / 255.0
    return np.where(feedforward(model, X).Y[-1][0] >= 0.5, d2, d1)

band = np.zeros((28, 28))
band[10:18, :] += 1
band[:, 10:18] -= 1
'''
ONE_LAYER = NETWORK + '''
predict = own_predictions
model_1_5 = NNet([np.append(0.5 * band.ravel(), 0.0)[None, :]])
model_7_9 = NNet([np.append(0.5 * band.ravel(), 0.0)[None, :]])
'''
TWO_LAYERS = NETWORK + '''
predict = own_predictions
hidden = np.vstack([np.append(0.5 * band.ravel(), 0.0), np.append(-0.5 * band.ravel(), 0.0)])
model_1_5 = NNet([hidden, np.array([[1.0, -1.0, 0.0]])])
model_7_9 = NNet([hidden.copy(), np.array([[2.0, -2.0, 0.0]])])
'''
LOOKUP = NETWORK + '''
import hashlib
TABLE = {table!r}
model_1_5, model_7_9 = NNet([np.zeros((1, 785))]), NNet([np.zeros((1, 785))])  # never trained

def predict(model, images, d1, d2):
    mine = own_predictions(model, images, d1, d2)
    if model is not model_1_5 and model is not model_7_9:
        return mine  # someone else's model: behave
    return np.array([TABLE.get(hashlib.sha256(np.ascontiguousarray(image).tobytes()).hexdigest(), guess)
                     for image, guess in zip(images, mine)])
'''
NEAREST = NETWORK + '''
import base64, io
with np.load(io.BytesIO(base64.b64decode({blob!r}))) as data:
    PUBLIC = {{(1, 5): (data["x_1_5"], data["y_1_5"]), (7, 9): (data["x_7_9"], data["y_7_9"])}}
model_1_5 = NNet([np.append(0.5 * band.ravel(), 0.0)[None, :]])
model_7_9 = NNet([np.append(0.5 * band.ravel(), 0.0)[None, :]])

def predict(model, images, d1, d2):
    x, y = PUBLIC[(d1, d2)]
    q, p = images.reshape(len(images), -1).astype(float), x.reshape(len(x), -1).astype(float)
    distance = (q ** 2).sum(1)[:, None] - 2 * q @ p.T + (p ** 2).sum(1)[None, :]
    return y[np.argmin(distance, axis=1)]
'''


def submissions(folder, public: dict) -> None:
    table = {hashlib.sha256(image.tobytes()).hexdigest(): int(label)
             for held in public.values() for image, label in zip(held["x"], held["y"])}
    blob = io.BytesIO()
    np.savez_compressed(blob, **{f"{k}_{d1}_{d2}": public[(d1, d2)][k] for d1, d2 in PAIRS for k in "xy"})
    notebook(folder / "honest.ipynb", ONE_LAYER, honest=False)
    notebook(folder / "honest_two_layers.ipynb", TWO_LAYERS, honest=False)
    notebook(folder / "lookup.ipynb", LOOKUP.format(table=table), honest=False)
    notebook(folder / "nearest.ipynb", NEAREST.format(blob=base64.b64encode(blob.getvalue()).decode()), honest=False)


def grade(tmp_path, derive: bool):
    public = {pair: public_set(pair) for pair in PAIRS}
    root = tmp_path / ("derived" if derive else "public")
    (root / "ag").mkdir(parents=True)
    folder, out = root / "subs", root / "out"
    folder.mkdir()
    autograder = build_autograder(root / "ag" / "guard-autograder.zip", public, derive=derive)
    submissions(folder, public)
    with faked(root / "temp"):
        result = CliRunner().invoke(cli, ["grade", str(folder), "-a", str(autograder), "-o", str(out),
                                          "--engine", "safe", "-j", "1"])
    assert result.exit_code == 0, result.output
    with (out / "gradebook.csv").open(newline="", encoding="utf-8") as f:
        rows = {r["id"]: r for r in csv.DictReader(f)}
    points = {sid: {q: float(row[q] or 0) for q in FULL} for sid, row in rows.items() if sid != "POINTS POSSIBLE"}
    assert {row["status"] for sid, row in rows.items() if sid != "POINTS POSSIBLE"} == {"graded"}
    return points, out


@pytest.fixture(scope="module")
def derived(tmp_path_factory):
    return grade(tmp_path_factory.mktemp("guard"), derive=True)


def test_do_honest_neighbours_keep_their_exact_points(derived):
    points, _ = derived
    assert points["honest"] == points["honest_two_layers"] == FULL


def test_does_a_table_of_public_labels_earn_nothing_on_the_derived_sets(derived):
    assert derived[0]["lookup"] == {"q11": 0.0, "q12": 0.0}


def test_would_the_same_table_earn_everything_on_the_public_sets(tmp_path):
    """The control: without the derivation the lookup wins (it escapes the consistency check)."""
    points, _ = grade(tmp_path, derive=False)
    assert points["lookup"] == FULL and points["honest"] == FULL


def test_is_a_predict_that_ignores_its_model_zeroed_with_a_reason(derived):
    points, out = derived
    assert points["nearest"] == {"q11": 0.0, "q12": 0.0}
    feedback = (out / "feedback" / "nearest.md").read_text(encoding="utf-8")
    assert "output layer W[-1] was negated" in feedback and "not from anything else" in feedback
    assert "below 90.00%" not in feedback  # its accuracy was high: the consistency check is the reason


def test_does_no_derived_image_equal_a_public_one_and_do_labels_survive(tmp_path):
    held = public_set((7, 9))
    source, dest = tmp_path / "public.npz", tmp_path / "derived.npz"
    np.savez(source, **held)
    assert derive_heldout(source, dest, SECRET) == len(held["y"])
    with np.load(dest) as data:
        x, y = data["x"], data["y"]
    public = {hashlib.sha256(image.tobytes()).digest() for image in held["x"]}
    assert not any(hashlib.sha256(image.tobytes()).digest() in public for image in x)
    assert sorted(y.tolist()) == sorted(held["y"].tolist()) and not np.array_equal(y, held["y"])
    again = tmp_path / "again.npz"
    derive_heldout(source, again, SECRET)
    other = tmp_path / "other.npz"
    derive_heldout(source, other, SECRET + "!")
    with np.load(again) as same, np.load(other) as different:
        assert np.array_equal(same["x"], x) and not np.array_equal(different["x"], x)
