"""Does the executed solution notebook export to a PDF holding its questions, answers and plots?"""

from __future__ import annotations

import shutil
import subprocess

import nbformat
import pytest

from grader.export.pdf import notebook_pdf

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not (shutil.which("xelatex") and shutil.which("pdftotext")),
                                 reason="needs xelatex and poppler-utils (.ci/apt-packages.txt)")]


@pytest.fixture(scope="module")
def solution_pdf(built, tmp_path_factory):
    path = tmp_path_factory.mktemp("pdf") / "solution.pdf"
    path.write_bytes(notebook_pdf(nbformat.read(built.solution_notebook, as_version=4), title="mlp_mnist"))
    return path


def test_does_the_pdf_text_hold_every_question_and_the_written_answers(solution_pdf, built):
    text = subprocess.run(["pdftotext", "-layout", str(solution_pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    squashed = " ".join(text.split())
    for n in range(1, 13):
        assert f"Q{n}." in squashed or f"Q{n} (" in squashed, f"Q{n} heading missing"
    assert "A bias is a constant each unit adds" in squashed
    assert "training accuracy, 7 vs 9" in squashed


def test_does_the_pdf_carry_the_q1_and_q9_figures_as_images(solution_pdf):
    listing = subprocess.run(["pdfimages", "-list", str(solution_pdf)], capture_output=True,
                             text=True, check=True).stdout.splitlines()[2:]
    assert len(listing) >= 3  # Q1's digits and the training curves of both models
