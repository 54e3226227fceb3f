"""Similarity between submissions: MOSS-style fingerprints of each student's own code, by ``copydetect``.

Steps, in order:

1. :func:`student_code` -- a submission's code cells joined into one Python text, without the
   ``grader.check`` cells and without any cell identical to a cell of the given notebook;
2. fingerprints (copydetect's ``CodeFingerprint``): the text is tokenised (names become ``V``/``F``,
   strings ``S``, so renamed variables do not hide a copy), its k-gram hashes are winnowed, and every
   hash that also occurs in the given code (the boilerplate: the built student notebook's code, so
   signatures, docstrings and helper cells all students received never make two of them similar)
   is dropped;
3. scores: a pair's score is the larger of its two containments, |shared hashes| / |own hashes|
   (hashes are order-free, so reordered functions do not hide a copy; the larger share finds a
   submission copied into a longer one); all pairs at once with one sparse matrix product, which is
   what keeps a class of 200 under a few seconds (``bench/bench_similarity.py``);
4. pairs at or above the threshold are returned, and copydetect's side-by-side HTML of the highest
   of them is written (its own per-side token shares, which are close to, not equal to, the score).

A submission with fewer than :data:`MIN_HASHES` fingerprints of its own (nothing written beyond the
given code) is compared with nobody: two untouched notebooks are not "similar".
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import re
import tempfile
import zlib
from pathlib import Path

import nbformat
import numpy as np
from scipy import sparse

from grader import atomic
from grader.textsafe import safe_stem

#: Default threshold. Measured on the three independent solutions of tests/submissions/integrity_notebooks.py
#: (pairs 0.02-0.10), a renamed + reordered copy (0.92), and one solution with 1, 2, 3 of its 8 answers
#: (feedforward, backpropagation, train_NNet) pasted from another: 0.18, 0.44, 0.64.
DEFAULT_THRESHOLD = 0.5
#: Fewest fingerprints (after the given code's are removed) a submission needs to be compared at all.
MIN_HASHES = 8
#: Most pairs shown side by side in the HTML (the highest scores; all are in the gradebook and CSV).
HTML_PAIRS = 100
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


def _write_inputs(folder: Path, codes: dict[str, str], boilerplate: str) -> dict[str, str]:
    """Write one ``.py`` per submission into ``folder/code`` and the boilerplate into
    ``folder/given``; returns file path -> id."""
    (folder / "code").mkdir()
    (folder / "given").mkdir()
    (folder / "given" / "given.py").write_text(boilerplate or "\n", encoding="utf-8")
    files = {}
    for sid, code in codes.items():
        path = folder / "code" / f"{safe_stem(sid)}.py"
        path.write_text(code or "\n", encoding="utf-8")
        files[str(path)] = sid
    return files


def _stable_kgrams(string: str, k: int) -> np.ndarray:
    """CRC-32 of every k-gram of ``string``: the same on every run (copydetect uses Python's
    ``hash()``, salted per process, so its winnowing, and the scores, would change between runs)."""
    data = string.encode("utf-32-le")  # 4 bytes a character: k-gram i is bytes [4i, 4(i + k))
    return np.array([zlib.crc32(data[4 * i:4 * (i + k)]) for i in range(len(string) - k + 1)], dtype=np.int64)


@contextlib.contextmanager
def _stable_hashes():
    """copydetect's fingerprints with :func:`_stable_kgrams` for the duration of the block."""
    from copydetect import utils

    saved, utils.hashed_kgrams = utils.hashed_kgrams, _stable_kgrams
    try:
        yield
    finally:
        utils.hashed_kgrams = saved


def _fingerprints(folder: Path, files: dict[str, str]) -> dict:
    """File -> copydetect ``CodeFingerprint`` (tokenised, winnowed, the given code's hashes removed)."""
    from copydetect.detector import CodeFingerprint  # imported here: only this step needs it

    with _stable_hashes():
        given = CodeFingerprint(str(folder / "given" / "given.py"), NOISE_T, 1, language="python").hashes
        boiler = np.array(sorted(given), dtype=np.int64)
        prints = {}
        for f in files:
            fp = CodeFingerprint(f, NOISE_T, GUARANTEE_T - NOISE_T + 1, boiler, language="python")
            fp.hashes = fp.hashes - given  # copydetect keeps a repeated boilerplate hash once
            prints[f] = fp
    return prints


