"""The first and the last code cell of the student notebook: otter's set-up and the export.

Shared by ``build`` (which writes them into the student notebook) and ``grade`` (which reads the
set-up cell's notebook name, :data:`NOTEBOOK_CALL`), so it sits beside the verbs, not in one.

``INIT_CELL_SOURCE`` replaces the set-up cell that ``otter assign`` generates
(``import otter; grader = otter.Notebook("mlp_mnist.ipynb")``, see :func:`init_cell_source`):
when otter-grader is not installed, or the notebook is not saved as ``mlp_mnist.ipynb``, it
says so in one sentence with the fix, and ``grader`` becomes a stand-in whose ``check`` and
``export`` repeat that sentence (instead of a traceback, then ``NameError: name 'grader' is
not defined`` in every check). It keeps the literal ``otter.Notebook("mlp_mnist.ipynb")``
that :data:`NOTEBOOK_CALL` reads.

``EXPORT_CELL_SOURCE`` runs in the student's kernel, where only numpy, matplotlib,
scikit-learn and otter-grader (with its nbconvert) are installed and where the notebook
has already made ``grader``. It is ``EXPORT_HELPERS`` (functions, tested on their own)
followed by ``EXPORT_MAIN``:

1. find the notebook it runs in (:func:`_this_notebook`: the ``.ipynb`` of the folder that
   holds this cell, the one Jupyter or VS Code names for the kernel, else the one saved last),
   so a duplicate (``mlp_mnist-Copy1.ipynb``) or a renamed copy exports itself, not
   ``mlp_mnist.ipynb``;
2. ask the front end to save it (otter's ``save_notebook``, what ``grader.export(...,
   force_save=True)`` does, but done *before* the check below rather than inside the export);
3. read the notebook ON DISK (:func:`_unfinished`): code cells never run, or still holding
   ``...``, mean the save is stale or the work unfinished; it then says so in one sentence
   (save, Restart & Run All, run this cell again) and makes no zip, unless the student sets
   ``HAND_IN_UNFINISHED = True``;
4. write the notebook's PDF (:func:`_write_copy`: nbconvert's LaTeX template, offline, which
   wraps long code lines, so a one-line written answer is whole in the PDF; otter's own PDF
   template cuts it at the margin) and ask otter for a zip holding the notebook and that PDF.
   When xelatex or pandoc is missing, or LaTeX fails on the notebook, it still writes the zip,
   with an HTML rendering of the notebook in place of the PDF, and says in one sentence why
   and what to do.

In otter's grading mode the cell does nothing. The master notebook's last cell must be
exactly ``EXPORT_CELL_SOURCE`` (a test compares them).
"""

from __future__ import annotations

import re

EXPORT_HELPERS = '''\
# Submission: run Kernel > Restart Kernel and Run All Cells (then this cell, if it did not run).
# It saves the notebook, checks that every cell ran, and writes a zip holding this notebook and
# a PDF of it (an HTML copy if your computer has no TeX): upload that zip. Nothing to fill in.
import glob, json, os, re, shutil, time

HAND_IN_UNFINISHED = False  # True: make the zip even if some cells did not run or still hold ...
_EXPORT_MARK = "# Submission: run Kernel > Restart Kernel and Run All Cells"


def _this_notebook():
    """The .ipynb of this folder holding this cell: the one Jupyter or VS Code names, else the newest."""
    ours = []
    for path in glob.glob("*.ipynb"):
        try:
            with open(path, encoding="utf-8") as f:
                cells = json.load(f).get("cells", [])
        except (OSError, ValueError):
            continue
        if any(_EXPORT_MARK in "".join(c.get("source", "")) for c in cells):
            ours.append(path)
    for named in (globals().get("__vsc_ipynb_file__"), globals().get("__session__")):
        if named and os.path.basename(str(named)) in ours:
            return os.path.basename(str(named))
    return max(ours, key=os.path.getmtime, default=None)


def _unfinished(path):
    """First lines of the saved code cells (this one left out) never run, and of those holding ..."""
    with open(path, encoding="utf-8") as f:
        cells = [c for c in json.load(f).get("cells", []) if c.get("cell_type") == "code"]
    not_run, dots = [], []
    for cell in cells:
        source = "".join(cell.get("source", ""))
        if _EXPORT_MARK in source or not source.strip():
            continue
        first = source.strip().splitlines()[0][:50]
        if cell.get("execution_count") is None:
            not_run.append(first)
        if re.search(r"^[ \\t]*(?:return[ \\t]+|[\\w\\[\\]., \\t]+=[ \\t]*)?\\.\\.\\.[ \\t]*(?:#.*)?$", source, re.M):
            dots.append(first)
    return not_run, dots


def _write_copy(path, kind):
    """Write the PDF ("pdf": nbconvert's LaTeX template, which wraps long code lines such as a
    written answer; one LaTeX run, as a notebook has no cross-references) or the HTML ("html")
    of the notebook at path beside it; return its path."""
    from nbconvert import HTMLExporter, PDFExporter

    body, _ = (PDFExporter(latex_count=1) if kind == "pdf" else HTMLExporter()).from_filename(path)
    copy = os.path.splitext(path)[0] + "." + kind
    with open(copy, "wb") as f:
        f.write(body if isinstance(body, bytes) else body.encode("utf-8"))
    return copy


def _latex_error(error):
    """The first "!" line of a LaTeX log (the error), else the error's first line."""
    lines = [l for l in str(getattr(error, "output", "") or error).splitlines() if l.strip()]
    return next((l[1:].strip() for l in lines if l.startswith("!")), lines[0] if lines else type(error).__name__)
'''

