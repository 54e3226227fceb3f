"""Session-scoped fixtures shared by tests/build and tests/gradescope: MNIST prepared once and
one build of the master notebook (the expensive part: it runs the solution notebook, which
trains two networks). Folders with fixtures of the same names (tests/grade, tests/data) use
their own.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

MASTER = Path(__file__).resolve().parents[1] / "notebooks" / "mlp_mnist.ipynb"


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
    import grader.build

    return grader.build.main(master=MASTER, data_dir=data_dir,
                             out=tmp_path_factory.mktemp("build") / "dist", log=lambda *a: None)
