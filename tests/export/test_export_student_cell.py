"""Does the notebook's last cell (``EXPORT_CELL_SOURCE``) export a submission zip with the
notebook and its PDF, and, without a TeX engine, an HTML copy plus a one-sentence notice?"""

from __future__ import annotations

import os
import shutil
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from export_helpers import ANSWER_I, ANSWER_LONG, execute, holds_in_full, notebook, pdf_text

from grader.student_cells import EXPORT_CELL_SOURCE

MASTER = Path(__file__).resolve().parents[2] / "notebooks" / "mlp_mnist.ipynb"


def run_student_notebook(folder: Path) -> tuple[list[str], str]:
    """Write and execute a student notebook ending with the export cell in ``folder``.

    Returns the names in the zip it made (extracted into ``folder / "zip"``) and the text the
    export cell printed.
    """
    nb = notebook(("code", "import otter\ngrader = otter.Notebook()"),
                  ("md", "## Q6"), ("code", f"ans_i = {ANSWER_I!r}"),
                  ("md", "## Q7"), ("code", f"ans_bias = {ANSWER_LONG!r}"),
                  ("code", EXPORT_CELL_SOURCE))
    on_disk = nbformat.from_dict(nb)  # as the front end saves it: every cell before the export ran
    for count, cell in enumerate(c for c in on_disk.cells[:-1] if c.cell_type == "code"):
        cell.execution_count = count + 1
    nbformat.write(on_disk, folder / "homework.ipynb")
    execute(nb, folder)
    zips = list(folder.glob("homework_*.zip"))
    assert len(zips) == 1, f"expected one submission zip, found {zips}"
    printed = "".join(out.get("text", "") for out in nb.cells[-1].outputs if out.output_type == "stream")
    with zipfile.ZipFile(zips[0]) as zf:
        zf.extractall(folder / "zip")
        return zf.namelist(), printed


@pytest.fixture
def path_without_tex(tmp_path, monkeypatch):
    """PATH = one folder holding only python and jupyter (no xelatex, no pandoc)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("python", "python3", "jupyter"):
        found = shutil.which(tool, path=os.pathsep.join([str(Path(sys.executable).parent),
                                                         os.environ["PATH"]]))
        if found:
            (bin_dir / tool).symlink_to(found)
    monkeypatch.setenv("PATH", str(bin_dir))
    assert shutil.which("xelatex") is None


@pytest.mark.slow
def test_does_the_zip_hold_the_notebook_and_its_pdf_when_tex_is_there(tmp_path):
    names, printed = run_student_notebook(tmp_path)
    assert "homework.ipynb" in names and "homework.pdf" in names
    assert "No PDF" not in printed


@pytest.mark.slow
def test_is_a_long_written_answer_whole_in_the_pdf_not_cut_at_the_margin(tmp_path):
    run_student_notebook(tmp_path)
    text = pdf_text(tmp_path / "zip" / "homework.pdf")
    assert ANSWER_LONG[:40] in text  # the cell is there...
    assert holds_in_full(text, ANSWER_LONG), text  # ...and none of it ran off the page
    assert holds_in_full(text, ANSWER_I)


@pytest.mark.slow
def test_without_xelatex_does_the_zip_hold_an_html_copy_and_say_so_in_one_sentence(
        tmp_path, path_without_tex):
    names, printed = run_student_notebook(tmp_path)
    assert "homework.ipynb" in names and "homework.html" in names
    assert not any(name.endswith(".pdf") for name in names)
    # no front end saves the notebook here, so a second line says the last save was zipped
    sentence = printed.strip().splitlines()[0]
    assert sentence.endswith(".") and ". " not in sentence
    assert "xelatex" in sentence and "apt-get install texlive-xetex" in sentence


def test_is_the_master_notebooks_last_cell_the_export_cell():
    if not MASTER.exists():
        pytest.skip(f"{MASTER} not written yet")
    last = [cell for cell in nbformat.read(MASTER, as_version=4).cells if cell.cell_type == "code"][-1]
    assert last.source.strip() == EXPORT_CELL_SOURCE.strip(), (
        "paste grader.student_cells.EXPORT_CELL_SOURCE as the last cell of the master notebook")
