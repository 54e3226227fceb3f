"""Resume rules, on submissions rejected before any run (so these tests are fast)."""

from __future__ import annotations

from grade_toy import read_gradebook
from grader.grade import main as grade_main


def grade(built, folder, out, **options):
    return grade_main(folder, autograder=built.autograder, out=out, progress=False, **options)


def test_does_a_rerun_skip_unchanged_and_force_regrade(built, tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    (folder / "a.ipynb").write_bytes(b"")
    (folder / "b.ipynb").write_text("{broken")
    assert grade(built, folder, out)["skipped"] == 0
    assert grade(built, folder, out)["skipped"] == 2
    assert grade(built, folder, out, force=True)["skipped"] == 0


def test_is_a_changed_submission_regraded(built, tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    (folder / "a.ipynb").write_bytes(b"")
    grade(built, folder, out)
    (folder / "a.ipynb").write_bytes(b"%PDF-1.5\n")
    summary = grade(built, folder, out)
    assert summary["skipped"] == 0
    assert read_gradebook(out / "gradebook.csv")[1]["detail"] == "a.ipynb is a PDF, not a Jupyter notebook"


def test_does_a_removed_submission_leave_the_gradebook(built, tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    (folder / "a.ipynb").write_bytes(b"")
    (folder / "b.ipynb").write_bytes(b"")
    grade(built, folder, out)
    (folder / "b.ipynb").unlink()
    grade(built, folder, out)
    assert [r["id"] for r in read_gradebook(out / "gradebook.csv")] == ["POINTS POSSIBLE", "a"]
