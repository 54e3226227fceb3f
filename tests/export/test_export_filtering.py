"""Does ``--filtered`` keep exactly the written answers, their prompts and titles, and the plots?"""

from __future__ import annotations

from export_helpers import notebook
from nbformat.v4 import new_output

from grader.export.filtering import filter_for_manual_grading


def test_are_only_answers_prompts_titles_and_image_cells_kept():
    nb = notebook(
        ("md", "# Homework"),
        ("md", "**Q1.** Plot five digits."),
        ("md", "Use `imshow`."),
        ("code", "def plot(): ..."),
        ("code", "plot()"),
        ("md", "## Q5"),
        ("code", "x = 1"),
        ("md", "## Q6\n(i) Explain."),
        ("code", "%matplotlib inline\nans_i = 'because'"),
        ("code", "grader.check('q6')"),
        ("md", "(ii) And?"),
        ("code", "ans_ii = ..."),
    )
    nb.cells[4].outputs = [new_output("display_data", data={"image/png": "iVBORw0KGgo="})]
    kept = [cell.source for cell in filter_for_manual_grading(nb).cells]
    assert kept == ["**Q1.** Plot five digits.", "plot()", "## Q6\n(i) Explain.",
                    "%matplotlib inline\nans_i = 'because'", "(ii) And?", "ans_ii = ..."]


def test_is_the_input_notebook_left_unchanged():
    nb = notebook(("md", "# T"), ("code", "x = 1"), ("code", "ans_bias = 'b'"))
    filter_for_manual_grading(nb)
    assert len(nb.cells) == 3
