"""Fixtures: an MLP autograder (built from the master notebook with MNIST) and one batch run."""

from __future__ import annotations

import os
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from grader.checks import HIDDEN_CHECKS_FILE

# Hidden tests written inline in the master notebook, and the check call each stands for
# (until the notebook calls these checks itself; see grader/grade/SAFETY.md).
INLINE = {
    "tests/q4.py": ("test_q4_class_of_each_digit", "train_y_1_5, train_y", "check_training_classes"),
    "tests/q9.py": ("test_q9_learns_a_separable_problem", "train_NNet, feedforward", "check_learns_separable"),
}


def as_check_calls(source: str, test: str, params: str, check: str) -> str:
    """Replace the body of the test function ``test`` by a call of ``check``."""
    body = f"def {test}({params}):\n    from mlp_hidden_checks import {check}\n    {check}({params})\n"
    return re.sub(rf"def {test}\(.*?(?=\n@test_case|\Z)", body, source, flags=re.S)


@pytest.fixture(scope="session")
def mlp_build(tmp_path_factory):
    """``(autograder zip, solution notebook, student notebook)`` built with otter assign."""
    if not os.environ.get("MNIST_DIR"):
        pytest.skip("MNIST_DIR is not set: the safety suite grades against a real MLP autograder")
    from grader.assemble.master import read_master
    from grader.assemble.steps import assign, stage
    from grader.data import main as data_main

    root = tmp_path_factory.mktemp("mlp")
    data_main(mnist_dir=os.environ["MNIST_DIR"], out=root / "data", progress=False)
    master = read_master(Path(__file__).parents[2] / "notebooks" / "mlp_mnist.ipynb")
    with stage(master, root / "data") as work:
        assigned = assign(work, master)
        built = [shutil.copy(p, root / name) for p, name in ((assigned.autograder_zip, "raw.zip"),
                 (assigned.solution_notebook, "solution.ipynb"), (assigned.student_notebook, "student.ipynb"))]
    zip_path = root / "mlp_mnist-autograder.zip"
    with zipfile.ZipFile(built[0]) as src, zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            data = src.read(name)
            if name in INLINE:
                data = as_check_calls(data.decode(), *INLINE[name]).encode()
            if name == "files/mlp_hidden_checks.py":
                data = HIDDEN_CHECKS_FILE.read_bytes()
            dst.writestr(name, data)
    return zip_path, root / "solution.ipynb", root / "student.ipynb", root / "data"
