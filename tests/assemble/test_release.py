"""The solution copy for release after the deadline: otter's markers gone, code and outputs kept."""

from __future__ import annotations

import re

import nbformat

from grader.assemble.release import clean_source, release_copy

MARKERS = re.compile(r"BEGIN SOLUTION|END SOLUTION|# SOLUTION|BEGIN PROMPT|END PROMPT|BEGIN QUESTION|END QUESTION")

MARKED = '''def square(x):
    """x squared."""
    # BEGIN SOLUTION NO PROMPT
    return x * x
    # END SOLUTION
    """ # BEGIN PROMPT
    ...
    """ # END PROMPT


y = square(3)  # SOLUTION
z = y + 1  # SOLUTION: one more'''


def test_are_the_markers_removed_and_the_code_kept():
    clean = clean_source(MARKED)
    assert not MARKERS.search(clean)
    namespace = {}
    exec(compile(clean, "release", "exec"), namespace)
    assert namespace["y"] == 9 and namespace["z"] == 10
    assert "z = y + 1  # one more" in clean
    assert "..." not in clean


def test_are_outputs_and_markdown_kept_without_question_fences():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("<!-- BEGIN QUESTION -->\n\n**Q1** Write square.\n\n<!-- END QUESTION -->"),
        nbformat.v4.new_code_cell(MARKED, outputs=[nbformat.v4.new_output("stream", text="9\n")]),
    ])
    clean = release_copy(nb)
    assert clean.cells[0].source.strip() == "**Q1** Write square."
    assert clean.cells[1].outputs[0]["text"] == "9\n"
    assert "# SOLUTION" in nb.cells[1].source  # the original is untouched


def test_does_the_build_ship_a_release_copy_without_markers(built):
    release = built.solution_notebook.with_name(built.solution_notebook.stem + "-release.ipynb")
    nb = nbformat.read(release, as_version=4)
    text = "\n".join(cell.source for cell in nb.cells)
    assert not MARKERS.search(text)
    for number, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            compile("\n".join(l for l in cell.source.splitlines() if not l.lstrip().startswith(("%", "!"))),
                    f"cell {number}", "exec")
    assert sum(bool(cell.get("outputs")) for cell in nb.cells if cell.cell_type == "code") > 10
