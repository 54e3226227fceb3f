"""Check a submission file BEFORE running anything: is it a notebook at all, and a valid one?

Returns ``None`` for a runnable submission, else ``(status, one-line reason)`` with status
``not-a-notebook`` (empty, binary, a PDF, a zip without exactly one notebook) or
``invalid-notebook`` (broken JSON, or JSON that nbformat rejects).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import nbformat

NOT_A_NOTEBOOK = "not-a-notebook"
INVALID = "invalid-notebook"


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
    if path.suffix != ".zip":
        return check_notebook_bytes(path.read_bytes(), path.name)
    if not zipfile.is_zipfile(path):
        return NOT_A_NOTEBOOK, f"{path.name} is not a readable zip file"
    with zipfile.ZipFile(path) as zf:
        notebooks = [n for n in zf.namelist() if n.endswith(".ipynb") and "/" not in n]
        if len(notebooks) != 1:
            return NOT_A_NOTEBOOK, (f"{path.name} holds {len(notebooks)} notebooks at its top level; "
                                    "an otter export zip holds exactly one")
        return check_notebook_bytes(zf.read(notebooks[0]), f"{path.name}:{notebooks[0]}")
