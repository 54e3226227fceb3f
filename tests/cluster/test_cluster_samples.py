"""The committed sample submissions through ``--cluster local:2`` get the local runner's gradebook."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import grader.grade
from cluster_helpers import marks

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "submissions"


@pytest.mark.slow
def test_do_the_samples_get_the_same_statuses_and_points_on_local2(built, graded_samples, tmp_path):
    summary = grader.grade.main(SAMPLES, autograder=built.autograder_zip, out=tmp_path, cluster="local:2",
                                progress=False)
    with open(tmp_path / "gradebook.csv", newline="", encoding="utf-8") as f:
        rows = {row["id"]: row for row in csv.DictReader(f)}
    assert set(rows) == set(graded_samples)
    differ = {sid: (rows[sid]["status"], rows[sid]["detail"], graded_samples[sid]["status"],
                    graded_samples[sid]["detail"]) for sid in rows if marks(rows)[sid] != marks(graded_samples)[sid]}
    assert not differ, differ  # (cluster status, detail, local status, detail)
    assert summary["counts"].get("graded", 0) >= 10
