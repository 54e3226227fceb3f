"""The class report from hand-made rows (nothing graded): full failure texts, integrity pairs and links."""

from __future__ import annotations

from grader.grade.autograder import Autograder
from grader.grade.report import similar_pairs, write_report

AG = Autograder(path=None, sha256="abc123", questions={"q1": 2.0, "q2": 0.0}, manual={"q2": 3.0})
LONG = ("AssertionError: feedforward(model, X) with X of shape (784, 3) returned an output of shape (3, 1); "
        "expected one column per sample, as many rows as the last layer has units, and nothing printed")


def row(sid, q1, integrity=""):
    return {"id": sid, "status": "graded", "q1": q1, "q2": "", "total": q1, "possible": 5.0,
            "duration_s": 1.0, "detail": "", "integrity": integrity}


def entries():
    failure = {"question": "q1", "test": "t", "hidden": True, "message": "Traceback ...\n" + LONG}
    return [{"row": row("ann", 0.0, "sim:ann,bo(0.91) lib:sklearn"), "failures": [failure]},
            {"row": row("bo", 0.0, "sim:ann,bo(0.91)"), "failures": [failure]},
            {"row": row("cy", 2.0), "failures": []}]


def test_are_similar_pairs_read_once_each_from_the_integrity_codes():
    rows = [e["row"] for e in entries()] + [row("dee", 1.0, "sim:dee,cy(0.5)")]
    assert similar_pairs(rows) == [("ann", "bo", 0.91), ("cy", "dee", 0.5)]


def test_does_the_report_show_full_failures_pairs_settings_and_pending_manual_cells(tmp_path):
    (tmp_path / "integrity").mkdir()
    (tmp_path / "integrity" / "pairs.html").write_text("<html></html>")
    settings = {"engine": "safe", "sandbox": "bwrap", "threads": 1, "seed": 4144, "dataset": "mnist",
                "autograder_sha256": "abc123", "limits": "900 s wall-clock", "jobs": 2}
    text = write_report(tmp_path, entries(), AG, settings).read_text(encoding="utf-8")
    assert LONG in text  # not cut mid-word
    assert "<b>2 students</b>" in text and "2 of 3 graded students" not in text
    assert "1 of 3 graded students had full points" in text
    assert "<td>ann</td><td>bo</td><td class=num>0.91</td>" in text
    assert 'href="integrity/pairs.html"' in text and "lib:sklearn" in text
    assert "abc123" in text and "900 s wall-clock" in text and "BLAS threads 1" in text
    assert text.count("manual: pending") == 3
