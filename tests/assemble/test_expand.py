"""Does the master notebook take its solution code from ``solutions/`` and nowhere else?

``grader.assemble.expand`` replaces each ``# SOLUTION: solutions.x.name`` line of the master by
the answer key's code; otter assign then gives students the stub and the solution the code.
These tests need neither MNIST nor a build (the build path itself: ``test_build.py``).
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import nbformat
import pytest
from otter.assign.solutions import replace_solutions

from grader.assemble.expand import (MARKER, expand_file, expand_notebook, expand_source, find_definition)
from grader.errors import GraderError

REPO = Path(__file__).resolve().parents[2]
MASTER = REPO / "notebooks" / "mlp_mnist.ipynb"


def student_view(source: str) -> str:
    """What otter assign gives students for a solution cell."""
    return "\n".join(replace_solutions(source.split("\n"), "python"))


def expanded_master(master=MASTER):
    return expand_notebook(nbformat.read(master, as_version=4), master.name, master.parent)


def code_cell(nb, starts: str) -> str:
    return next(c.source for c in nb.cells if c.cell_type == "code" and starts in c.source)


def test_is_every_reference_of_the_master_replaced_by_the_answer_keys_code():
    master = nbformat.read(MASTER, as_version=4)
    refs = [m["target"] for c in master.cells if c.cell_type == "code"
            for m in map(MARKER.match, c.source.split("\n")) if m]
    assert len(refs) >= 20
    nb = expanded_master()
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert not any(MARKER.match(line) for line in text.split("\n"))
    for target in refs:
        definition = find_definition(target)
        assert definition.source() in text or definition.body() in text, target


def test_does_the_student_keep_the_stub_and_the_solution_get_the_answer_key():
    nb = expanded_master()
    cell = code_cell(nb, "def feedforward(")
    solution = find_definition("solutions.network.feedforward").source()
    assert solution in cell
    student = student_view(cell)
    assert student == ('def feedforward(model, X):\n'
                       '    """Forward pass of X (D, N) through model; stores Z[l], Y[l] (n_l, N) and returns model."""\n'
                       '    ...\n    return model')
    # run as the solution: the answer key's function, its helper, and the stub only as a string
    namespace = {"np": __import__("numpy")}
    exec(compile(cell, "<solution cell>", "exec"), namespace)
    assert namespace["feedforward"].__doc__.startswith("Forward pass of X (D, N), any N.")
    assert "with_bias_row" in namespace


def test_does_a_statement_cell_get_the_body_without_docstring_or_return():
    cell = code_cell(expanded_master(), "X_1_5, y_1_5 = extract_digits(")
    assert "return" not in cell and '"""Q4' not in cell
    assert cell.startswith("# BEGIN SOLUTION NO PROMPT\nX_1_5, y_1_5 = extract_digits(train_X, train_y, 1, 5)\n")
    assert student_view(cell) == "X_1_5, y_1_5 = ...\ntrain_X_1_5 = ...\ntrain_y_1_5 = ..."


def test_is_given_code_shown_to_students_too():
    cell = code_cell(expanded_master(), "def add_shifted_copies(")
    assert student_view(cell) == cell == find_definition("solutions.data_prep.add_shifted_copies").source()


def test_does_the_expansion_follow_an_edit_of_a_copy_of_the_answer_key(tmp_path):
    shutil.copytree(REPO / "solutions", tmp_path / "solutions")
    (tmp_path / "notebooks").mkdir()
    shutil.copy(MASTER, tmp_path / "notebooks" / MASTER.name)
    path = tmp_path / "solutions" / "activations.py"
    path.write_text(path.read_text().replace("return Y * (1 - Y)", "return Y - Y * Y  # edited"))
    cell = code_cell(expanded_master(tmp_path / "notebooks" / MASTER.name), "def deriv_sigmoid(")
    assert "return Y - Y * Y  # edited" in cell and "return Y * (1 - Y)" not in cell
    assert "edited" not in student_view(cell)
    assert "return Y * (1 - Y)" in code_cell(expanded_master(), "def deriv_sigmoid(")  # the repo's own


