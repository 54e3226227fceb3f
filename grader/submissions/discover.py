"""Find the submissions in a folder and give each a student id.

Rules (shown in ``--help``):

* every ``*.ipynb`` and every ``*.zip`` directly in the folder is a submission (hidden
  files, starting with ``.``, are ignored); sub-folders are not searched;
* the student id is the file name without its extension (``alice.ipynb`` -> ``alice``;
  an otter export ``hw_2024_05_01T10_00_00.zip`` keeps its stem as is);
* duplicates (the same id as ``.ipynb`` and ``.zip``): the newest file by modification
  time is graded, ties go to the ``.ipynb``; the row's ``detail`` names the file skipped;
* nothing is followed or opened here except regular files: a symbolic link, FIFO or
  folder named like a submission is listed (it gets a row) and rejected by
  :func:`~.validate.check_submission`; its fingerprint is its kind, not its target;
* ids are clean text (:func:`grader.textsafe.clean_text`): a file stem that is not (invalid
  UTF-8, control characters), or that is the reserved id ``POINTS POSSIBLE`` (the
  gradebook's first row), gets ``~`` and a hash of the stem, and the row's detail says so.

``grade`` grades :func:`discover`'s list; ``export`` and ``answers`` take :func:`find_inputs`
(the same ids, or one file given alone), so the three verbs agree on who is who.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import stat
from pathlib import Path

from grader import readback
from grader.errors import GraderError
from grader.submissions.validate import special_kind
from grader.textsafe import clean_text, short_hash

SUFFIXES = (".ipynb", ".zip")
RESERVED_IDS = ("POINTS POSSIBLE",)  # the gradebook's first row
ID_CHARS = 255  # longest id kept as is (a file name has at most 255 bytes)


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


def fingerprint(path: Path) -> str:
    """sha256 of a regular file's bytes (read without following links); for anything else
    the sha256 of what it is ("a FIFO", ...), so that it is never opened."""
    try:
        kind = special_kind(os.lstat(path).st_mode)
    except OSError as exc:
        kind = f"unreadable ({exc.strerror})"
    f = None if kind is not None else readback.open_regular(path, 1 << 62, strict=False)
    if f is None:
        return hashlib.sha256(f"not a regular file: {kind}".encode()).hexdigest()
    digest = hashlib.sha256()
    with f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def newest(paths: list[Path]) -> Path:
    """The newest regular file of ``paths`` (else the newest of them), ties to the ``.ipynb``."""
    return max(paths, key=lambda p: (stat.S_ISREG(p.lstat().st_mode), p.lstat().st_mtime,
                                     p.suffix == ".ipynb", p.name))


def _reserved(sid: str) -> bool:
    return sid.strip().casefold() in {r.casefold() for r in RESERVED_IDS}


def student_ids(stems: list[str]) -> dict[str, tuple[str, str]]:
    """File stem -> ``(id, note)``: the stem itself when it is clean text and not reserved;
    else its cleaned form + ``~`` + a hash of the stem, unique among all ids, and a note."""
    ids = {stem: (stem, "") for stem in stems if clean_text(stem, ID_CHARS) == stem and not _reserved(stem)}
    taken = {sid for sid, _ in ids.values()}
    for stem in sorted(set(stems) - set(ids)):
        sid = f"{clean_text(stem, ID_CHARS)}~{short_hash(stem)}"
        while sid in taken:
            sid = f"{sid}~{short_hash(sid)}"
        why = ("is reserved for the gradebook's last row" if _reserved(stem) else
               "is not plain text (invalid UTF-8 or control characters) or too long")
        ids[stem] = (sid, f"the file name {clean_text(stem, 80)!r} {why}: id renamed {sid!r}")
        taken.add(sid)
    return ids


def discover(folder: Path) -> list[Submission]:
    """All submissions in ``folder``, one per id, sorted by id."""
    by_stem: dict[str, list[Path]] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix in SUFFIXES and not path.name.startswith("."):
            by_stem.setdefault(path.stem, []).append(path)
    ids = student_ids(list(by_stem))
    found = []
    for stem, paths in by_stem.items():
        chosen = newest(paths)
        skipped = [clean_text(p.name, 200) for p in paths if p != chosen]
        note = (f"duplicate id: graded newest {clean_text(chosen.name, 200)}, skipped {', '.join(skipped)}"
                if skipped else "")
        sid, renamed = ids[stem]
        found.append(Submission(id=sid, path=chosen, sha256=fingerprint(chosen),
                                note="; ".join(x for x in (renamed, note) if x)))
    return sorted(found, key=lambda s: s.id)


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
