"""Do the public checks of the master notebook teach? A stub that is not written yet, an
exception in the student's function, an overflowing sigmoid and a skipped NNet cell each get
their own sentence, and the reference solution passes every public check.

Each public test cell is run as otter runs it: its function is called with the notebook's
variables of the same names (None when missing)."""

from __future__ import annotations

import ast
import inspect
import linecache
import re
from pathlib import Path

import matplotlib
import nbformat
import numpy as np
import pytest

from grader.assemble.expand import expand_notebook

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

MASTER = Path(__file__).resolve().parents[2] / "notebooks" / "mlp_mnist.ipynb"
# the master as the build expands it: the solution code comes from solutions/ (grader.assemble.expand)
CELLS = expand_notebook(nbformat.read(MASTER, as_version=4), MASTER.name, MASTER.parent).cells


def public_tests() -> dict:
    """{test name: function} of every ``hidden: false`` test cell of the master."""
    tests = {}
    for cell in CELLS:
        match = re.search(r"^def (test_\w+)\(", cell.source, re.M)
        if cell.cell_type == "code" and match and "hidden: false" in cell.source:
            namespace = {}
            exec(compile(cell.source, f"<{match.group(1)}>", "exec"), namespace)
            tests[match.group(1)] = namespace[match.group(1)]
    return tests


TESTS = public_tests()


def student(source: str, env: dict | None = None) -> dict:
    """Run ``source`` as a notebook cell would (its lines known to linecache, as IPython does)."""
    name = f"/tmp/ipykernel_0/{abs(hash(source))}.py"
    linecache.cache[name] = (len(source), None, source.splitlines(True), name)
    env = {"np": np, "plt": plt} if env is None else env
    exec(compile(source, name, "exec"), env)
    return env


def solution() -> dict:
    """The master's solution functions and the NNet class, with 60 random images as train_X."""
    rng = np.random.default_rng(0)
    env = {"np": np, "plt": plt, "train_X": rng.integers(0, 256, (60, 28, 28), dtype=np.uint8),
           "train_y": np.arange(60) % 10}
    wanted = {"display_random_images", "extract_digits", "vectorize_images", "sigmoid",
              "NNet", "feedforward", "backpropagation", "train_NNet", "predict"}
    for cell in CELLS:
        if cell.cell_type == "code" and "BEGIN TEST CONFIG" not in cell.source and wanted & {
                n.name for n in ast.parse(cell.source).body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}:
            student(cell.source, env)
    plt.close("all")
    return env


def check(name: str, env: dict) -> str:
    """The message the public test ``name`` fails with on ``env`` ("" when it passes)."""
    func = TESTS[name]
    try:
        func(**{arg: env.get(arg) for arg in inspect.signature(func).parameters})
    except AssertionError as exc:
        return str(exc)
    return ""


def test_does_the_reference_solution_pass_every_public_check():
    env = solution()
    assert len(TESTS) >= 12
    variables = ("test_q4", "test_q6", "test_q7_bias", "test_q11", "test_q12")  # need trained answers
    failing = {name: check(name, env) for name in TESTS if not name.startswith(variables)}
    assert len(failing) >= 10
    assert {name: msg for name, msg in failing.items() if msg} == {}


def test_does_the_q1_check_close_its_own_figure():
    env = solution()
    before = plt.get_fignums()
    assert check("test_q1_returns_a_figure_with_five_images", env) == ""
    assert plt.get_fignums() == before


@pytest.mark.parametrize("name, stub", [
    ("test_q1_returns_a_figure_with_five_images", "def display_random_images(X, y, n=5):\n    ...\n"),
    ("test_q3_shape_and_range", "def vectorize_images(X):\n    ...\n"),
    ("test_q10_returns_one_digit_per_image", "def predict(model, test_images, d1, d2):\n    ...\n"),
])
def test_is_a_stub_that_returns_none_called_not_written_yet(name, stub):
    env = solution()
    student(stub, env)
    assert "returned None: it is not written yet" in check(name, env)


def test_is_the_q7_stub_called_not_written_yet_rather_than_a_misplaced_row_of_ones():
    env = solution()
    student("def feedforward(model, X):\n    ...\n    return model\n", env)
    for name in ("test_q7_tiny_network_worked_by_hand", "test_q7_any_batch_size"):
        message = check(name, env)
        assert "not written yet" in message and "row of ones" not in message


def test_is_the_q8_stub_called_not_written_yet_rather_than_a_wrong_sign():
    env = solution()
    student("def backpropagation(model, X, Y, eta=0.01):\n    ...\n    return model\n", env)
    message = check("test_q8_one_step_lowers_the_loss", env)
    assert "left every W[l] unchanged: it is not written yet" in message and "sign" not in message


def test_does_a_wrong_sign_get_the_direction_hint():
    env = solution()
    cell = next(c.source for c in CELLS if "def backpropagation(" in c.source)
    assert "[W - eta * G for W, G in" in cell
    student(cell.replace("[W - eta * G for W, G in", "[W + eta * G for W, G in"), env)
    assert "against the gradient" in check("test_q8_one_step_lowers_the_loss", env)


def test_is_an_exception_in_backpropagation_named_with_its_own_line():
    env = solution()
    cell = next(c.source for c in CELLS if "def backpropagation(" in c.source)
    assert "dC_dY = model.W[l][:, :-1].T @ dC_dZ" in cell  # in the answer key's helper gradients()
    student(cell.replace("dC_dY = model.W[l][:, :-1].T @ dC_dZ", "dC_dY = model.W[l][:, :-1] @ dC_dZ"), env)
    message = check("test_q8_one_step_lowers_the_loss", env)
    assert message.startswith("backpropagation(model, X, Y, 0.01) raised ValueError: matmul")
    assert "of your gradients: dC_dY = model.W[l][:, :-1] @ dC_dZ" in message


def test_does_an_overflowing_sigmoid_get_the_checks_own_sentence():
    env = solution()
    student("def sigmoid(Z):\n    return 1 / (1 + np.exp(-Z))\n", env)
    message = check("test_q5_sigmoid_never_overflows", env)
    assert message.startswith("sigmoid([-1e4, -800, 800, 1e4]) should give finite values in [0, 1]")
    assert "FloatingPointError" in message


def test_is_a_skipped_nnet_cell_named():
    env = solution()
    del env["NNet"]
    for name in ("test_q7_tiny_network_worked_by_hand", "test_q8_one_step_lowers_the_loss",
                 "test_q10_returns_one_digit_per_image"):
        assert check(name, env).startswith("NNet is not defined: run the cell with class NNet")


def test_is_a_function_never_defined_named():
    env = solution()
    del env["train_NNet"]
    assert check("test_q9_returns_a_network_of_the_right_shape", env) == (
        "train_NNet is not defined: run the cell that defines it first.")