def test_does_expand_only_write_the_view_and_refuse_to_overwrite_the_master(tmp_path):
    from click.testing import CliRunner

    from grader.cli import main

    out = tmp_path / "view.ipynb"
    result = CliRunner().invoke(main, ["build", str(MASTER), "--expand-only", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "def gradients(" in out.read_text() and str(out) in result.output
    copy = tmp_path / "notebooks" / MASTER.name
    copy.parent.mkdir()
    shutil.copy(MASTER, copy)
    before = copy.read_bytes()
    result = CliRunner().invoke(main, ["build", str(copy), "--expand-only", "-o", str(copy)])
    assert result.exit_code == 2 and "master notebook itself" in result.output
    assert copy.read_bytes() == before
    with pytest.raises(GraderError, match="master notebook itself"):
        expand_file(copy, tmp_path / "notebooks" / "." / MASTER.name)
    result = CliRunner().invoke(main, ["build", str(MASTER), "--expand-only"])
    assert result.exit_code == 2 and "--expand-only needs -o FILE" in result.output


def test_is_every_cell_of_the_master_view_valid_python():
    """The expanded master runs in Jupyter: stubs sit in string prompts, fences are comments."""
    for number, cell in enumerate(expanded_master().cells, start=1):
        if cell.cell_type == "code":
            compile(cell.source, f"view cell {number}", "exec")


STUB = 'def sigmoid(Z):\n    """Doc."""\n    # SOLUTION: solutions.activations.sigmoid\n    ...\n'


@pytest.mark.parametrize("source, message", [
    ("# SOLUTION: solutions.activations.sigmoyd", r"defines no 'sigmoyd'"),
    ("# SOLUTION: solutions.activashuns.sigmoid", r"no module solutions.activashuns"),
    ("# SOLUTION: nowhere_package_xyz.mod.f", r"package 'nowhere_package_xyz' not found"),
    ("# SOLUTION solutions.activations.sigmoid:", r"line 1: .* is not a reference"),
    ("# SOLUTION:solutions.activations.sigmoid", r"is not a reference"),
    ("if True:\n    # SOLUTION: solutions.activations.sigmoid\n    pass", r"line 2: .*inside a statement"),
    ('def ReLu(Z):\n    """Doc."""\n    # SOLUTION: solutions.activations.sigmoid\n    ...', r"names solutions.activations.sigmoid"),
    ('def sigmoid(X):\n    """Doc."""\n    # SOLUTION: solutions.activations.sigmoid\n    ...', r"positional parameters"),
    ("def sigmoid(Z):\n    '''Doc.'''\n    # SOLUTION: solutions.activations.sigmoid\n    ...", r"contains '''"),
    (STUB.replace("    ...", "    # SOLUTION: solutions.activations.sigmoid\n    ..."), r"two '# SOLUTION:' lines"),
    (STUB + "    # SOLUTION: solutions.activations.ReLu", r"line 5: .*indented outside a stub def"),
    ("# SOLUTION BODY: solutions.activations._EXP_CAP", r"needs a function"),
    ("def f(:\n# SOLUTION: solutions.activations.sigmoid", r"not valid Python"),
])
def test_is_each_bad_reference_reported_with_its_cell_and_line(source, message):
    with pytest.raises(GraderError, match=r"master \(cell 7\)" if "line" in message else message) as info:
        expand_source(source, "master (cell 7)", MASTER.parent)
    assert info.match(message)


def test_may_the_answer_key_take_more_options_than_the_stub_but_not_fewer():
    expanded = expand_source(
        "def train_NNet(X, Y, epochs=20, batch_size=1000, eta=0.01, hidden_layers=None, seed=None,\n"
        "               plot=True, *, init_scale=1.0, warmup_epochs=0, eta_decay=False, max_step=None):\n"
        '    """Doc."""\n    # SOLUTION: solutions.training.train_NNet\n    ...\n    return model',
        "master (cell 7)", MASTER.parent)
    assert "init_jitter=0.0" in expanded  # an option of the benchmarks, with its default
    with pytest.raises(GraderError, match="keyword-only 'warmup_epochs'"):
        expand_source('def train_NNet(X, Y, epochs=20, batch_size=1000, eta=0.01, hidden_layers=None, seed=None,'
                      ' plot=True, *, warmup_epochs=1):\n    """Doc."""\n    # SOLUTION: solutions.training.train_NNet\n'
                      '    ...', "master (cell 7)", MASTER.parent)


def test_is_a_cell_without_references_left_untouched():
    source = "x = 1  # SOLUTION\ny = 2"  # otter's own markers are otter's business
    assert expand_source(source, "master (cell 7)") == source


def test_is_the_committed_master_free_of_solution_code():
    """No def of the master holds more than a stub: its body is '...' lines, given asserts
    and a final return."""
    for cell in nbformat.read(MASTER, as_version=4).cells:
        if cell.cell_type != "code" or "# SOLUTION: " not in cell.source:
            continue
        for node in ast.parse(cell.source).body:
            if isinstance(node, ast.FunctionDef):
                kinds = {type(s).__name__ for s in node.body[1:]}
                assert kinds <= {"Expr", "Assert", "Return", "Assign"}, node.name
                assert all(isinstance(s.value, ast.Constant) and s.value.value is ...
                           for s in node.body[1:] if isinstance(s, ast.Assign)), node.name
