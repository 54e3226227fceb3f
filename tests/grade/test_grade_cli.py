"""The ``mlp-course grade`` command: exit codes, messages, help, interruption."""

from __future__ import annotations

import os
import zipfile

import pytest
from click.testing import CliRunner

from grade_toy import read_gradebook
from grader.cli import main
from grader.grade import runner
from grader.grade.runner import HARNESS_HINT, harness_failure
from grader.grade.engines.base import Outcome


def run(*args):
    return CliRunner().invoke(main, ["grade", *map(str, args)])


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "subs"
    path.mkdir()
    (path / "ann.ipynb").write_bytes(b"")
    return path


def test_does_help_show_an_example_and_the_folder_layout():
    result = run("--help")
    assert result.exit_code == 0
    assert "mlp-course grade submissions/ --autograder" in result.output and "gradebook.csv" in result.output


def test_is_a_missing_folder_an_error(tmp_path, built):
    result = run(tmp_path / "nope", "-a", built.autograder, "-o", tmp_path / "out")
    assert result.exit_code == 2 and "does not exist" in result.output


def test_is_a_folder_without_submissions_an_error(tmp_path, built):
    (tmp_path / "notes.txt").write_text("x")
    result = run(tmp_path, "-a", built.autograder, "-o", tmp_path / "out")
    assert result.exit_code == 2 and "no submissions" in result.output


@pytest.mark.parametrize("kind, message", [("missing", "does not exist"), ("text", "not a zip file"),
                                           ("plain-zip", "not an otter autograder zip")])
def test_is_a_bad_autograder_an_error(tmp_path, folder, kind, message):
    autograder = tmp_path / "ag.zip"
    if kind == "text":
        autograder.write_text("hello")
    elif kind == "plain-zip":
        with zipfile.ZipFile(autograder, "w") as zf:
            zf.writestr("tests/q1.py", "")
    result = run(folder, "-a", autograder, "-o", tmp_path / "out")
    assert result.exit_code == 2 and message in result.output


def test_is_an_output_that_is_a_file_an_error(tmp_path, folder, built):
    (tmp_path / "out").write_text("x")
    result = run(folder, "-a", built.autograder, "-o", tmp_path / "out")
    assert result.exit_code == 2 and "is a file" in result.output


def test_is_a_bad_manual_scores_file_exit_2_before_anything_is_graded(tmp_path, folder, built):
    (tmp_path / "manual.csv").write_text("id,q1\n")
    result = run(folder, "-a", built.autograder, "-o", tmp_path / "out", "--manual-scores", tmp_path / "manual.csv")
    assert result.exit_code == 2 and "no manual question" in result.output
    assert not (tmp_path / "out" / "gradebook.csv").exists()


def test_does_a_run_print_counts_duplicates_and_the_gradebook_path(tmp_path, folder, built):
    with zipfile.ZipFile(folder / "ann.zip", "w") as zf:  # newer than ann.ipynb: graded instead
        zf.writestr("readme.txt", "no notebook here")
    os.utime(folder / "ann.ipynb", (1_000_000, 1_000_000))
    result = run(folder, "-a", built.autograder, "-o", tmp_path / "out")
    assert result.exit_code == 0
    assert "ann: duplicate id: graded newest ann.zip, skipped ann.ipynb" in result.output
    assert "not-a-notebook 1" in result.output and str(tmp_path / "out" / "gradebook.csv") in result.output
    assert "settings: engine otter, sandbox none (otter engine), BLAS threads 1, seed none" in result.output


def test_does_ctrl_c_keep_finished_rows_and_exit_130(tmp_path, folder, built, monkeypatch):
    (folder / "bob.ipynb").write_text("{}")

    def fake_grade(submission, autograder, batch, on_start):
        if submission.id == "bob":
            raise KeyboardInterrupt
        return Outcome(id=submission.id, status="graded", points={"q1": 2.0, "q2": 0.0, "q3": 1.0})

    monkeypatch.setattr(runner, "grade_one", fake_grade)
    result = run(folder, "-a", built.autograder, "-o", tmp_path / "out", "--jobs", "1")
    rows = read_gradebook(tmp_path / "out" / "gradebook.csv")
    assert result.exit_code == 130 and "run the same command again" in result.output
    assert [(r["id"], r["status"], r["total"]) for r in rows[1:3]] == [("ann", "graded", "3.0"), ("bob", "pending", "")]


def test_is_a_batch_that_all_crashed_the_same_way_a_grader_failure_exit_1(tmp_path, folder, built, monkeypatch):
    (folder / "bob.ipynb").write_text("{}")
    detail = "otter failed (exit 1): ModuleNotFoundError: No module named 'otter'"
    monkeypatch.setattr(runner, "grade_one", lambda submission, autograder, batch, on_start: Outcome(
        id=submission.id, status="crashed", points={"q1": 0.0, "q2": 0.0, "q3": 0.0}, detail=detail))
    result = run(folder, "-a", built.autograder, "-o", tmp_path / "out")
    rows = read_gradebook(tmp_path / "out" / "gradebook.csv")
    assert result.exit_code == 1
    assert [ln for ln in result.output.splitlines() if ln.startswith("Error:")] == [
        f"Error: every submission crashed the same way ({detail}): the grader, not the students, is failing; "
        + HARNESS_HINT]
    assert [(r["id"], r["status"]) for r in rows[1:3]] == [("ann", "crashed"), ("bob", "crashed")]


def crashed(sid, detail, status="crashed"):
    return Outcome(id=sid, status=status, points={}, detail=detail)


def test_is_only_a_batch_crashing_one_way_blamed_on_the_grader():
    assert harness_failure([crashed("a", "x")]) is None  # one submission proves nothing
    assert harness_failure([crashed("a", "x"), crashed("b", "y")]) is None  # students crash their own ways
    assert harness_failure([crashed("a", "x"), crashed("b", "x", status="graded")]) is None
    same = harness_failure([crashed("a", "x"), crashed("b", "x")])
    assert same.startswith("every submission crashed the same way (x): the grader, not the students, is failing")
    assert "(grader error: OSError: a)" in harness_failure([crashed("a", "grader error: OSError: a"),
                                                           crashed("b", "grader error: KeyError: b")])


def test_is_the_engine_resolved_once_per_batch_not_per_submission(tmp_path, built, monkeypatch):
    from grader.grade import engines
    from grade_toy import submission

    folder = tmp_path / "subs"
    folder.mkdir()
    for sid in ("ann", "bob", "cid"):
        submission(built, folder / f"{sid}.ipynb")
    opened, seen = [], []
    real_supports, real_grade = engines.supports_safe, runner.grade_one
    monkeypatch.setattr(engines, "supports_safe", lambda path: opened.append(path) or real_supports(path))

    def fake_grade(submission, autograder, batch, on_start):
        seen.append(batch)
        return Outcome(id=submission.id, status="graded", points=dict.fromkeys(autograder.questions, 0.0))

    monkeypatch.setattr(runner, "grade_one", fake_grade)
    result = run(folder, "-a", built.autograder, "-o", tmp_path / "out", "--jobs", "2")  # --engine auto
    assert result.exit_code == 0, result.output
    assert len(opened) == 1 and len(seen) == 3 and {b.engine for b in seen} == {"otter"}
    assert len({id(b) for b in seen}) == 1 and seen[0].sandbox is None and seen[0].limits.timeout_s == 900
