"""Does ``mlp-course export`` turn notebooks and otter zips into real PDFs (xelatex),
keep going past broken ones, and drop unrelated code with ``--filtered``?"""

from __future__ import annotations

import nbformat
import pytest
from click.testing import CliRunner
from export_helpers import ANSWER_BIAS, ANSWER_I, notebook, otter_zip, pdf_image_count, pdf_text

from grader.cli import main as cli

pytestmark = pytest.mark.slow  # each PDF is a few xelatex runs


@pytest.fixture(scope="module")
def exported(tmp_path_factory, executed_homework):
    """A folder of two good submissions and two bad ones, exported with two workers."""
    subs, out = tmp_path_factory.mktemp("subs"), tmp_path_factory.mktemp("out")
    nbformat.write(executed_homework, subs / "alice.ipynb")
    otter_zip(executed_homework, subs / "bob_2024_05_01.zip")
    (subs / "broken.ipynb").write_text('{"cells": [', encoding="utf-8")
    nbformat.write(notebook(("md", r"Bad maths: $\undefinedmacro{x}$")), subs / "badtex.ipynb")
    result = CliRunner().invoke(cli, ["export", str(subs), "-o", str(out), "--jobs", "2"])
    return result, out


def test_does_each_good_submission_get_a_pdf_with_headings_answers_and_code(exported):
    _, out = exported
    for name in ("alice.pdf", "bob_2024_05_01.pdf"):
        text = pdf_text(out / name)
        for expected in ("Q1", "Q5", "Q6", "Q7", ANSWER_I, ANSWER_BIAS, "unrelated_helper"):
            assert expected in text, f"{expected!r} missing from {name}"


def test_does_the_pdf_contain_the_figure_as_an_image(exported):
    _, out = exported
    assert pdf_image_count(out / "alice.pdf") >= 1


def test_is_each_failure_one_line_naming_the_file_and_reason_with_no_pdf_left(exported):
    result, out = exported
    assert result.exit_code == 1
    failures = [line for line in result.output.splitlines() if line.startswith("FAILED")]
    assert len(failures) == 2
    assert any("broken.ipynb" in line and "JSON" in line for line in failures)
    assert any("badtex.ipynb" in line and "LaTeX failed: Undefined control sequence" in line
               for line in failures)
    assert "2 PDF(s) written, 2 failed." in result.output
    assert sorted(p.name for p in out.iterdir()) == ["alice.pdf", "bob_2024_05_01.pdf"]


def test_does_filtered_keep_answers_headings_and_plots_but_drop_other_code(tmp_path, executed_homework):
    nbformat.write(executed_homework, tmp_path / "alice.ipynb")
    result = CliRunner().invoke(cli, ["export", str(tmp_path / "alice.ipynb"), "--filtered",
                                      "--no-progress"])
    assert result.exit_code == 0, result.output
    pdf = tmp_path / "alice.filtered.pdf"
    text = pdf_text(pdf)
    for expected in ("Q1", "Q6", "Q7", ANSWER_I, ANSWER_BIAS):
        assert expected in text
    assert "unrelated_helper" not in text
    assert pdf_image_count(pdf) >= 1
