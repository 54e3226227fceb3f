"""A submission that never ends is stopped at the wall-clock limit, with all its processes."""

from __future__ import annotations

import time

import psutil
import pytest

import grade_toy as toy
from grade_toy import read_gradebook
from grader.grade import main as grade_main
from grader.grade.engines.contained import TAG_VARIABLE

pytestmark = pytest.mark.slow


def tagged_processes() -> list[int]:
    found = []
    for proc in psutil.process_iter():
        try:
            if TAG_VARIABLE in proc.environ():
                found.append(proc.pid)
        except psutil.Error:
            continue
    return found


def no_tagged_process_left(seconds: float = 15.0) -> bool:
    """True once no tagged process is alive (killed processes take a moment to go)."""
    deadline = time.monotonic() + seconds
    while tagged_processes():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True


def test_is_an_infinite_loop_stopped_and_is_its_kernel_killed(built, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    toy.submission(built, folder / "loop.ipynb", extra_cells=["while True:\n    pass"])
    summary = grade_main(folder, autograder=built.autograder, out=tmp_path / "out", timeout=10, progress=False)
    (_, row) = read_gradebook(tmp_path / "out" / "gradebook.csv")
    assert summary["counts"] == {"timeout": 1}
    assert row["status"] == "timeout" and "10 s" in row["detail"] and 9 < float(row["duration_s"]) < 30
    assert no_tagged_process_left(), tagged_processes()
