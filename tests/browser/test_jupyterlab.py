"""Does the student notebook work where students use it: JupyterLab in a real browser?

JupyterLab (started by the tests) serves copies of a freshly built ``dist/student``; Debian's
Chromium, driven by Playwright, opens them as a student does:

1. the unfilled notebook: the set-up cell runs without a traceback and a check renders;
2. the notebook filled with the solution's answers: Kernel > Restart Kernel and Run All
   Cells, and every public check says it passed;
3. the zip that run's export cell made holds the executed notebook and a PDF in which every
   written answer can be read in full;
4. a duplicate (``mlp_mnist-Copy1.ipynb``) exports itself, not the original beside it, and a
   renamed copy with no original (``mlp_mnist (1).ipynb``) refuses in one sentence.

The Run All time and the PDF's page count are printed (``pytest -s``) for the record.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import nbformat
import pytest
from lab import Lab, student_folder

pytestmark = pytest.mark.slow

NAME = "mlp_mnist.ipynb"
# otter's markers in the solution notebook: solution lines and blocks, and the prompt blocks
# (the skeleton students see, kept there as a string, in either quote style)
SOLUTION_MARK = re.compile(r"""^[ \t]*("{3}|'{3}) # BEGIN PROMPT\n.*?^[ \t]*\1 # END PROMPT[ \t]*\n?"""
                           r"|^[ \t]*# (?:BEGIN|END) SOLUTION[^\n]*\n?|[ \t]*# SOLUTION[ \t]*$", re.M | re.S)
WRAP_MARKS = "\u2423\u21aa"  # what pdftotext shows where a long code line wraps
PASSED = "{q} passed"  # otter's sentence for a check whose every test passed


def check_cells(nb) -> dict[int, str]:
    """{cell index: question} of the ``grader.check("qN")`` cells."""
    found = {}
    for index, cell in enumerate(nb.cells):
        match = re.fullmatch(r'grader\.check\("(\w+)"\)', cell.source.strip())
        if cell.cell_type == "code" and match:
            found[index] = match.group(1)
    return found


def filled(student, solution):
    """The student notebook with each answer cell replaced by the solution's (otter's
    solution markers dropped): a student who wrote exactly the reference answers."""
    nb = nbformat.from_dict(student)
    assert [c.cell_type for c in solution.cells] == [c.cell_type for c in nb.cells[:len(solution.cells)]], (
        "the solution and student notebooks no longer have the same cells")
    answers = 0
    for cell, reference in zip(nb.cells[1:], solution.cells[1:]):  # cell 0: the set-up cells differ
        if cell.cell_type == "code" and cell.source != reference.source:
            cell.source = SOLUTION_MARK.sub("", reference.source)
            answers += 1
    assert answers >= 12
    return nb


def written_answers(solution) -> dict[str, str]:
    """{name: text} of the solution's written answers (the ``ans_*`` strings)."""
    answers = {}
    for cell in solution.cells:
        source = SOLUTION_MARK.sub("", cell.source).strip()
        if cell.cell_type == "code" and source.startswith("ans_"):
            exec(source, {}, answers)  # plain string assignments
    assert len(answers) == 5, answers
    return answers


def squash(text: str) -> str:
    return "".join(ch for ch in text if not ch.isspace() and ch not in WRAP_MARKS)


