"""Fixtures: the toy assignment built once per session, and one batch grading run shared by tests."""

from __future__ import annotations

import pytest

import grade_toy as toy
from grade_toy import BATCH, BATCH_LIMITS, EXPORT_ID, manual_autograder, read_gradebook
from grader.grade import main as grade_main


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> toy.Toy:
    """The toy assignment after ``otter assign`` (autograder zip, solution, student notebook)."""
    return toy.build(tmp_path_factory.mktemp("toy") / "dist")


@pytest.fixture(scope="session")
def safe_ag(built, tmp_path_factory):
    """The toy autograder rewritten for the safe engine (no seed in otter_config.json)."""
    return toy.safe_autograder(built, tmp_path_factory.mktemp("safe") / "toy-safe-autograder.zip")


@pytest.fixture(scope="session")
def batch(built, tmp_path_factory):
    """Every kind of submission graded in ONE run: (folder, out, summary, rows by id)."""
    folder = tmp_path_factory.mktemp("submissions")
    for sid, (_, write) in BATCH.items():
        write(built, folder / f"{sid}.ipynb")
    toy.zipped(toy.submission(built, tmp_path_factory.mktemp("export") / "toy-master.ipynb"),
               folder / f"{EXPORT_ID}.zip")
    out = tmp_path_factory.mktemp("graded")
    summary = grade_main(folder, autograder=built.autograder, out=out, progress=False, **BATCH_LIMITS)
    rows = read_gradebook(out / "gradebook.csv")
    return folder, out, summary, rows


@pytest.fixture(scope="session")
def manual_ag(built, tmp_path_factory):
    """The toy autograder plus ``q5``, a manual question (4 points, graded by hand)."""
    return manual_autograder(built, tmp_path_factory.mktemp("manual") / "toy-manual-autograder.zip")
