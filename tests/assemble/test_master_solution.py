"""Does the solution the build makes from the master (its references expanded from
``solutions/``, see ``test_expand.py``) pass the hidden checks, without data or training?

The expanded master's definitions are executed on their own and given to every hidden
check that takes only functions and classes (the checks compare with reference values
computed from ``solutions``); a wrong backpropagation must fail them.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

import matplotlib
import nbformat
import numpy as np
import pytest

from grader.assemble.expand import expand_notebook
from grader.assemble.reference_values import write_reference_values
from grader.checks import load_copy

matplotlib.use("Agg")
MASTER = Path(__file__).resolve().parents[2] / "notebooks" / "mlp_mnist.ipynb"


def _expanded_code_cells():
    nb = expand_notebook(nbformat.read(MASTER, as_version=4), MASTER.name, MASTER.parent)
    return [c.source for c in nb.cells if c.cell_type == "code" and "BEGIN TEST CONFIG" not in c.source]


@pytest.fixture(scope="module")
def notebook():
    """Namespace holding every function, class and constant the expanded master defines
    at module level (its statements that read data or train are left out)."""
    import matplotlib.pyplot as plt

    ns = {"np": np, "plt": plt}
    kept = (ast.FunctionDef, ast.ClassDef, ast.Assign)
    for source in _expanded_code_cells():
        tree = ast.parse(source)
        defs = [n for n in tree.body if isinstance(n, kept) and not (
            isinstance(n, ast.Assign) and not isinstance(n.value, ast.Constant))]
        exec(compile(ast.Module(body=defs, type_ignores=[]), "<master>", "exec"), ns)
    return ns


@pytest.fixture(scope="module")
def hidden_checks(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reference")
    write_reference_values(folder / "mlp_reference.npz")
    module = load_copy("mlp_hidden_checks_copy")
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        module.REGISTRY.values.reference()  # load now, while the file is in the working directory
        module.REGISTRY.values.inputs()
    finally:
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


def test_does_the_expanded_solution_pass_every_hidden_check(notebook, hidden_checks):
    calls = _hidden_calls()
    assert len(calls) == 15  # every hidden test but Q4's and Q11/Q12's (data and trained models)
    for name, args in calls:
        getattr(hidden_checks, name)(*[notebook[a] for a in args])


def test_does_the_expanded_solution_define_the_written_answers(notebook):
    assert all(isinstance(notebook[a], str) and len(notebook[a]) > 40
               for a in ("ans_i", "ans_ii", "ans_iii", "ans_iv", "ans_bias"))


def test_do_the_hidden_checks_reject_a_wrong_backpropagation(notebook, hidden_checks):
    def lazy_backprop(model, X, Y, eta=0.01):
        return model  # never updates: must fail both the reference and the gradient check
    with pytest.raises(AssertionError, match="backpropagation"):
        hidden_checks.check_backpropagation(notebook["feedforward"], lazy_backprop, notebook["NNet"])
    with pytest.raises(AssertionError, match=r"W\[\d\]"):
        hidden_checks.check_gradient(notebook["feedforward"], lazy_backprop, notebook["NNet"])


def test_does_the_solutions_train_NNet_work_with_the_notebooks_NNet_class(notebook):
    """The answer key's train_NNet builds the NNet the notebook gives (not solutions.NNet)."""
    rng = np.random.default_rng(3)
    X = rng.random((12, 50))
    Y = (X[:1] > 0.5).astype(float)
    model = notebook["train_NNet"](X, Y, epochs=3, batch_size=16, eta=0.05, hidden_layers=[7, 5], seed=11,
                                   plot=False, init_scale=0.1, warmup_epochs=1, eta_decay=True)
    assert type(model) is notebook["NNet"]
    assert [W.shape for W in model.W] == [(7, 13), (5, 8), (1, 6)]
    assert [W.dtype for W in model.W] == [np.float32] * 3  # no silent float64 step
    assert len(model.cost_history) == 3 * 4 and model.cost_history[-1] < model.cost_history[0]
