"""Which notebooks to read, and reading one from an ``.ipynb`` or an otter export ``.zip``.

The folder rules (and the student id = file stem) are the grader's own
(:func:`grader.grade.discover.discover`), so that ``grade``, ``export`` and ``answers``
agree on who is who.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from grader.errors import GraderError
from grader.grade.check import check_submission, read_submission
from grader.grade.discover import SUFFIXES, discover, student_ids


def find_inputs(path: Path) -> list[tuple[str, Path]]:
    """``(student id, file)`` for one notebook/zip, or for every one directly in a folder."""
    if path.is_dir():
        found = [(sub.id, sub.path) for sub in discover(path)]
        if not found:
            raise GraderError(f"no .ipynb or .zip files directly in {path}; "
                              "pass the folder that holds the submissions")
        return found
    if not path.is_file():
        raise GraderError(f"{path} does not exist; pass a notebook, an otter zip or a folder")
    if path.suffix not in SUFFIXES:
        raise GraderError(f"{path.name} is neither .ipynb nor .zip; pass a notebook or an otter zip")
    return [(student_ids([path.stem])[path.stem][0], path)]


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """The notebook in ``path`` (the one ``.ipynb`` at the top of a zip); GraderError if unreadable."""
    problem = check_submission(path)
    if problem is not None:
        raise GraderError(problem[1])
    return nbformat.reads(read_submission(path)[1].decode("utf-8"), as_version=4)
