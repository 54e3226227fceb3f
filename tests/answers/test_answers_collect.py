"""Does ``answers`` put every student's written answers side by side, read without running
any student code, with missing ones empty and flagged?"""

from __future__ import annotations

import html
import re

import nbformat
import pytest
from answers_helpers import ALICE, CAROL_II, read_csv, submission, write_submissions

from grader.answers import WRITTEN_ANSWERS, main
from grader.submissions.answers import extract_answers


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    subs = write_submissions(tmp_path_factory.mktemp("subs"))
    out = tmp_path_factory.mktemp("out")
    return main(submissions_dir=subs, out=out), out


def test_does_the_csv_hold_one_row_per_student_and_question(collected):
    _, out = collected
    rows = read_csv(out / "answers.csv")
    assert list(rows[0]) == ["student_id", "question", "answer"]
    assert [(r["student_id"], r["question"]) for r in rows] == [
        (sid, label) for sid in ("alice", "bob", "carol") for label in WRITTEN_ANSWERS.values()]
    by_key = {(r["student_id"], r["question"]): r["answer"] for r in rows}
    assert by_key["alice", WRITTEN_ANSWERS["ans_bias"]] == ALICE["ans_bias"]
    assert by_key["bob", WRITTEN_ANSWERS["ans_i"]] == "bob ans_i"


def test_are_missing_and_placeholder_answers_empty_and_flagged(collected):
    summary, out = collected
    by_key = {(r["student_id"], r["question"]): r["answer"] for r in read_csv(out / "answers.csv")}
    assert by_key["bob", WRITTEN_ANSWERS["ans_ii"]] == ""
    assert by_key["bob", WRITTEN_ANSWERS["ans_iv"]] == ""
    assert {(r.student_id, r.question) for r in summary.flagged} == {
        ("bob", WRITTEN_ANSWERS["ans_ii"]), ("bob", WRITTEN_ANSWERS["ans_iv"])}
    assert "2 answer(s) missing or empty" in summary.text()


def test_is_non_ascii_text_kept_exactly_and_the_last_assignment_used(collected):
    _, out = collected
    by_key = {(r["student_id"], r["question"]): r["answer"] for r in read_csv(out / "answers.csv")}
    assert by_key["carol", WRITTEN_ANSWERS["ans_ii"]] == CAROL_II
    assert by_key["carol", WRITTEN_ANSWERS["ans_i"]] == "final"


def test_does_the_html_have_one_escaped_table_per_question(collected):
    _, out = collected
    page = (out / "answers.html").read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in page
    assert page.count("<table>") == len(WRITTEN_ANSWERS)
    assert page.count("<td>carol</td>") == len(WRITTEN_ANSWERS)
    assert "élan, 数字" in page and "<b>bold</b>" not in page
    assert html.escape("<b>bold</b> &") in page


def test_is_student_code_never_executed(tmp_path):
    marker = tmp_path / "ran"
    nb = submission({"ans_i": "ok"}, extra=f"open({str(marker)!r}, 'w').close()\nans_bias = 'b'")
    assert extract_answers(nb)["ans_bias"].text == "b"
    assert not marker.exists()


def test_is_an_unreadable_submission_flagged_without_stopping_the_others(tmp_path):
    subs = write_submissions(tmp_path / "subs")
    (subs / "dave.ipynb").write_text("not json", encoding="utf-8")
    summary = main(submissions_dir=subs, out=tmp_path / "out")
    dave = [r for r in summary.rows if r.student_id == "dave"]
    assert len(dave) == len(WRITTEN_ANSWERS) and all("unreadable" in r.problem for r in dave)
    assert {r.student_id for r in summary.rows} == {"alice", "bob", "carol", "dave"}


def test_is_a_cell_with_a_syntax_error_flagged_with_its_number():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("ans_i = 'unclosed")])
    assert extract_answers(nb)["ans_i"].problem == "cell 1 is not valid Python"


PATHOLOGICAL = {  # one cell each that Python's parser cannot take, for different reasons
    "nested parentheses": "ans_i = " + "(" * 100_000 + ")" * 100_000,
    "a long chain of additions": "ans_i = " + "+".join(["1"] * 150_000),
    "a long chain of unary minus": "ans_i = " + "-" * 100_000 + "1",
}


@pytest.mark.parametrize("kind", sorted(PATHOLOGICAL))
def test_does_one_pathological_notebook_leave_the_others_collected(tmp_path, kind):
    subs = write_submissions(tmp_path / "subs")
    nbformat.write(submission({"ans_ii": "fine"}, extra=PATHOLOGICAL[kind]), subs / "eve.ipynb")
    summary = main(submissions_dir=subs, out=tmp_path / "out")
    rows = read_csv(tmp_path / "out" / "answers.csv")
    assert [r["student_id"] for r in rows] == [sid for sid in ("alice", "bob", "carol", "eve")
                                               for _ in WRITTEN_ANSWERS]
    by_key = {(r["student_id"], r["question"]): r["answer"] for r in rows}
    assert by_key["alice", WRITTEN_ANSWERS["ans_bias"]] == ALICE["ans_bias"]
    eve = {r.question: r.problem for r in summary.rows if r.student_id == "eve"}
    assert re.fullmatch(r"unreadable submission \((RecursionError|MemoryError)\b.*\)|cell \d+ is not valid Python",
                        eve[WRITTEN_ANSWERS["ans_i"]])


FORMULAS = ["=HYPERLINK(\"http://evil\",\"click\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)",
            "\t=1", "\r=1"]


def test_can_no_answers_csv_cell_start_a_formula(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    for i, text in enumerate(FORMULAS):
        nbformat.write(submission({"ans_i": text, "ans_ii": "-1.5", "ans_iii": "3"}), subs / f"s{i}.ipynb")
    nbformat.write(submission({"ans_i": "ok"}), subs / "=1+1.ipynb")
    main(submissions_dir=subs, out=tmp_path / "out")
    cells = [c for r in read_csv(tmp_path / "out" / "answers.csv") for c in r.values()]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r")) and c != "-1.5"]
    assert "'=1+1" in cells and cells.count("-1.5") == len(FORMULAS)
