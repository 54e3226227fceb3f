"""Fixtures for ``grade --cluster``: the toy assignment, graded once by the local runner.

Every test here starts a real Dask ``LocalCluster`` (worker processes, nannies, scheduler);
they are skipped, with the reason, only when ``distributed`` is not installed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("distributed", reason="grade --cluster needs Dask: pip install 'mlp-course[cluster]'")

import grader.grade  # noqa: E402
from cluster_helpers import LIMITS, TOY_IDS, rows_of, toy  # noqa: E402


@pytest.fixture(scope="session")
def toy_built(tmp_path_factory) -> toy.Toy:
    return toy.build(tmp_path_factory.mktemp("toy") / "dist")


@pytest.fixture(scope="session")
def toy_ag(toy_built, tmp_path_factory) -> Path:
    """The toy autograder for the safe engine (sandboxed probes, verdicts in the grader)."""
    return toy.safe_autograder(toy_built, tmp_path_factory.mktemp("safe") / "toy-safe-autograder.zip")


@pytest.fixture(scope="session")
def toy_folder(toy_built, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("submissions")
    for sid in TOY_IDS:
        toy.BATCH[sid][1](toy_built, folder / f"{sid}.ipynb")
    return folder


@pytest.fixture(scope="session")
def local_rows(toy_ag, toy_folder, tmp_path_factory) -> dict[str, dict]:
    """The toy folder graded by the local runner (--jobs 2): the reference for every cluster run."""
    out = tmp_path_factory.mktemp("local")
    grader.grade.main(toy_folder, autograder=toy_ag, out=out, jobs=2, progress=False, **LIMITS)
    return rows_of(out)
