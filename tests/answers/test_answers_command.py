"""Does ``mlp-course answers`` report its counts, merge scores, and fail with status 2 and
the bad rows' numbers on a bad scores file?"""

from __future__ import annotations

from answers_helpers import read_csv, write_gradebook, write_submissions
from click.testing import CliRunner

from grader.answers import WRITTEN_ANSWERS
from grader.cli import main as cli


def test_does_the_command_print_the_flagged_answers_and_their_count(tmp_path):
    subs = write_submissions(tmp_path / "subs")
    result = CliRunner().invoke(cli, ["answers", str(subs), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert f"bob, {WRITTEN_ANSWERS['ans_ii']}: missing" in result.output
    assert "(3 student(s)); 2 answer(s) missing or empty." in result.output


def test_does_manual_scores_merge_into_the_gradebook(tmp_path):
    subs, gradebook = write_submissions(tmp_path / "subs"), write_gradebook(tmp_path / "gb.csv")
    scores = tmp_path / "scores.csv"
    scores.write_text("student_id,question,score\nalice,q7_bias,2\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["answers", str(subs), "-o", str(tmp_path / "out"),
                                      "--manual-scores", str(scores), "--gradebook", str(gradebook)])
    assert result.exit_code == 0, result.output
    assert {r["id"]: r for r in read_csv(gradebook)}["alice"]["q7_bias"] == "2"
    assert "no manual score for q7_bias: bob, carol" in result.output


def test_is_a_bad_scores_row_an_error_with_status_2_and_its_row_number(tmp_path):
    subs, gradebook = write_submissions(tmp_path / "subs"), write_gradebook(tmp_path / "gb.csv")
    before = gradebook.read_bytes()
    scores = tmp_path / "scores.csv"
    scores.write_text("student_id,question,score\nalice,q6,2\nalice,q6,n/a\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["answers", str(subs), "-o", str(tmp_path / "out"),
                                      "--manual-scores", str(scores), "--gradebook", str(gradebook)])
    assert result.exit_code == 2
    assert "Error: " in result.output and "row 3: score 'n/a' is not a number" in result.output
    assert gradebook.read_bytes() == before


def test_is_manual_scores_without_gradebook_a_usage_error(tmp_path):
    subs = write_submissions(tmp_path / "subs")
    scores = tmp_path / "scores.csv"
    scores.write_text("student_id,question,score\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["answers", str(subs), "-o", str(tmp_path / "out"),
                                      "--manual-scores", str(scores)])
    assert result.exit_code == 2
    assert "--manual-scores and --gradebook go together" in result.output
