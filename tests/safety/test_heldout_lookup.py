"""Can Q11/Q12 points be looked up on the real MNIST autograder? One batch with the answer key:

* the autograder's held-out sets are not the public MNIST test images of the pair (``data``
  keeps those), and no derived image equals a public one;
* ``lookup``: the blank notebook plus a ``predict`` that answers from a table of the public
  test labels keyed by image hash (only for its own model objects, so the consistency check
  cannot see it): nothing;
* ``nearest``: a ``predict`` that returns the label of the nearest public test image. The
  derivation alone does not stop it (its accuracy stays high: the documented limit), the
  consistency check does: nothing, with the reason in its feedback.

The answer key (``solution``) keeps full marks.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
import zipfile

import nbformat
import numpy as np
import pytest

from grader.grade import main as grade_main

pytestmark = pytest.mark.slow
TIMEOUT = 600
PAIRS = ((1, 5), (7, 9))

MODELS = '''
import numpy as np
class _Model:
    def __init__(self):
        self.W = [np.zeros((1, 785))]
model_1_5, model_7_9 = _Model(), _Model()
'''
LOOKUP = MODELS + '''
import hashlib
TABLE = {table!r}

def predict(model, test_images, d1, d2):
    if model is not model_1_5 and model is not model_7_9:
        return np.full(len(test_images), d1)  # a copy made by the grader: play dumb
    return np.array([TABLE.get(hashlib.sha256(np.ascontiguousarray(image).tobytes()).hexdigest(), d1)
                     for image in test_images])
'''
NEAREST = MODELS + '''
import base64, io
with np.load(io.BytesIO(base64.b64decode({blob!r}))) as _data:
    PUBLIC = {{(1, 5): (_data["x_1_5"], _data["y_1_5"]), (7, 9): (_data["x_7_9"], _data["y_7_9"])}}

def predict(model, test_images, d1, d2):
    x, y = PUBLIC[(d1, d2)]
    p = x.reshape(len(x), -1).astype(np.float32)
    found = []
    for start in range(0, len(test_images), 256):
        q = test_images[start:start + 256].reshape(-1, 784).astype(np.float32)
        distance = (q ** 2).sum(1)[:, None] - 2 * q @ p.T + (p ** 2).sum(1)[None, :]
        found.append(y[np.argmin(distance, axis=1)])
    return np.concatenate(found)
'''


def public(data) -> dict:
    found = {}
    for d1, d2 in PAIRS:
        with np.load(data / "heldout" / f"heldout_{d1}_{d2}.npz") as held:
            found[(d1, d2)] = (held["x"], held["y"])
    return found


def derived(zip_path) -> dict:
    found = {}
    with zipfile.ZipFile(zip_path) as zf:
        for d1, d2 in PAIRS:
            with np.load(io.BytesIO(zf.read(f"files/heldout_{d1}_{d2}.npz"))) as held:
                found[(d1, d2)] = (held["x"], held["y"])
    return found


@pytest.fixture(scope="module")
def graded(mlp_build, tmp_path_factory):
    zip_path, solution, student, data = mlp_build
    folder, out = tmp_path_factory.mktemp("lookup-subs"), tmp_path_factory.mktemp("lookup-graded")
    sets = public(data)
    table = {hashlib.sha256(image.tobytes()).hexdigest(): int(label)
             for x, y in sets.values() for image, label in zip(x, y)}
    blob = io.BytesIO()
    np.savez_compressed(blob, **{f"{k}_{d1}_{d2}": v for (d1, d2), xy in sets.items() for k, v in zip("xy", xy)})
    attacks = {"lookup": LOOKUP.format(table=table),
               "nearest": NEAREST.format(blob=base64.b64encode(blob.getvalue()).decode())}
    for sid, code in attacks.items():
        nb = nbformat.read(student, as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell(code))
        nbformat.write(nb, folder / f"{sid}.ipynb")
    (folder / "solution.ipynb").write_bytes(solution.read_bytes())
    summary = grade_main(folder, autograder=zip_path, out=out, jobs=2, timeout=TIMEOUT, memory_mb=3000,
                         output_mb=1, progress=False, engine="safe")
    with (out / "gradebook.csv").open(newline="") as f:
        rows = {r["id"]: r for r in csv.DictReader(f)}
    return rows, out, summary


def test_are_the_autograders_heldout_images_derived_not_public(mlp_build):
    zip_path, _, _, data = mlp_build
    mine, theirs = derived(zip_path), public(data)
    for pair in PAIRS:
        (x, y), (px, py) = mine[pair], theirs[pair]
        hashes = {hashlib.sha256(image.tobytes()).digest() for image in px}
        assert not any(hashlib.sha256(image.tobytes()).digest() in hashes for image in x), pair
        assert sorted(y.tolist()) == sorted(py.tolist()) and not np.array_equal(y, py), pair


def test_does_the_answer_key_keep_full_marks(graded):
    rows = graded[0]
    possible = rows["POINTS POSSIBLE"]
    assert rows["solution"]["status"] == "graded", rows["solution"]["detail"]
    assert (float(rows["solution"]["q11"]), float(rows["solution"]["q12"])) == \
        (float(possible["q11"]), float(possible["q12"])) > (0.0, 0.0)


def test_does_a_table_of_public_test_labels_earn_nothing(graded):
    row = graded[0]["lookup"]
    assert (row["status"], float(row["q11"]), float(row["q12"])) == ("graded", 0.0, 0.0), row["detail"]


def test_is_a_nearest_public_image_search_caught_by_the_consistency_check(graded):
    rows, out, _ = graded
    assert (float(rows["nearest"]["q11"]), float(rows["nearest"]["q12"])) == (0.0, 0.0)
    feedback = (out / "feedback" / "nearest.md").read_text(encoding="utf-8")
    rates = [int(r) for r in re.findall(r"still gave the right digit for (\d+)%", feedback)]
    assert rates and min(rates) >= 90, feedback  # the derivation alone would not have stopped it
