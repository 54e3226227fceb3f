"""Helpers of the ``export`` tests: small notebooks written with nbformat, executed with
nbclient when they need real outputs (a matplotlib figure), and poppler's view of a PDF."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import nbclient
import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

FIGURE_CODE = """\
import matplotlib.pyplot as plt
import numpy as np
fig, axes = plt.subplots(1, 5, figsize=(5, 1))
for k, ax in enumerate(axes):
    ax.imshow(np.random.default_rng(k).random((28, 28)), cmap="gray")
plt.show()"""

ANSWER_I = "The gradient of the sigmoid vanishes for large inputs."
ANSWER_BIAS = "A bias shifts the activation threshold."
# A written answer as students write them: one line, far wider than a PDF page.
ANSWER_LONG = ("Each unit adds its own constant to the weighted sum of its inputs, which lets the "
               "activation move left or right instead of always crossing at zero; with a row of ones "
               "under the input, the last column of every weight matrix plays exactly that role, so "
               "one product computes weights and biases together.")
# What pdftotext shows where the PDF wraps a long code line (the visible space and the hook).
WRAP_MARKS = "\u2423\u21aa"


def notebook(*cells: tuple[str, str]) -> nbformat.NotebookNode:
    """A notebook of ``("md" | "code", source)`` cells, with a python3 kernelspec."""
    make = {"md": new_markdown_cell, "code": new_code_cell}
    nb = new_notebook(cells=[make[kind](source) for kind, source in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def execute(nb: nbformat.NotebookNode, cwd: Path) -> nbformat.NotebookNode:
    """Run ``nb`` in a fresh python3 kernel started in ``cwd``; returns it with outputs."""
    nbclient.NotebookClient(nb, kernel_name="python3", timeout=120,
                            resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def homework() -> nbformat.NotebookNode:
    """Headings, one unrelated code cell, a figure (Q1) and written answers (Q6, Q7)."""
    return notebook(
        ("md", "# MLP homework"),
        ("md", "## Q1\nShow five digits."),
        ("code", FIGURE_CODE),
        ("md", "## Q5"),
        ("code", "unrelated_helper = 41 + 1\nprint(unrelated_helper)"),
        ("md", "## Q6\n(i) Why does training slow down?"),
        ("code", f"ans_i = {ANSWER_I!r}"),
        ("md", "## Q7\nWhat is a bias for?"),
        ("code", f"ans_bias = {ANSWER_BIAS!r}"),
    )


def otter_zip(nb: nbformat.NotebookNode, path: Path) -> Path:
    """An otter-like submission zip holding ``nb`` as ``homework.ipynb``."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("homework.ipynb", nbformat.writes(nb))
        zf.writestr("__zip_filename__", path.name)
    return path


def pdf_text(path: Path) -> str:
    """The text of a PDF, by poppler's pdftotext."""
    return subprocess.run(["pdftotext", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def holds_in_full(text: str, answer: str) -> bool:
    """Does PDF ``text`` hold every character of ``answer`` in order (line breaks and the
    marks of a wrapped code line aside)?"""
    squash = lambda s: "".join(ch for ch in s if not ch.isspace() and ch not in WRAP_MARKS)
    return squash(answer) in squash(text)


def pdf_image_count(path: Path) -> int:
    """How many images (not masks) ``pdfimages -list`` finds in a PDF."""
    lines = subprocess.run(["pdfimages", "-list", str(path)], check=True,
                           capture_output=True, text=True).stdout.splitlines()[2:]
    return sum(1 for line in lines if line.split()[2] == "image")
