"""``grade --roster`` / ``--lms`` and the class report, on a batch of empty files (``not-a-notebook``,
so no notebook runs): a missing student, an unmatched file, a duplicate; Canvas's columns; a report
whose per-student table has one row per roster student and whose links all resolve."""

from __future__ import annotations

import csv
import html.parser
import os
from pathlib import Path
from urllib.parse import unquote

import pytest
from click.testing import CliRunner

from grade_toy import read_gradebook
from grader.cli import main as cli
from grader.grade import main as grade_main
from grader.grade.lms import CANVAS_COLUMNS
from grader.grade.report import score_histogram

ROSTER = "id,name,email,section\nann,\"Lee, Ann\",ann@uni.edu,A\nbo,Bo Ng,bo@uni.edu,B\ncy,Cy Oh,cy@uni.edu,A\n"


@pytest.fixture
def course(tmp_path):
    """Submissions: ann twice (the v2 newer), bo once, a stranger; cy submitted nothing."""
    folder = tmp_path / "subs"
    folder.mkdir()
    for name, mtime in (("ann.ipynb", 1000), ("ann_v2.ipynb", 2000), ("bo.ipynb", 1000), ("zed.ipynb", 1000)):
        (folder / name).write_bytes(b"")
        os.utime(folder / name, (mtime, mtime))
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    return folder, roster


def by_id(out: Path) -> dict:
    return {r["id"]: r for r in read_gradebook(out / "gradebook.csv")}


def test_does_the_roster_give_each_student_one_row_and_report_the_rest(manual_ag, course, tmp_path):
    folder, roster = course
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["grade", str(folder), "-a", str(manual_ag), "-o", str(out),
                                      "--roster", str(roster), "--timeout", "60"])
    assert result.exit_code == 0, result.output
    rows = by_id(out)
    assert list(rows) == ["POINTS POSSIBLE", "ann", "bo", "cy", "unmatched:zed"]
    assert (rows["cy"]["status"], rows["cy"]["total"]) == ("missing", "0.0")
    assert "graded newest ann_v2.ipynb, skipped ann.ipynb" in rows["ann"]["detail"]
    assert "cy (Cy Oh)" in result.output and "zed.ipynb matches no student" in result.output
    assert "ann has 2 files: graded the newest, ann_v2.ipynb; skipped ann.ipynb" in result.output
    assert "3 submissions: " in result.output  # ann, bo, zed; cy's row is not a submission
    assert "; 1 roster student(s) without a submission (status missing)" in result.output


def test_do_missing_rows_survive_a_resume_and_take_manual_scores(manual_ag, course, tmp_path):
    folder, roster = course
    out = tmp_path / "out"
    grade_main(folder, autograder=manual_ag, out=out, progress=False, roster=roster)
    scores = tmp_path / "scores.csv"
    scores.write_text("student_id,question,score\ncy,q5,2\n", encoding="utf-8")
    again = grade_main(folder, autograder=manual_ag, out=out, progress=False, roster=roster, manual_scores=scores)
    assert again["skipped"] == 3 and again["counts"]["missing"] == 1
    assert (by_id(out)["cy"]["q5"], by_id(out)["cy"]["total"]) == ("2.0", "2.0")


def test_is_the_canvas_file_in_canvass_documented_columns_with_manual_scores(manual_ag, course, tmp_path):
    folder, roster = course
    out = tmp_path / "out"
    scores = tmp_path / "scores.csv"
    scores.write_text("student_id,question,score\nbo,q5,3\n", encoding="utf-8")
    grade_main(folder, autograder=manual_ag, out=out, progress=False, roster=roster, manual_scores=scores,
               lms="canvas", lms_assignment="MLP (4711)")
    with (out / "lms-canvas.csv").open(newline="", encoding="utf-8") as f:
        table = list(csv.reader(f))
    # Canvas's gradebook import: Student, ID, SIS User ID, SIS Login ID, Section, then the assignments
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "MLP (4711)"]
    assert tuple(table[0][:5]) == CANVAS_COLUMNS
    assert table[1][0].strip() == "Points Possible" and table[1][5] == "10"
    assert table[2:] == [["Lee, Ann", "", "ann", "ann@uni.edu", "A", "0"],
                         ["Bo Ng", "", "bo", "bo@uni.edu", "B", "3"],
                         ["Cy Oh", "", "cy", "cy@uni.edu", "A", "0"]]  # no row for the unmatched file


