"""Is the roster read strictly, and is each file given to the right student (missing, unmatched, duplicate)?"""

from __future__ import annotations

import os

import pytest

from grader.errors import GraderError
from grader.submissions.discover import discover
from grader.submissions.roster import Student, match, owns, read_roster


def write(tmp_path, text: str):
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    return path


def files(tmp_path, *names_and_mtimes):
    folder = tmp_path / "subs"
    folder.mkdir()
    for name, mtime in names_and_mtimes:
        (folder / name).write_bytes(b"{}")
        os.utime(folder / name, (mtime, mtime))
    return discover(folder)


def test_is_a_roster_read_with_its_optional_columns(tmp_path):
    path = write(tmp_path, "email,id,name,pattern\nann@uni.edu,ann,Ann A,\nbo@uni.edu,bo,Bo B,hw1-bo*\n")
    assert read_roster(path) == [Student("ann", "Ann A", "ann@uni.edu"),
                                 Student("bo", "Bo B", "bo@uni.edu", pattern="hw1-bo*")]


@pytest.mark.parametrize("text, words", [
    ("id,name\nann,Ann\n", "lacks the column(s) email"),
    ("id,name,email\nann,,ann@uni.edu\n", "line 2: the name cell is empty"),
    ("id,name,email\nann,Ann,ann.uni.edu\n", "line 2: the email 'ann.uni.edu' is not an address"),
    ("id,name,email\nann,Ann,a@u\nANN,Ann 2,b@u\n", "line 3: the id 'ANN' is already on line 2"),
    ("id,name,email\nann,Ann\n", "line 2: has a different number of cells"),
    ("id,name,email\n", "has a header but no student"),
    ("id,name,email\nPOINTS POSSIBLE,x,a@u\n", "is reserved"),
])
def test_is_a_bad_roster_refused_in_one_line_naming_the_place(tmp_path, text, words):
    with pytest.raises(GraderError) as error:
        read_roster(write(tmp_path, text))
    assert words in str(error.value) and "\n" not in str(error.value)


def test_does_an_id_match_only_as_a_whole_word_and_a_pattern_win_over_it():
    ann = Student("ann", "Ann", "a@u")
    assert owns(ann, "ann.ipynb") and owns(ann, "hw1_ANN_v2.zip") and owns(ann, "hw1-ann.ipynb")
    assert not owns(ann, "joanne.ipynb") and not owns(ann, "ann2.ipynb")
    patterned = Student("ann", "Ann", "a@u", pattern="smith_*.ipynb")
    assert owns(patterned, "Smith_final.ipynb") and not owns(patterned, "ann.ipynb")


def test_are_missing_unmatched_and_duplicate_files_found(tmp_path):
    students = [Student("ann", "Ann", "a@u"), Student("bo", "Bo", "b@u"), Student("cy", "Cy", "c@u")]
    subs = files(tmp_path, ("ann.ipynb", 100), ("ann_v2.ipynb", 200), ("bo.zip", 100), ("stranger.ipynb", 100))
    found = match(students, subs)
    by_id = {s.id: s for s in found.submissions}
    assert sorted(by_id) == ["ann", "bo", "unmatched:stranger"]
    assert by_id["ann"].path.name == "ann_v2.ipynb"  # the newer of the two
    assert "graded newest ann_v2.ipynb, skipped ann.ipynb" in by_id["ann"].note
    assert [s.id for s in found.missing] == ["cy"]
    assert found.unmatched == [("stranger.ipynb", "matches no student's id or pattern")]
    assert found.duplicates == {"ann": ("ann_v2.ipynb", ["ann.ipynb"])}
    lines = found.lines("roster.csv")
    assert any("cy (Cy)" in ln and "missing" in ln for ln in lines)
    assert any("stranger.ipynb" in ln for ln in lines) and any("skipped ann.ipynb" in ln for ln in lines)


def test_is_a_file_matching_two_students_unmatched_rather_than_guessed(tmp_path):
    students = [Student("ann", "Ann", "a@u"), Student("bo", "Bo", "b@u")]
    found = match(students, files(tmp_path, ("ann_and_bo.ipynb", 100)))
    assert [s.id for s in found.submissions] == ["unmatched:ann_and_bo"]
    assert "several students (ann, bo)" in found.unmatched[0][1]
    assert [s.id for s in found.missing] == ["ann", "bo"]
