"""Validate and read a submission file BEFORE running anything: is it a notebook at all, and a valid one?

The ONE place that finds the notebook inside an otter export zip (:func:`read_submission`);
``grade`` validates with :func:`check_submission`, ``export`` and ``answers`` read with
:func:`read_notebook`.

Returns ``None`` for a runnable submission, else ``(status, one-line reason)`` with status
``not-a-notebook`` (empty, binary, a PDF, a zip without exactly one notebook, or not a
regular file: a symbolic link is never followed, a FIFO or folder never opened),
``too-large`` (a notebook over :data:`NOTEBOOK_BYTES`, also once inflated from a zip, or a
zip over :data:`ZIP_BYTES` or :data:`ZIP_MEMBERS` members) or ``invalid-notebook``
(broken JSON, or JSON that nbformat rejects). Every read is bounded BEFORE it allocates
(:mod:`grader.readback`).
"""

from __future__ import annotations

import json
import os
import stat
import zipfile
from pathlib import Path

import nbformat

from grader import readback
from grader.errors import GraderError

NOT_A_NOTEBOOK = "not-a-notebook"
INVALID = "invalid-notebook"
TOO_LARGE = "too-large"
NOTEBOOK_BYTES = 50 << 20  # a notebook file, or the notebook inflated from an export zip
ZIP_BYTES = 100 << 20  # an export zip on disk
ZIP_MEMBERS = 1000  # files in an export zip
KINDS = ((stat.S_ISLNK, "a symbolic link (not followed)"), (stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"),
         (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))


class Refused(Exception):
    """A submission that cannot be read as a notebook; ``problem`` is ``(status, reason)``."""

    def __init__(self, status: str, reason: str):
        super().__init__(reason)
        self.problem = (status, reason)


def special_kind(mode: int) -> str | None:
    """What a file of ``mode`` (from ``lstat``) is when not a regular file ("a FIFO", ...); None if regular."""
    if stat.S_ISREG(mode):
        return None
    return next((what for test, what in KINDS if test(mode)), "not a regular file")


def _too_large(what: str, limit: int) -> Refused:
    return Refused(TOO_LARGE, f"{what} is larger than the {limit >> 20} MB limit; "
                              "clear the notebook's outputs (Kernel > Restart & Clear Output), save and resubmit")


def _zip_notebook(path: Path, f) -> tuple[str, bytes]:
    """``(where, bytes)`` of the one top-level notebook in the zip open as ``f``, inflated with a budget."""
    if not readback.zip_members_at_most(f, ZIP_MEMBERS):
        raise Refused(TOO_LARGE, f"{path.name} holds more than {ZIP_MEMBERS} files; an otter export zip "
                                 "holds the notebook and a few files")
    f.seek(0)
    if not zipfile.is_zipfile(f):
        raise Refused(NOT_A_NOTEBOOK, f"{path.name} is not a readable zip file")
    with zipfile.ZipFile(f) as zf:
        notebooks = [i for i in zf.infolist() if i.filename.endswith(".ipynb") and "/" not in i.filename]
        if len(notebooks) != 1:
            raise Refused(NOT_A_NOTEBOOK, f"{path.name} holds {len(notebooks)} notebooks at its top level; "
                                          "an otter export zip holds exactly one")
        where = f"{path.name}:{notebooks[0].filename}"
        data = readback.read_member(zf, notebooks[0], NOTEBOOK_BYTES)
    if data is None:
        raise _too_large(where, NOTEBOOK_BYTES)
    return where, data


def read_submission(path: Path) -> tuple[str, bytes]:
    """``(where, notebook bytes)`` of an ``.ipynb`` or of the one notebook at the top of an
    otter export ``.zip``, read with every limit above; raises :class:`Refused`."""
    try:
        st = os.lstat(path)
    except OSError as exc:
        raise Refused(NOT_A_NOTEBOOK, f"{path.name} cannot be read ({exc.strerror})") from None
    kind = special_kind(st.st_mode)
    if kind is not None:
        raise Refused(NOT_A_NOTEBOOK, f"{path.name} is {kind}, not a notebook file; submit the file itself")
    limit = ZIP_BYTES if path.suffix == ".zip" else NOTEBOOK_BYTES
    if st.st_size > limit:
        raise _too_large(path.name, limit)
    f = readback.open_regular(path, limit, strict=False)
    if f is None:
        raise Refused(NOT_A_NOTEBOOK, f"{path.name} changed while it was read; grade it again")
    with f:
        if path.suffix == ".zip":
            return _zip_notebook(path, f)
        data = f.read(limit + 1)
    if len(data) > limit:
        raise _too_large(path.name, limit)
    return path.name, data


def check_notebook_bytes(data: bytes, where: str) -> tuple[str, str] | None:
    """Check the bytes of one ``.ipynb`` (``where`` names it in the reason)."""
    if not data.strip():
        return NOT_A_NOTEBOOK, f"{where} is empty"
    if data.lstrip()[:1] != b"{":
        kind = "a PDF" if data.startswith(b"%PDF") else "not JSON text"
        return NOT_A_NOTEBOOK, f"{where} is {kind}, not a Jupyter notebook"
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    except (UnicodeDecodeError, json.JSONDecodeError, nbformat.reader.NotJSONError) as exc:
        return INVALID, f"{where} is not valid JSON ({str(exc).splitlines()[0][:120]})"
    except Exception as exc:  # nbformat raises several types for malformed notebooks
        return INVALID, f"{where} is not a notebook nbformat can read ({str(exc).splitlines()[0][:120]})"
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        return INVALID, f"{where} breaks the notebook format: {exc.message[:120]}"
    return None


def check_submission(path: Path) -> tuple[str, str] | None:
    """Check an ``.ipynb`` or an otter export ``.zip`` (which must hold exactly one notebook)."""
    try:
        where, data = read_submission(path)
    except Refused as refused:
        return refused.problem
    except Exception as exc:  # noqa: BLE001 - zipfile raises many types for broken archives
        return NOT_A_NOTEBOOK, f"{path.name} cannot be read ({type(exc).__name__}: {str(exc)[:120]})"
    return check_notebook_bytes(data, where)


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """The notebook in ``path`` (the one ``.ipynb`` at the top of a zip); GraderError if unreadable."""
    problem = check_submission(path)
    if problem is not None:
        raise GraderError(problem[1])
    return nbformat.reads(read_submission(path)[1].decode("utf-8"), as_version=4)