def _scores(prints: dict, order: list[str]) -> np.ndarray:
    """Pairwise scores (len(order) x len(order)): the larger of the two shares of own hashes in common."""
    columns: dict[int, int] = {}
    rows, cols = [], []
    for i, f in enumerate(order):
        for h in prints[f].hashes:
            rows.append(i)
            cols.append(columns.setdefault(h, len(columns)))
    matrix = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(order), max(1, len(columns))))
    shared = (matrix @ matrix.T).toarray()
    sizes = np.maximum(np.diag(shared), 1)
    return np.maximum(shared / sizes[:, None], shared / sizes[None, :])


def similar_pairs(codes: dict[str, str], boilerplate: str = "", *, threshold: float = DEFAULT_THRESHOLD,
                  html: Path | None = None) -> tuple[list[Pair], list[Pair]]:
    """``(flagged, all_pairs)`` over ``codes`` (id -> student code, :func:`student_code`), scores
    rounded to 2 decimals, highest first; ``flagged`` are those with score >= ``threshold``.
    With ``html``, copydetect's side-by-side report of the :data:`HTML_PAIRS` highest flagged pairs
    is written there (atomically)."""
    if len(codes) < 2:
        return [], []
    with tempfile.TemporaryDirectory(prefix="mlp-similarity-") as tmp:
        files = _write_inputs(Path(tmp), codes, boilerplate)
        prints = _fingerprints(Path(tmp), files)
        order = [f for f in files if len(prints[f].hashes) >= MIN_HASHES]
        scores = _scores(prints, order) if len(order) >= 2 else np.zeros((len(order), len(order)))
        pairs = sorted((Pair(*sorted((files[order[i]], files[order[j]])), round(float(scores[i, j]), 2))
                        for i in range(len(order)) for j in range(i + 1, len(order))),
                       key=lambda p: (-p.score, p.a, p.b))
        flagged = [p for p in pairs if p.score >= threshold]
        if html is not None:
            by_id = {sid: f for f, sid in files.items()}
            shown = [(by_id[p.a], by_id[p.b]) for p in flagged[:HTML_PAIRS]]
            page = _offline(_html(Path(tmp), prints, shown)).replace(str(Path(tmp) / "code") + "/", "")
            atomic.write_text(html, page)
    return flagged, pairs


def _html(folder: Path, prints: dict, shown: list[tuple[str, str]]) -> str:
    """copydetect's report of exactly the pairs ``shown`` (its own per-side token shares)."""
    import copydetect

    logging.getLogger().setLevel(max(logging.getLogger().level, logging.ERROR))  # copydetect logs every skip
    names = sorted({f for pair in shown for f in pair}) or sorted(prints)[:1]
    detector = copydetect.CopyDetector(test_dirs=[str(folder / "given")], boilerplate_dirs=[str(folder / "given")],
                                       extensions=["py"], noise_t=NOISE_T, guarantee_t=GUARANTEE_T,
                                       display_t=0.0, autoopen=False, silent=True, force_language="python")
    detector.test_files, detector.ref_files = names, names
    detector.file_data = {f: prints[f] for f in names}
    index = {f: i for i, f in enumerate(names)}
    detector.similarity_matrix = np.full((len(names), len(names), 2), -1.0)
    detector.token_overlap_matrix = np.full((len(names), len(names)), -1)
    for a, b in shown:  # these pairs only: comparing all of their files with each other is quadratic
        overlap, shares, slices = copydetect.compare_files(prints[a], prints[b])
        detector.similarity_matrix[index[a], index[b]] = shares
        detector.token_overlap_matrix[index[a], index[b]] = overlap
        detector.slice_matrix[a, b] = list(slices)
    return detector.generate_html_report(output_mode="return") or ""


CDN_TAG = re.compile(r"<(link|script)\b[^>]*https?://[^>]*>(\s*</script>)?", re.I)
#: copydetect's template styles itself with Bootstrap from a CDN; this keeps it readable offline:
#: the two sides of a pair next to each other, every pair open (no collapse script).
OFFLINE_CSS = ("<style>.row{display:flex;gap:1em}.col,.col3{flex:1;min-width:0}.code-display{overflow-x:auto}"
               ".btn{border:0;background:none;font-weight:bold;padding:0}</style>")


def _offline(page: str) -> str:
    """``page`` without anything fetched from the network (student code is shown; no third party is told)."""
    return CDN_TAG.sub("", page).replace("</head>", OFFLINE_CSS + "</head>", 1)


def codes_by_id(pairs: list[Pair]) -> dict[str, tuple[str, ...]]:
    """Id -> the ``sim:`` codes of the flagged pairs it is part of."""
    found: dict[str, list[str]] = {}
    for pair in pairs:
        for sid in (pair.a, pair.b):
            found.setdefault(sid, []).append(pair.code)
    return {sid: tuple(codes) for sid, codes in found.items()}
