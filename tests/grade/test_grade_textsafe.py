"""Student text in, safe text out: does every string become writable UTF-8, every id a unique
short file name, and no CSV cell a formula?"""

from __future__ import annotations

import os

import pytest

from grader.submissions.discover import student_ids
from grader.textsafe import clean_text, csv_cell, safe_stem

HOSTILE = ["\udc80", "a\ud800b", os.fsdecode(b"caf\xe9\xff"), "\x1b[2J\x07bell", "right\u202eleft", "line\nbreak\r",
           "x" * 100_000, "\u00e9" * 300, "", "..", "-rf", "~", "a~b", "a/b\\c", "\x00nul", "POINTS POSSIBLE",
           "emoji \U0001f600", "tab\there", "   "]


@pytest.mark.parametrize("text", HOSTILE)
def test_is_clean_text_one_writable_line_of_bounded_length_and_stable(text):
    cleaned = clean_text(text, 500)
    cleaned.encode("utf-8")  # raises on a lone surrogate
    assert len(cleaned) <= 500 and cleaned.isprintable() and clean_text(cleaned, 500) == cleaned


def test_does_clean_text_keep_lines_only_when_asked_and_show_what_it_escaped():
    assert clean_text("a\nb\x1b", multiline=True) == "a\nb\\x1b"
    assert clean_text("a\nb\tc") == "a\\nb\\tc"
    assert clean_text("plain élan, 数字") == "plain élan, 数字"


def test_are_file_stems_short_safe_and_unique_for_any_ids():
    ids = HOSTILE + [safe_stem(h) for h in HOSTILE] + ["alice", "Alice Smith", "josé"]
    stems = {i: safe_stem(i) for i in ids}
    assert len(set(stems.values())) == len(set(ids))  # a different id never gets the same name
    for stem in stems.values():
        assert 0 < len(os.fsencode(stem)) <= 120 and stem.isprintable()
        assert "/" not in stem and not stem.startswith((".", "-"))
    assert [stems[i] for i in ("alice", "Alice Smith", "josé")] == ["alice", "Alice Smith", "josé"]


@pytest.mark.parametrize("cell", ["=1+1", "+SUM(A1)", "-2+3+cmd|' /C calc'!A0", "@A1", "\t=1", "\r=1",
                                  "\uff1dHYPERLINK()", "-", "+", "=", "-e"])
def test_is_a_cell_that_could_start_a_formula_quoted(cell):
    assert csv_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["-1", "+2.5", "-0.5e-3", "3", "", "alice", "a=b", "1-2", 4.0, -3, None])
def test_are_numbers_and_harmless_cells_unchanged(cell):
    assert csv_cell(cell) == cell


def test_are_renamed_ids_unique_even_against_a_stem_written_to_collide():
    first = student_ids(["POINTS POSSIBLE", "a\udc80"])
    crafted = [first["POINTS POSSIBLE"][0], first["a\udc80"][0]]
    ids = student_ids(["POINTS POSSIBLE", "a\udc80", "a\udc81", "points possible ", *crafted, "bob"])
    assert len({sid for sid, _ in ids.values()}) == len(ids)
    assert ids["bob"] == ("bob", "") and all(sid.strip().casefold() != "points possible" for sid, _ in ids.values())
    assert "reserved" in ids["POINTS POSSIBLE"][1] and "not plain text" in ids["a\udc80"][1]
