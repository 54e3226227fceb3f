"""Does ``merge_manual_scores`` add one column per manual question, move the totals, stay
the same when run twice, and refuse (writing nothing) a scores file with bad rows?"""

from __future__ import annotations

import pytest
from answers_helpers import read_csv, write_gradebook

from grader.answers import WRITTEN_ANSWERS, merge_manual_scores
from grader.errors import GraderError

Q6_I, BIAS = WRITTEN_ANSWERS["ans_i"], WRITTEN_ANSWERS["ans_bias"]


def write_scores(path, lines):
    path.write_text("student_id,question,score\n" + "".join(f"{line}\n" for line in lines),
                    encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path):
    scores = write_scores(tmp_path / "scores.csv", [
        f"POINTS POSSIBLE,{Q6_I},2", f"alice,{Q6_I},2", f"bob,{Q6_I},0.5", f"carol,{Q6_I},1",
        f"alice,{BIAS},1"])
    return write_gradebook(tmp_path / "gradebook.csv"), scores


def test_are_manual_columns_added_before_total_and_totals_moved(files):
    gradebook, scores = files
    unscored = merge_manual_scores(gradebook_csv=gradebook, scores_csv=scores)
    rows = {r["id"]: r for r in read_csv(gradebook)}
    assert list(rows["alice"]) == ["id", "status", "q1", "q2", Q6_I, BIAS,
                                   "total", "possible", "integrity", "duration_s", "detail"]
    assert (rows["alice"][Q6_I], rows["alice"]["total"], rows["alice"]["possible"]) == ("2", "13", "14")
    assert rows["alice"]["integrity"] == "lib:sklearn"
    assert (rows["bob"][Q6_I], rows["bob"]["total"]) == ("0.5", "2.5")
    assert rows["carol"]["total"] == ""  # not graded yet: stays empty
    assert (rows["POINTS POSSIBLE"][Q6_I], rows["POINTS POSSIBLE"]["total"]) == ("2", "14")
    assert unscored == {Q6_I: [], BIAS: ["bob", "carol"]}


def test_does_merging_twice_give_the_same_gradebook(files):
    gradebook, scores = files
    merge_manual_scores(gradebook_csv=gradebook, scores_csv=scores)
    once = gradebook.read_bytes()
    merge_manual_scores(gradebook_csv=gradebook, scores_csv=scores)
    assert gradebook.read_bytes() == once


def test_are_all_bad_rows_listed_with_their_numbers_and_nothing_written(tmp_path):
    gradebook = write_gradebook(tmp_path / "gradebook.csv")
    before = gradebook.read_bytes()
    scores = write_scores(tmp_path / "scores.csv", [
        f"alice,{Q6_I},1", f"zed,{Q6_I},1", "alice,Q99,1", f"bob,{Q6_I},lots",
        f"alice,{Q6_I},2", f"POINTS POSSIBLE,{BIAS},1", f"bob,{BIAS},3"])
    with pytest.raises(GraderError) as info:
        merge_manual_scores(gradebook_csv=gradebook, scores_csv=scores)
    message = str(info.value)
    assert "5 bad row(s), nothing was written" in message
    for expected in ("row 3: unknown student id 'zed'", "row 4: unknown question 'Q99'",
                     "row 5: score 'lots' is not a number", "row 6: duplicate of row 2",
                     "row 8: score 3 is above the 1 points possible"):
        assert expected in message
    assert gradebook.read_bytes() == before


def test_is_a_scores_file_without_the_score_column_refused(tmp_path):
    gradebook = write_gradebook(tmp_path / "gradebook.csv")
    (tmp_path / "scores.csv").write_text("student_id,question\nalice,q6\n", encoding="utf-8")
    with pytest.raises(GraderError, match="lacks the column"):
        merge_manual_scores(gradebook_csv=gradebook, scores_csv=tmp_path / "scores.csv")


def test_are_otter_question_names_accepted(tmp_path):
    gradebook = write_gradebook(tmp_path / "gradebook.csv")
    scores = write_scores(tmp_path / "scores.csv", ["alice,q6,7"])
    merge_manual_scores(gradebook_csv=gradebook, scores_csv=scores)
    assert {r["id"]: r for r in read_csv(gradebook)}["alice"]["q6"] == "7"
