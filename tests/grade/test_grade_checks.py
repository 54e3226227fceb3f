"""Discovery and pre-run checks: which files are submissions, and which are not notebooks."""

from __future__ import annotations

import json
import os
import zipfile

import nbformat

from grader.submissions.validate import INVALID, NOT_A_NOTEBOOK, check_submission
from grader.submissions.discover import discover


def write_nb(path, **metadata):
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")], metadata=metadata), path)
    return path


def test_is_a_valid_notebook_accepted(tmp_path):
    assert check_submission(write_nb(tmp_path / "a.ipynb")) is None


def test_are_non_notebooks_rejected_with_a_reason(tmp_path):
    (tmp_path / "empty.ipynb").write_bytes(b"")
    (tmp_path / "pdf.ipynb").write_bytes(b"%PDF-1.7\n")
    with zipfile.ZipFile(tmp_path / "nonb.zip", "w") as zf:
        zf.writestr("answers.txt", "42")
    assert check_submission(tmp_path / "empty.ipynb") == (NOT_A_NOTEBOOK, "empty.ipynb is empty")
    assert check_submission(tmp_path / "pdf.ipynb")[0] == NOT_A_NOTEBOOK
    assert "holds 0 notebooks" in check_submission(tmp_path / "nonb.zip")[1]


def test_are_broken_notebooks_rejected_before_running(tmp_path):
    (tmp_path / "json.ipynb").write_text('{"cells": [}')
    (tmp_path / "schema.ipynb").write_text(json.dumps({"cells": 5, "metadata": {}, "nbformat": 4,
                                                      "nbformat_minor": 5}))
    status, reason = check_submission(tmp_path / "json.ipynb")
    assert status == INVALID and "not valid JSON" in reason and "\n" not in reason
    assert check_submission(tmp_path / "schema.ipynb")[0] == INVALID


def test_is_a_notebook_inside_an_export_zip_checked(tmp_path):
    with zipfile.ZipFile(tmp_path / "hw_2024.zip", "w") as zf:
        zf.writestr("hw.ipynb", "{not json")
    assert check_submission(tmp_path / "hw_2024.zip")[0] == INVALID


def test_does_the_newest_of_two_files_with_one_id_win_and_say_so(tmp_path):
    old, new = write_nb(tmp_path / "ann.ipynb"), tmp_path / "ann.zip"
    with zipfile.ZipFile(new, "w") as zf:
        zf.write(old, "hw.ipynb")
    os.utime(old, (1_000_000, 1_000_000))
    (sub,) = discover(tmp_path)
    assert (sub.id, sub.path.name) == ("ann", "ann.zip")
    assert "skipped ann.ipynb" in sub.note


def test_are_ids_file_stems_and_other_files_ignored(tmp_path):
    write_nb(tmp_path / "bob.ipynb")
    (tmp_path / "hw_2024_05_01T10_00_00.zip").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("not a submission")
    (tmp_path / ".hidden.ipynb").write_text("")
    assert [s.id for s in discover(tmp_path)] == ["bob", "hw_2024_05_01T10_00_00"]
