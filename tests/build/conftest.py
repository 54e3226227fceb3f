"""Session fixture of the build tests: one graded batch of the sample submissions.

The prepared data (``data_dir``) and the build (``built``) it grades with are shared with
other test folders, in ``tests/conftest.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.grade.record import read_gradebook

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples" / "submissions"


@pytest.fixture(scope="session")
def graded_samples(built, tmp_path_factory):
    """The committed sample submissions graded in one batch; returns {id: gradebook row}."""
    import grader.grade

    out = tmp_path_factory.mktemp("graded")
    grader.grade.main(SAMPLES, autograder=built.autograder_zip, out=out, jobs=2, progress=False)
    return read_gradebook(out / "gradebook.csv")
