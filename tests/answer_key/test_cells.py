"""Do the answer cells written as statements (``solutions.cells``: Q4, Q11, Q12) do what
the assignment asks, and train the models exactly as ``solutions.models`` does?"""

from __future__ import annotations

import ast
import inspect

import numpy as np
import pytest

import solutions
from solutions import cells


def test_does_q4_give_the_pairs_columns_and_classes_like_prepare_pair():
    rng = np.random.default_rng(2)
    train_X = rng.integers(0, 256, (40, 28, 28), dtype=np.uint8)
    train_y = rng.integers(0, 10, 40)
    X_1_5, train_X_1_5, train_y_1_5 = cells.q4_pair_1_5(train_X, train_y)
    X, Y = solutions.prepare_pair(train_X, train_y, 1, 5)
    keep = (train_y == 1) | (train_y == 5)
    np.testing.assert_array_equal(X_1_5, train_X[keep])
    np.testing.assert_array_equal(train_X_1_5, X)
    assert train_y_1_5.shape == (int(keep.sum()),)
    np.testing.assert_array_equal(train_y_1_5, Y[0])


def _training_call(function) -> ast.Call:
    tree = ast.parse(inspect.getsource(function))
    return next(n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "train_NNet")


@pytest.mark.parametrize("function, key", [(cells.q11_model_1_5, "1_5"), (cells.q12_model_7_9, "7_9")])
def test_are_the_notebooks_models_trained_with_the_reference_recipe(function, key):
    call = _training_call(function)
    keywords = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    assert keywords.pop("seed") == 0
    assert keywords == solutions.HYPERPARAMS[key]
    # solutions.models trains on add_shifted_copies of the pair's training data
    assert [ast.unparse(a) for a in call.args] == [f"*add_shifted_copies(train_X_{key}, train_y_{key}.reshape(1, -1))"]
