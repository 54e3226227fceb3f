"""The last cell of the student notebook: export the submission zip.

``EXPORT_CELL_SOURCE`` runs in the student's kernel, where only numpy, matplotlib,
scikit-learn and otter-grader (with its nbconvert) are installed and where the notebook
has already made ``grader = otter.Notebook(...)``. It asks otter for a zip holding the
notebook and its PDF (nbconvert's LaTeX path, offline). When xelatex or pandoc is missing
it still writes the zip, with an HTML rendering of the notebook in place of the PDF, and
says in one sentence what is missing and how to install it.

The master notebook's last cell must be exactly this text (a test compares them).
"""

EXPORT_CELL_SOURCE = '''\
# Submission: save the notebook (Ctrl-S), then run this cell. It writes a zip holding this
# notebook and a PDF of it (an HTML copy if your computer has no TeX); upload that zip.
import shutil

_missing = [tool for tool in ("xelatex", "pandoc") if shutil.which(tool) is None]
if not _missing:
    grader.export(pdf=True, filtering=False)
else:
    import os
    from nbconvert import HTMLExporter

    _notebook = grader._resolve_nb_path(None)  # the notebook otter puts in the zip
    _html_path = os.path.splitext(_notebook)[0] + ".html"
    with open(_html_path, "w", encoding="utf-8") as _f:
        _f.write(HTMLExporter().from_filename(_notebook)[0])
    grader.export(pdf=False, files=[_html_path])
    print(f"No PDF was made because {' and '.join(_missing)} cannot be found, so your zip holds "
          f"{_html_path} instead; for a PDF, install TeX and pandoc (Debian/Ubuntu: sudo apt-get "
          "install texlive-xetex texlive-fonts-recommended texlive-plain-generic pandoc; macOS: "
          "MacTeX and pandoc; Windows: MiKTeX and pandoc) and run this cell again.")
'''
