"""The class report (``report.html``) opened in a real browser: its student table sorts on a click
on a column head (numbers as numbers, blanks apart, a second click reverses), its script raises
nothing, and every link in it resolves to a file that exists."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from grader.grade.autograder import Autograder
from grader.grade.report import write_report
from grader.textsafe import safe_stem

AG = Autograder(path=None, sha256="abc123", questions={"q1": 4.0, "q2": 6.0}, manual={})
#: id, total (None: not graded); "zoë o'neil" needs quoting in its hrefs
STUDENTS = [("ann", 5.0), ("bo", 0.5), ("cy", 10.0), ("dee", None), ("Eve", 2.0), ("zoë o'neil", 7.5)]


def entry(sid: str, total: float | None) -> dict:
    graded = total is not None
    row = {"id": sid, "status": "graded" if graded else "crashed", "q1": min(total, 4.0) if graded else "",
           "q2": max(total - 4.0, 0.0) if graded else "", "total": total if graded else "", "possible": 10.0,
           "duration_s": 1.0, "detail": "" if graded else "kernel died", "integrity": ""}
    return {"row": row, "failures": [], "file": f"{sid}.ipynb"}


@pytest.fixture
def report(tmp_path) -> Path:
    out, subs = tmp_path / "graded", tmp_path / "submissions"
    (out / "feedback").mkdir(parents=True)
    subs.mkdir()
    for sid, _ in STUDENTS:
        (out / "feedback" / f"{safe_stem(sid)}.md").write_text(f"# Feedback for {sid}\n", encoding="utf-8")
        (subs / f"{sid}.ipynb").write_text("{}", encoding="utf-8")
    return write_report(out, [entry(*s) for s in STUDENTS], AG, submissions_dir=subs)


@pytest.fixture
def page(browser, report):
    tab = browser.new_page()
    tab.errors = []
    tab.on("pageerror", lambda exc: tab.errors.append(str(exc)))
    tab.goto(report.as_uri())
    yield tab
    tab.close()


def column(page, name: str) -> list[str]:
    """The texts of column ``name`` of the student table, top to bottom, as the page shows them now."""
    heads = page.eval_on_selector_all("#students thead th", "hs => hs.map(h => h.textContent.trim())")
    return page.eval_on_selector_all("#students tbody tr",
                                     f"rows => rows.map(r => r.cells[{heads.index(name)}].textContent.trim())")


def test_does_a_click_on_a_column_head_sort_numbers_as_numbers_and_a_second_reverse(page):
    page.click("#students th:text-is('total')")
    assert column(page, "total") == ["0.5", "2", "5", "7.5", "10", ""]  # 10 after 7.5: not text order
    page.click("#students th:text-is('total')")
    assert column(page, "total") == ["", "10", "7.5", "5", "2", "0.5"]
    assert column(page, "id")[1:] == ["cy", "zoë o'neil", "ann", "Eve", "bo"]  # whole rows moved
    page.click("#students th:text-is('id')")
    assert column(page, "id") == ["ann", "bo", "cy", "dee", "Eve", "zoë o'neil"]  # case does not split them
    assert page.errors == []


def test_does_every_link_of_the_report_open_a_file_that_exists(page, report):
    hrefs = page.eval_on_selector_all("#students a", "links => links.map(a => [a.textContent, a.href])")
    kinds = sorted({kind for kind, _ in hrefs})
    assert kinds == ["feedback", "notebook"] and len(hrefs) == 2 * len(STUDENTS)
    for _, href in hrefs:
        url = urlparse(href)
        assert url.scheme == "file" and Path(unquote(url.path)).is_file(), href
    page.click("#students tr:has-text('zoë') a:text-is('feedback')")
    page.wait_for_load_state()
    assert "Feedback for zoë o'neil" in page.inner_text("body")
