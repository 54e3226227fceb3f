"""Similarity between submissions: MOSS-style fingerprints of each student's own code, by ``copydetect``.

Steps, in order:

1. :func:`student_code` -- a submission's code cells joined into one Python text, without the
   ``grader.check`` cells and without any cell identical to a cell of the given notebook;
2. :func:`similar_pairs` -- copydetect tokenises each text (names become ``V``/``F``, strings ``S``,
   so renamed variables do not hide a copy), winnows k-gram hashes and drops every hash that also
   occurs in the given code (the boilerplate: the built student notebook's code, so function
   signatures, docstrings and helper cells the students all received never make two of them
   similar); then every pair is compared (hashes are order-free, so reordered functions do not
   hide a copy either);
3. a pair's score is the larger of its two overlaps (the share of one submission's own tokens
   found in the other), so a submission copied into a longer one is found too; pairs at or above
   the threshold are returned, and copydetect's side-by-side HTML of them is written.

A submission with fewer than :data:`MIN_TOKENS` tokens of its own (nothing written beyond the
given code) is compared with nobody: two untouched notebooks are not "similar".
"""

from __future__ import annotations

import dataclasses
import logging
import re
import tempfile
from pathlib import Path

import nbformat

from grader import atomic
from grader.textsafe import safe_stem

#: Default threshold. Measured on the three independent solutions of tests/submissions/integrity_notebooks.py
#: (pairs 0.09-0.20), a renamed + reordered copy (1.00), and one solution with 1, 2, 3 of its 8 answers
#: (feedforward, backpropagation, train_NNet) pasted from another: 0.24, 0.46, 0.66.
DEFAULT_THRESHOLD = 0.5
#: Fewest tokens (after the boilerplate is removed) a submission needs to be compared at all.
MIN_TOKENS = 60
NOISE_T, GUARANTEE_T = 25, 30  # copydetect's defaults: k-gram length and winnowing guarantee (characters)
CHECK_CELL = re.compile(r"^\s*grader\.check\(\s*[\"']\w+[\"']\s*\)\s*$")


@dataclasses.dataclass(frozen=True)
class Pair:
    """Two submissions (ids in sorted order) and their similarity score in [0, 1]."""

    a: str
    b: str
    score: float

    @property
    def code(self) -> str:
        """The gradebook code, ``sim:alice,bob(0.91)``."""
        return f"sim:{self.a},{self.b}({self.score:.2f})"


def _code_cells(nb: nbformat.NotebookNode) -> list[str]:
    return [c.source.strip() for c in nb.cells if c.cell_type == "code" and c.source.strip()]


def given_code(nb: nbformat.NotebookNode | None) -> str:
    """All code cells of the given (student) notebook, the boilerplate; "" without one."""
    return "\n\n".join(_code_cells(nb)) if nb is not None else ""


def student_code(nb: nbformat.NotebookNode, given: nbformat.NotebookNode | None = None) -> str:
    """The code cells of a submission, except ``grader.check`` cells and cells identical to a given one."""
    skip = set(_code_cells(given)) if given is not None else set()
    return "\n\n".join(src for src in _code_cells(nb) if src not in skip and not CHECK_CELL.match(src))


def _detector(folder: Path, html: Path, threshold: float):
    import copydetect  # imported here: only this step needs it (and matplotlib through it)

    logging.getLogger().setLevel(max(logging.getLogger().level, logging.ERROR))  # copydetect logs every skip
    return copydetect.CopyDetector(test_dirs=[str(folder / "code")], boilerplate_dirs=[str(folder / "given")],
                                   extensions=["py"], noise_t=NOISE_T, guarantee_t=GUARANTEE_T,
                                   display_t=threshold, autoopen=False, silent=True, out_file=str(html),
                                   force_language="python")


def _write_inputs(folder: Path, codes: dict[str, str], boilerplate: str) -> dict[str, str]:
    """Write one ``.py`` per submission (and the boilerplate); returns file path -> id."""
    (folder / "code").mkdir()
    (folder / "given").mkdir()
    (folder / "given" / "given.py").write_text(boilerplate or "\n", encoding="utf-8")
    files = {}
    for sid, code in codes.items():
        path = folder / "code" / f"{safe_stem(sid)}.py"
        path.write_text(code or "\n", encoding="utf-8")
        files[str(path)] = sid
    return files


def similar_pairs(codes: dict[str, str], boilerplate: str = "", *, threshold: float = DEFAULT_THRESHOLD,
                  html: Path | None = None) -> tuple[list[Pair], list[Pair]]:
    """``(flagged, all_pairs)`` over ``codes`` (id -> student code, :func:`student_code`), scores
    rounded to 2 decimals, highest first; ``flagged`` are those with score >= ``threshold``.
    With ``html``, copydetect's side-by-side report of the flagged pairs is written there (atomically)."""
    if len(codes) < 2:
        return [], []
    with tempfile.TemporaryDirectory(prefix="mlp-similarity-") as tmp:
        files = _write_inputs(Path(tmp), codes, boilerplate)
        detector = _detector(Path(tmp), Path(tmp) / "report.html", threshold)
        detector.run()
        pairs = _pairs(detector, files)
        flagged = [p for p in pairs if p.score >= threshold]
        if html is not None:
            detector.conf.display_t = min(threshold, 1.0) - 1e-9
            report = detector.generate_html_report(output_mode="return") or ""
            atomic.write_text(html, report.replace(str(Path(tmp) / "code") + "/", ""))  # file names, not paths
    return flagged, pairs


def _pairs(detector, files: dict[str, str]) -> list[Pair]:
    """Every compared pair once, its score = the larger of its two overlaps."""
    tokens = {f: d.token_coverage for f, d in detector.file_data.items()}
    matrix, names = detector.similarity_matrix, detector.test_files
    pairs = {}
    for i, fa in enumerate(names):
        for j, fb in enumerate(names):
            if j <= i or min(tokens.get(fa, 0), tokens.get(fb, 0)) < MIN_TOKENS or matrix[i, j, 0] < 0:
                continue
            a, b = sorted((files[fa], files[fb]))
            pairs[a, b] = Pair(a, b, round(float(max(matrix[i, j])), 2))
    return sorted(pairs.values(), key=lambda p: (-p.score, p.a, p.b))


def codes_by_id(pairs: list[Pair]) -> dict[str, tuple[str, ...]]:
    """Id -> the ``sim:`` codes of the flagged pairs it is part of."""
    found: dict[str, list[str]] = {}
    for pair in pairs:
        for sid in (pair.a, pair.b):
            found.setdefault(sid, []).append(pair.code)
    return {sid: tuple(codes) for sid, codes in found.items()}