EXPORT_MAIN = '''\


def _export():
    checks = globals().get("grader")
    if not hasattr(checks, "_resolve_nb_path"):  # otter's set-up cell did not run, or failed
        print("Nothing was exported because the set-up cell at the top (import otter) has not run "
              "or failed: run it, follow what it says, then run this cell again.")
        return
    if getattr(type(checks), "_grading_mode", False):
        return  # the autograder runs this notebook: nothing to export
    notebook = _this_notebook()
    if notebook is None:
        print(f"Nothing was exported because no notebook in {os.getcwd()} holds this cell: save this "
              "notebook (Ctrl-S) as mlp_mnist.ipynb next to train_mnist.npz and run this cell again.")
        return
    try:
        from otter.check.utils import save_notebook
        saved = save_notebook(notebook)  # what grader.export(force_save=True) does, before the check
    except Exception:
        saved = False
    notebook = _this_notebook() or notebook
    not_run, dots = _unfinished(notebook)
    if (not_run or dots) and not HAND_IN_UNFINISHED:
        what = " and ".join(part for part in (
            f"{len(not_run)} code cell(s) that did not run" if not_run else "",
            f"{len(dots)} still holding ..." if dots else "") if part)
        print(f"No zip was made because {notebook} as saved has {what} (the first: "
              f"{(not_run or dots)[0]!r}): finish them, save (Ctrl-S), run Kernel > Restart Kernel "
              "and Run All Cells, then run this cell again (or set HAND_IN_UNFINISHED = True at the "
              "top of this cell to hand in unfinished work).")
        return
    missing = [tool for tool in ("xelatex", "pandoc") if shutil.which(tool) is None]
    copy, why = None, ""
    if missing:
        why = (f"{' and '.join(missing)} cannot be found; for a PDF, install TeX and pandoc "
               "(Debian/Ubuntu: sudo apt-get install texlive-xetex texlive-fonts-recommended "
               "texlive-plain-generic pandoc; macOS: MacTeX and pandoc; Windows: MiKTeX and pandoc)")
    else:
        try:
            copy = _write_copy(notebook, "pdf")
        except Exception as error:  # LaTeX could not read something in the notebook
            why = (f"LaTeX failed on this notebook ({_latex_error(error)}); for a PDF, fix that "
                   "(often a $...$ formula in a markdown cell)")
    if copy is None:
        copy = _write_copy(notebook, "html")
    grader.export(notebook, pdf=False, files=[copy])
    if why:
        print(f"No PDF was made because {why}, so your zip holds {copy} instead: upload it as it is, "
              "or run this cell again after the fix.")
    if not saved:
        print(f"This cell could not save the notebook itself, so the zip holds {notebook} as you last "
              f"saved it ({time.strftime('%H:%M', time.localtime(os.path.getmtime(notebook)))}); if "
              "that is not your latest work, save (Ctrl-S) and run this cell again.")


_export()
'''

EXPORT_CELL_SOURCE = EXPORT_HELPERS + EXPORT_MAIN

INIT_CELL_SOURCE = '''\
# Set-up of the checks: run this cell first. It needs the otter-grader package (see Setup at
# the top) and this notebook saved as {name} next to train_mnist.npz.
try:
    import otter
    grader = otter.Notebook("{name}")
except (ImportError, OSError, ValueError) as _error:
    if isinstance(_error, ImportError):
        _why = (f"The checks cannot run because otter-grader cannot be imported ({{_error}}): install "
                "it with pip install -r requirements.txt in this folder (or %pip install "
                "otter-grader in a cell), restart the kernel and run this cell again.")
    else:
        _why = ("The checks cannot run because this notebook is not saved as {name} in this "
                "folder: rename it to {name} (File > Rename Notebook), keep it next to "
                "train_mnist.npz and run this cell again.")

    class _NoChecks:
        """Stands in for otter's grader: every check repeats why it cannot run."""

        def check(self, *args, **kwargs):
            print(_why)

        export = check

    grader = _NoChecks()
    print(_why)
'''

#: The notebook name in a set-up cell's ``otter.Notebook("name.ipynb")`` (ours or otter's), group 1.
NOTEBOOK_CALL = re.compile(r"""otter\.Notebook\(\s*(?:nb_path\s*=\s*)?["']([\w.\- ]+\.ipynb)["']""")
GENERATED_INIT = re.compile(r"""^(?:#[^\n]*\n)*import otter\s*\ngrader = otter\.Notebook\(["'](?P<name>[\w.\- ]+\.ipynb)["']\)\s*$""")


def init_cell_source(generated: str) -> str | None:
    """The robust set-up cell for otter's generated one (None if ``generated`` is not it)."""
    match = GENERATED_INIT.match(generated.strip())
    return INIT_CELL_SOURCE.format(name=match["name"]) if match else None
