"""Reading a ``gradebook.csv`` (written by :func:`grader.grade.record.write_gradebook`).

A layer of its own so that what checks a gradebook (``build``'s sample verifier, the tests)
need not import the ``grade`` verb.
"""

from __future__ import annotations

import csv
from pathlib import Path


def read_gradebook(path) -> dict[str, dict]:
    """The rows of a ``gradebook.csv`` by id, in file order (``POINTS POSSIBLE`` first, as
    ``grade`` writes it); every cell is text, as in the file (strict UTF-8)."""
    with Path(path).open(newline="", encoding="utf-8") as f:
        return {row["id"]: row for row in csv.DictReader(f)}