def zips_in(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.zip"))


@pytest.fixture(scope="module")
def solution(built):
    return nbformat.read(built.solution_notebook, as_version=4)


@pytest.fixture(scope="module")
def filled_run(built, solution, browser, server, lab_root, artifacts):
    """The filled notebook opened in JupyterLab and run with Kernel > Restart Kernel and Run
    All Cells: what the page showed, and the folder it ran in."""
    folder = student_folder(built, lab_root, "filled")
    nbformat.write(filled(nbformat.read(folder / NAME, as_version=4), solution), folder / NAME)
    tab = Lab(browser.new_page(), server)
    try:
        tab.open(f"filled/{NAME}")
        seconds = tab.restart_and_run_all(timeout=600)
        nb = nbformat.read(folder / NAME, as_version=4)
        shown = {q: tab.output_text(index) for index, q in check_cells(nb).items()}
        result = {"seconds": seconds, "prompts": tab.prompts(), "checks": shown, "folder": folder,
                  "export": tab.output_text(len(nb.cells) - 1),
                  "errors": tab.page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
                  .all_inner_texts()}
    except Exception as exc:
        kept = tab.keep_evidence(artifacts, "filled_run")
        raise AssertionError(f"Run All in JupyterLab failed ({exc}); evidence: {kept}, "
                             f"JupyterLab's log: {server.log_path}") from exc
    finally:
        tab.page.close()
        server.shut_down_kernels()
    print(f"\nRun All of the filled notebook in JupyterLab: {seconds:.1f} s")
    return result


def test_does_the_unfilled_notebook_run_its_set_up_and_render_a_check(built, lab_root, lab):
    folder = student_folder(built, lab_root, "unfilled")
    nb = nbformat.read(folder / NAME, as_version=4)
    q2 = next(index for index, q in check_cells(nb).items() if q == "q2")
    define = next(i for i, c in enumerate(nb.cells) if c.source.startswith("def extract_digits"))
    lab.open(f"unfilled/{NAME}")
    set_up = lab.run_cell(0)
    assert "Traceback" not in set_up and "Error" not in set_up, set_up
    assert lab.output_kinds(0) == []  # otter is there and the name is right: nothing to say
    lab.run_cell(define)
    shown = lab.run_cell(q2)
    assert lab.output_kinds(q2) == ["text/html"], "otter's check result should render as HTML"
    assert "q2 results" in shown and "it is not written yet" in shown, shown
    assert "Traceback" not in shown


def test_does_restart_and_run_all_pass_every_public_check(filled_run, solution):
    unrun = [p for p in filled_run["prompts"] if not re.fullmatch(r"\[\d+\]:", p)]
    assert filled_run["prompts"] and unrun == []
    assert len(filled_run["checks"]) == 13
    failing = {q: text for q, text in filled_run["checks"].items() if PASSED.format(q=q) not in text}
    assert failing == {}
    assert not [e for e in filled_run["errors"] if "Traceback" in e]


def test_does_the_export_zip_hold_the_executed_notebook_and_a_pdf_with_every_answer_whole(
        filled_run, solution, tmp_path):
    if not (shutil.which("pdftotext") and shutil.which("xelatex")):
        pytest.skip("needs xelatex and poppler-utils (.ci/apt-packages.txt)")
    zips = zips_in(filled_run["folder"])
    assert len(zips) == 1, f"expected one submission zip, found {zips}; the cell said: {filled_run['export']}"
    assert "Your submission has been exported" in filled_run["export"], filled_run["export"]
    assert "No zip" not in filled_run["export"] and "No PDF" not in filled_run["export"]
    with zipfile.ZipFile(zips[0]) as zf:
        names = zf.namelist()
        assert {NAME, "mlp_mnist.pdf"} <= set(names) and len([n for n in names if n.endswith(".ipynb")]) == 1, names
        zf.extractall(tmp_path)
    nb = nbformat.read(tmp_path / NAME, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"][:-1]  # the export cell was running
    assert [c.source.splitlines()[0] for c in code if c.execution_count is None] == []
    saved = {q: "".join(o.get("data", {}).get("text/plain", "") for o in nb.cells[i].outputs)
             for i, q in check_cells(nb).items()}
    assert {q: text for q, text in saved.items() if f"{q} results: All test cases passed!" not in text} == {}, (
        "the zip holds an older save")
    pdf = tmp_path / "mlp_mnist.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    cut = [name for name, answer in written_answers(solution).items() if squash(answer) not in squash(text)]
    assert cut == [], f"written answers not whole in the PDF: {cut}"
    pages = re.search(r"^Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                          text=True, check=True).stdout, re.M)
    print(f"\nexported PDF: {pages.group(1)} pages")


def test_does_a_duplicate_export_itself_not_the_original(filled_run, built, lab_root, lab, solution):
    folder = student_folder(built, lab_root, "duplicate")  # the original, unfilled, stays beside it
    copy = folder / "mlp_mnist-Copy1.ipynb"
    with zipfile.ZipFile(zips_in(filled_run["folder"])[0]) as zf:
        copy.write_bytes(zf.read(NAME))  # the student's executed, filled notebook
    time.sleep(1)
    (folder / NAME).touch()  # the original saved last: "the newest notebook" would be the wrong one
    lab.open(f"duplicate/{copy.name}")
    assert lab.run_cell(0).strip() == ""
    said = lab.run_cell(lab.cell_count() - 1, timeout=300)
    assert "Your submission has been exported" in said and "No PDF" not in said, said
    zips = zips_in(folder)
    assert len(zips) == 1 and zips[0].name.startswith("mlp_mnist-Copy1_"), (zips, said)
    with zipfile.ZipFile(zips[0]) as zf:
        names = zf.namelist()
        assert {copy.name, "mlp_mnist-Copy1.pdf"} <= set(names) and NAME not in names, names
        assert written_answers(solution)["ans_bias"] in zf.read(copy.name).decode("utf-8")


def test_does_a_renamed_copy_without_the_original_refuse_in_one_sentence(filled_run, built, lab_root, lab):
    folder = student_folder(built, lab_root, "renamed")
    renamed = folder / "mlp_mnist (1).ipynb"
    with zipfile.ZipFile(zips_in(filled_run["folder"])[0]) as zf:
        renamed.write_bytes(zf.read(NAME))
    (folder / NAME).unlink()
    lab.open(f"renamed/{renamed.name}")
    said = lab.run_cell(0).strip()
    assert "Traceback" not in said and "\n" not in said
    assert "rename it to mlp_mnist.ipynb" in said, said
    nb = nbformat.read(renamed, as_version=4)
    q1 = next(index for index, q in check_cells(nb).items() if q == "q1")
    assert lab.run_cell(q1).strip() == said  # the checks repeat it instead of NameError
    refused = lab.run_cell(lab.cell_count() - 1).strip()
    assert refused.startswith("Nothing was exported because the set-up cell") and "\n" not in refused
    assert zips_in(folder) == []
