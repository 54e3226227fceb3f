"""Manual questions in the batch grader: real points in POINTS POSSIBLE (the first row),
``manual pending`` until scored, scores checked before grading and kept across runs.

The submissions are empty files (``not-a-notebook``, total 0), so no notebook runs."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from grade_toy import read_gradebook
from grader.cli import main as cli
from grader.errors import GraderError
from grader.grade import main as grade_main
from grader.grade.autograder import load_autograder


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "subs"
    path.mkdir()
    for sid in ("ann", "bob"):
        (path / f"{sid}.ipynb").write_bytes(b"")
    return path


def grade(ag, folder, out, **options):
    return grade_main(folder, autograder=ag, out=out, progress=False, **options)


def scores(tmp_path, *lines, header="student_id,question,score"):
    path = tmp_path / "manual.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def by_id(out):
    return {r["id"]: r for r in read_gradebook(out / "gradebook.csv")}


def test_does_the_autograder_know_a_manual_questions_real_points(manual_ag):
    ag = load_autograder(manual_ag, "")
    assert (ag.questions["q5"], ag.manual, ag.possible, ag.possible_auto) == (0.0, {"q5": 4.0}, 10.0, 6.0)


def test_is_points_possible_first_with_manual_points_and_manual_cells_pending(manual_ag, folder, tmp_path):
    grade(manual_ag, folder, tmp_path / "out")
    rows = read_gradebook(tmp_path / "out" / "gradebook.csv")
    assert [r["id"] for r in rows] == ["POINTS POSSIBLE", "ann", "bob"]
    assert (rows[0]["q5"], rows[0]["total"], rows[0]["possible"]) == ("4.0", "10.0", "10.0")
    ann = rows[1]
    assert (ann["q5"], ann["total"], ann["possible"]) == ("", "0.0", "10.0")
    assert ann["detail"].startswith("manual pending: q5; ")
    assert "| q5 | manual: pending | 4 |" in (tmp_path / "out" / "feedback" / "ann.md").read_text()


def test_are_merged_manual_scores_kept_by_a_later_plain_run(manual_ag, folder, tmp_path):
    out = tmp_path / "out"
    grade(manual_ag, folder, out, manual_scores=scores(tmp_path, "ann,q5,3.5"))
    rows = by_id(out)
    assert (rows["ann"]["q5"], rows["ann"]["total"]) == ("3.5", "3.5")
    assert "manual pending" not in rows["ann"]["detail"] and "manual pending: q5" in rows["bob"]["detail"]
    first = (out / "gradebook.csv").read_bytes()
    summary = grade(manual_ag, folder, out)  # no --manual-scores: nothing regraded, nothing dropped
    assert summary["skipped"] == 2 and (out / "gradebook.csv").read_bytes() == first
    assert summary["mean_total"] == pytest.approx(1.75)
    assert "| q5 | 3.5 (graded by hand) | 4 |" in (out / "feedback" / "ann.md").read_text()
    assert "**Total: 3.5 / 10**" in (out / "feedback" / "ann.md").read_text()
    assert "q5 (4 points): 1 of 2 scored, mean 3.50" in (out / "report.html").read_text()
    grade(manual_ag, folder, out, force=True)  # a regrade keeps them too
    assert by_id(out)["ann"]["q5"] == "3.5"


def test_does_a_second_scores_file_add_to_the_first(manual_ag, folder, tmp_path):
    out = tmp_path / "out"
    grade(manual_ag, folder, out, manual_scores=scores(tmp_path, "ann,q5,3.5"))
    grade(manual_ag, folder, out, manual_scores=scores(tmp_path, "bob,q5,1", "POINTS POSSIBLE,q5,4"))
    rows = by_id(out)
    assert (rows["ann"]["q5"], rows["bob"]["q5"]) == ("3.5", "1.0")
    assert json.loads((out / "manual_scores.json").read_text())["scores"] == {"ann": {"q5": 3.5}, "bob": {"q5": 1.0}}


@pytest.mark.parametrize("lines, header, expected", [
    (["zed,q5,1"], None, "row 2: unknown student id 'zed' (no submission with that id)"),
    (["ann,q1,1"], None, "row 2: unknown question 'q1' (expected one of: q5)"),
    (["ann,q5,5"], None, "row 2: score '5' is not a number in 0..4"),
    (["ann,q5,-1"], None, "row 2: score '-1' is not a number in 0..4"),
    (["ann,q5,lots"], None, "row 2: score 'lots' is not a number"),
    (["ann,q5,1", "ann,q5,2"], None, "row 3: duplicate of row 2"),
    (["POINTS POSSIBLE,q5,8"], None, "q5 is worth 4 points in the autograder, not '8'"),
    (["ann,q5"], "student_id,question", "lacks the column(s) score"),
])
def test_is_a_bad_scores_file_refused_before_anything_is_graded(manual_ag, folder, tmp_path, lines, header, expected):
    out = tmp_path / "out"
    grade(manual_ag, folder, out)
    before = {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with pytest.raises(GraderError) as info:
        grade(manual_ag, folder, out, force=True,
              manual_scores=scores(tmp_path, *lines, **({"header": header} if header else {})))
    assert expected in str(info.value)
    assert {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_does_the_cli_exit_2_on_a_bad_scores_file_with_no_gradebook_written(manual_ag, folder, tmp_path):
    result = CliRunner().invoke(cli, ["grade", str(folder), "-a", str(manual_ag), "-o", str(tmp_path / "out"),
                                      "--manual-scores", str(scores(tmp_path, "ann,q5,9"))])
    assert result.exit_code == 2 and "nothing was graded" in result.output
    assert not (tmp_path / "out").exists()
