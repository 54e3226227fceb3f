"""Session fixtures shared by the test folders: prepared MNIST data and one real build.

The build runs the solution notebook (it trains two networks), so every test that needs it
(``tests/assemble``, ``tests/browser``, ``tests/gradescope``, ``tests/cluster``) shares one, and one
graded batch of the sample submissions (``graded_samples``). Folders with their own fixtures
of the same names (``tests/data``: ``mnist_dir``; ``tests/grade``: the toy ``built``) override these.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MASTER = REPO / "notebooks" / "mlp_mnist.ipynb"
SAMPLES = REPO / "samples" / "submissions"


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    if not os.environ.get("MNIST_DIR"):
        pytest.skip("MNIST_DIR is not set: point it at the folder with the four MNIST IDX gzip files")
    return Path(os.environ["MNIST_DIR"])


@pytest.fixture(scope="session")
def data_dir(mnist_dir, tmp_path_factory) -> Path:
    import grader.data

    out = tmp_path_factory.mktemp("data")
    grader.data.main(out=out, mnist_dir=mnist_dir, progress=False)
    return out


@pytest.fixture(scope="session")
def built(data_dir, tmp_path_factory):
    import grader.assemble

    return grader.assemble.main(master=MASTER, data_dir=data_dir,
                             out=tmp_path_factory.mktemp("build") / "dist", log=lambda *a: None)


@pytest.fixture(scope="session")
def graded_samples(built, tmp_path_factory):
    """The committed sample submissions graded in one batch; returns {id: gradebook row}."""
    import grader.grade

    out = tmp_path_factory.mktemp("graded")
    grader.grade.main(SAMPLES, autograder=built.autograder_zip, out=out, jobs=2, progress=False)
    from grader.gradebook import read_gradebook

    return read_gradebook(out / "gradebook.csv")
