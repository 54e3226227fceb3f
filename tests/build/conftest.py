"""Shared, session-scoped fixture: one graded batch of samples (the prepared data and the one
build it grades with, ``data_dir`` and ``built``, are in tests/conftest.py, shared with
tests/gradescope).

The build and the batch are the expensive parts (each runs the solution notebook, which
trains two networks), so every test that needs them shares one of each.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MASTER = REPO / "notebooks" / "mlp_mnist.ipynb"
SAMPLES = REPO / "samples" / "submissions"


@pytest.fixture(scope="session")
def graded_samples(built, tmp_path_factory):
    """The committed sample submissions graded in one batch; returns {id: gradebook row}."""
    import csv

    import grader.grade

    out = tmp_path_factory.mktemp("graded")
    grader.grade.main(SAMPLES, autograder=built.autograder_zip, out=out, jobs=2, progress=False)
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as f:
        return {row["id"]: row for row in csv.DictReader(f)}
