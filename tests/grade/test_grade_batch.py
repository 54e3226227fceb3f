"""End-to-end: one real batch of toy submissions graded by ``otter run`` children."""

from __future__ import annotations

import json

import pytest

from grade_toy import BATCH, BATCH_LIMITS, EXPORT_ID, read_gradebook
from grader.grade import main as grade_main

pytestmark = pytest.mark.slow


def by_id(rows):
    return {r["id"]: r for r in rows}


def test_does_every_submission_get_its_expected_status(batch):
    rows = by_id(batch[3])
    expected = {sid: status for sid, (status, _) in BATCH.items()} | {EXPORT_ID: "graded"}
    assert {sid: rows[sid]["status"] for sid in expected} == expected


def test_does_the_gradebook_have_points_possible_first_then_one_row_per_submission(batch):
    rows = batch[3]
    assert [r["id"] for r in rows[1:]] == sorted(list(BATCH) + [EXPORT_ID])
    assert rows[0]["id"] == "POINTS POSSIBLE"
    assert (rows[0]["q1"], rows[0]["q2"], rows[0]["q3"], rows[0]["total"]) == ("2.0", "3.0", "1.0", "6.0")
    assert list(rows[0]) == ["id", "status", "q1", "q2", "q3", "total", "possible", "integrity", "duration_s", "detail"]


def test_are_points_per_question_those_the_submission_earned(batch):
    rows = by_id(batch[3])
    points = {sid: tuple(float(rows[sid][q]) for q in ("q1", "q2", "q3", "total"))
              for sid in ("good", "wrong", "missing", EXPORT_ID)}
    assert points == {"good": (2, 3, 1, 6), "wrong": (0, 1, 1, 2), "missing": (2, 0, 1, 3),
                      EXPORT_ID: (2, 3, 1, 6)}


def test_does_a_notebook_whose_cell_raises_keep_its_points_and_report_the_error(batch):
    _, out, _, rows = batch
    assert by_id(rows)["raises"]["total"] == "6.0"
    assert "ZeroDivisionError: division by zero" in (out / "feedback" / "raises.md").read_text()


def test_does_the_feedback_show_failure_messages_but_not_hidden_test_code(batch):
    out = batch[1]
    wrong = (out / "feedback" / "wrong.md").read_text()
    missing = (out / "feedback" / "missing.md").read_text()
    assert "square must also work for negative numbers and zero" in wrong  # hidden, with a message
    assert "hidden test failed: AssertionError" in wrong  # hidden, without one
    assert "NameError: name 'mean' is not defined" in missing
    for hidden_code in ("square(-4)", "abs(mean([1, 2])"):
        assert hidden_code not in wrong + missing


def test_do_limit_statuses_say_which_limit_was_hit(batch):
    rows = by_id(batch[3])
    assert "MemoryError" in rows["memory"]["detail"] and "1500 MB" in rows["memory"]["detail"]
    assert "output" in rows["flood"]["detail"] and "1 MB" in rows["flood"]["detail"]
    assert "not-the-toy" in rows["other"]["detail"]
    assert rows["pdf"]["detail"] == "pdf.ipynb is a PDF, not a Jupyter notebook"


def test_are_raw_results_and_the_class_report_written(batch):
    out = batch[1]
    raw = json.loads((out / "results" / "good.json").read_text())
    assert {t["name"] for t in raw["tests"]} >= {"q1", "q2", "q3"}
    html = (out / "report.html").read_text()
    plots = [part.split('"')[0] for part in html.split('<img src="')[1:]]
    assert len(plots) == 2 and all(p.startswith("data:image/png;base64,") and len(p) > 1000 for p in plots)
    assert 'id="students"' in html and "good" in html


def test_does_a_rerun_skip_every_unchanged_submission(batch, built):
    folder, out, first, rows = batch
    again = grade_main(folder, autograder=built.autograder, out=out, progress=False, **BATCH_LIMITS)
    assert again["skipped"] == len(rows) - 1
    assert read_gradebook(out / "gradebook.csv") == rows
