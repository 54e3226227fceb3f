"""Is the master notebook's solution the same answer key as the ``solutions`` module?

The notebook's definitions are executed on their own (no data, no training) and
compared with the reference: through the hidden checks (which use reference values made
from ``solutions``), and directly for ``train_NNet`` and the Q11/Q12 hyperparameters.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

import matplotlib
import nbformat
import numpy as np
import pytest

import solutions
from grader.build.reference_values import write_reference_values
from grader.checks import load_copy

matplotlib.use("Agg")
MASTER = Path(__file__).resolve().parents[2] / "notebooks" / "mlp_mnist.ipynb"


def _code_cells():
    return [c.source for c in nbformat.read(MASTER, as_version=4).cells
            if c.cell_type == "code" and "BEGIN TEST CONFIG" not in c.source]


@pytest.fixture(scope="module")
def notebook():
    """Namespace holding every function and class the master notebook defines."""
    import matplotlib.pyplot as plt

    ns = {"np": np, "plt": plt}
    for source in _code_cells():
        tree = ast.parse(source)
        defs = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
        exec(compile(ast.Module(body=defs, type_ignores=[]), "<master>", "exec"), ns)
    return ns


@pytest.fixture(scope="module")
def hidden_checks(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reference")
    write_reference_values(folder / "mlp_reference.npz")
    module = load_copy("mlp_hidden_checks_copy")
    cwd = os.getcwd()
    os.chdir(folder)
    module.REGISTRY.values.reference()  # load now, while the file is in the working directory
    module.REGISTRY.values.inputs()
    os.chdir(cwd)
    return module


def _hidden_calls():
    """``(check name, argument names)`` of every hidden test cell of the master notebook that
    takes only functions and classes (not the trained models or the data)."""
    calls = []
    for source in [c.source for c in nbformat.read(MASTER, as_version=4).cells if c.cell_type == "code"]:
        if "hidden: true" not in source:
            continue
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "").startswith("check_"):
                args = [a.id for a in node.args if isinstance(a, ast.Name)]
                if len(args) == len(node.args) and not any(a.startswith(("model_", "train_")) and a != "train_NNet"
                                                           for a in args):
                    calls.append((node.func.id, args))
    return calls


def test_does_every_hidden_cell_call_a_known_check():
    module = load_copy("mlp_hidden_checks_names")
    called = {name for name, _ in _hidden_calls()}
    assert called <= set(module.CHECKS)
    assert set(module.CHECKS) - called <= {"check_training_classes", "check_heldout_accuracy"}


def test_do_the_notebooks_functions_pass_every_hidden_check(notebook, hidden_checks):
    calls = _hidden_calls()
    assert len(calls) == 15  # every hidden test but Q4's and Q11/Q12's (data and trained models)
    for name, args in calls:
        getattr(hidden_checks, name)(*[notebook[a] for a in args])


def test_do_the_hidden_checks_reject_a_wrong_backpropagation(notebook, hidden_checks):
    def lazy_backprop(model, X, Y, eta=0.01):
        return model  # never updates: must fail both the reference and the gradient check
    with pytest.raises(AssertionError, match="backpropagation"):
        hidden_checks.check_backpropagation(notebook["feedforward"], lazy_backprop, notebook["NNet"])
    with pytest.raises(AssertionError, match=r"W\[\d\]"):
        hidden_checks.check_gradient(notebook["feedforward"], lazy_backprop, notebook["NNet"])


@pytest.mark.parametrize("options", [
    {},
    {"hidden_layers": [7, 5], "init_scale": 0.1, "warmup_epochs": 1, "eta_decay": True},
])
def test_does_the_notebooks_train_NNet_match_the_reference_step_for_step(notebook, options):
    rng = np.random.default_rng(3)
    X = rng.random((12, 50))
    Y = (X[:1] > 0.5).astype(float)
    args = dict(epochs=3, batch_size=16, eta=0.05, seed=11, plot=False, **options)
    if "hidden_layers" not in options:
        args["hidden_layers"] = [6]
    mine = notebook["train_NNet"](X, Y, **args)
    ref = solutions.train_NNet(X, Y, **args)
    assert len(mine.W) == len(ref.W)
    assert [W.dtype for W in mine.W] == [np.float32] * len(mine.W)  # no silent float64 step
    for a, b in zip(mine.W, ref.W):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(mine.cost_history, ref.cost_history, rtol=1e-10)


def _training_calls():
    """{model name: (positional arguments as source text, keyword arguments)} of each
    ``name = train_NNet(...)`` in the notebook."""
    calls = {}
    for source in _code_cells():
        for node in ast.walk(ast.parse(source)):
            if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                    and getattr(node.value.func, "id", "") == "train_NNet"):
                name = node.targets[0].id
                calls[name] = ([ast.unparse(a) for a in node.value.args],
                               {k.arg: ast.literal_eval(k.value) for k in node.value.keywords})
    return calls


@pytest.mark.parametrize("model, key", [("model_1_5", "1_5"), ("model_7_9", "7_9")])
def test_are_the_notebooks_models_trained_like_the_reference(model, key):
    args, keywords = _training_calls()[model]
    keywords.pop("seed", None)
    assert keywords == solutions.HYPERPARAMS[key]
    # solutions.models trains on add_shifted_copies of the pair's training data
    assert args == [f"*add_shifted_copies(train_X_{key}, train_y_{key}.reshape(1, -1))"]


def test_does_the_notebooks_add_shifted_copies_match_the_reference(notebook):
    rng = np.random.default_rng(5)
    X, Y = rng.random((784, 7)), rng.integers(0, 2, (1, 7)).astype(float)
    for mine, ref in zip(notebook["add_shifted_copies"](X, Y), solutions.add_shifted_copies(X, Y)):
        np.testing.assert_array_equal(mine, ref)