def test_do_moodle_and_plain_files_identify_students_by_email_and_id(manual_ag, course, tmp_path):
    folder, roster = course
    for system, header, first in (("moodle", ["Email address", "toy"], ["ann@uni.edu", "0"]),
                                  ("plain", ["id", "name", "email", "total"], ["ann", "Lee, Ann", "ann@uni.edu", "0"])):
        grade_main(folder, autograder=manual_ag, out=tmp_path / system, progress=False, roster=roster,
                   lms=system, lms_assignment="toy")
        with (tmp_path / system / f"lms-{system}.csv").open(newline="", encoding="utf-8") as f:
            table = list(csv.reader(f))
        assert (table[0], table[1], len(table)) == (header, first, 4)


def test_is_an_lms_file_without_a_roster_refused_before_grading(manual_ag, course, tmp_path):
    folder, _ = course
    result = CliRunner().invoke(cli, ["grade", str(folder), "-a", str(manual_ag), "-o", str(tmp_path / "out"),
                                      "--lms", "canvas"])
    assert result.exit_code == 2 and "--lms canvas needs --roster" in result.output
    assert not (tmp_path / "out").exists()


def test_is_a_bad_roster_refused_before_anything_is_written(manual_ag, course, tmp_path):
    folder, roster = course
    roster.write_text("id,name,email\nann,Ann,not-an-address\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["grade", str(folder), "-a", str(manual_ag), "-o", str(tmp_path / "out"),
                                      "--roster", str(roster)])
    assert result.exit_code == 2 and "line 2" in result.output and "not an address" in result.output
    assert not (tmp_path / "out").exists()


class Page(html.parser.HTMLParser):
    """The student table's rows (cell texts), every href and every img src of a page."""

    def __init__(self):
        super().__init__()
        self.rows, self.hrefs, self.images, self._table, self._cell = [], [], [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._table = attrs.get("id")
        elif tag == "tr" and self._table == "students":
            self.rows.append([])
        elif tag == "td" and self._table == "students":
            self._cell = ""
        elif tag == "a":
            self.hrefs.append(attrs["href"])
        elif tag == "img":
            self.images.append(attrs["src"])

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag == "td" and self._cell is not None:
            self.rows[-1].append(self._cell)
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def test_does_the_report_list_each_roster_student_once_with_links_that_resolve(manual_ag, course, tmp_path):
    folder, roster = course
    out = tmp_path / "out"
    grade_main(folder, autograder=manual_ag, out=out, progress=False, roster=roster)
    page = Page()
    page.feed((out / "report.html").read_text(encoding="utf-8"))
    students = [r for r in page.rows if r]
    ids = [r[0] for r in students]
    assert sorted(i for i in ids if not i.startswith("unmatched:")) == ["ann", "bo", "cy"]
    assert ids.count("ann") == ids.count("bo") == ids.count("cy") == 1 and "unmatched:zed" in ids
    assert next(r for r in students if r[0] == "ann")[1] == "Lee, Ann"
    assert next(r for r in students if r[0] == "bo")[5 + 3] == "manual: pending"  # q5 after links, q1-q3
    assert page.hrefs and all((out / unquote(h)).is_file() for h in page.hrefs)
    assert any(h.endswith("ann_v2.ipynb") for h in page.hrefs) and any(h.endswith("feedback/bo.md") for h in page.hrefs)
    assert page.images and all(src.startswith("data:image/png;base64,") for src in page.images)
    text = (out / "report.html").read_text(encoding="utf-8")
    assert "cy (Cy Oh)" in text and "<script>" in text  # roster findings; the sorting script inline
    assert not any(link.startswith(("http:", "https:", "//")) for link in page.hrefs + page.images)  # offline
    assert '<script src' not in text and '<link' not in text


def test_does_the_score_histogram_count_whole_students():
    fig = score_histogram([3.0, 5.0, 5.5, 7.0, 9.5], 10.0)
    ax = fig.axes[0]
    low, high = ax.get_ylim()
    visible = [t for t in ax.get_yticks() if low <= t <= high]
    assert len(visible) >= 2 and all(float(t).is_integer() for t in visible)
