"""Notebook -> PDF through nbconvert's LaTeX path (``PDFExporter``, xelatex + pandoc).

Needs the Debian packages in ``.ci/apt-packages.txt`` (xelatex with the LaTeX packages of
nbconvert's template, and pandoc for the markdown cells).
"""

from __future__ import annotations

import shutil

import nbformat
from nbconvert import PDFExporter
from nbconvert.exporters.pdf import LatexFailed

from grader.errors import GraderError

TOOLS = ("xelatex", "pandoc")


def check_tools() -> None:
    """Raise GraderError naming the missing programs if xelatex or pandoc is not on PATH."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        raise GraderError(f"{' and '.join(missing)} not found on PATH; install the packages of "
                          ".ci/apt-packages.txt (apt-get install $(cat .ci/apt-packages.txt))")


def notebook_pdf(nb: nbformat.NotebookNode, *, title: str) -> bytes:
    """The PDF bytes of ``nb`` as it is (outputs kept, nothing executed), titled ``title``."""
    body, _ = PDFExporter().from_notebook_node(nb, resources={"metadata": {"name": title}})
    return body


def failure_reason(exc: Exception) -> str:
    """One line saying why a conversion failed (the first ``!`` line of a LaTeX log)."""
    if isinstance(exc, LatexFailed):
        errors = [line for line in exc.output.splitlines() if line.startswith("!")]
        return "LaTeX failed: " + (errors[0][1:].strip() if errors else "see xelatex's log")
    first = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {first[0] if first else 'no message'}"
