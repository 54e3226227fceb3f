"""Find the submissions in a folder and give each a student id.

Rules (shown in ``--help``):

* every ``*.ipynb`` and every ``*.zip`` directly in the folder is a submission (hidden
  files, starting with ``.``, are ignored); sub-folders are not searched;
* the student id is the file name without its extension (``alice.ipynb`` -> ``alice``;
  an otter export ``hw_2024_05_01T10_00_00.zip`` keeps its stem as is);
* duplicates (the same id as ``.ipynb`` and ``.zip``): the newest file by modification
  time is graded, ties go to the ``.ipynb``; the row's ``detail`` names the file skipped.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

SUFFIXES = (".ipynb", ".zip")


@dataclasses.dataclass(frozen=True)
class Submission:
    """One student's file to grade; ``note`` explains a duplicate choice ("" otherwise)."""

    id: str
    path: Path
    sha256: str
    note: str = ""


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _newest(paths: list[Path]) -> Path:
    return max(paths, key=lambda p: (p.stat().st_mtime, p.suffix == ".ipynb", p.name))


def discover(folder: Path) -> list[Submission]:
    """All submissions in ``folder``, one per id, sorted by id."""
    by_id: dict[str, list[Path]] = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix in SUFFIXES and not path.name.startswith("."):
            by_id.setdefault(path.stem, []).append(path)
    found = []
    for sid, paths in sorted(by_id.items()):
        chosen = _newest(paths)
        skipped = [p.name for p in paths if p != chosen]
        note = (f"duplicate id: graded newest {chosen.name}, skipped {', '.join(skipped)}"
                if skipped else "")
        found.append(Submission(id=sid, path=chosen, sha256=sha256_of(chosen), note=note))
    return found
