"""Integrity signals of a whole batch: the static check of every submission, then similarity.

Used by ``mlp-course grade`` (the gradebook's ``integrity`` column) and ``mlp-course integrity``
(alone). Steps, in order:

1. the given code (:func:`given_notebook`): the built student notebook passed as the boilerplate,
   else the code cells that at least half of the submissions share verbatim, or two share still
   unanswered (and a note says so);
   the policy comes from that notebook's metadata (:func:`.integrity.policy_of`);
2. read each submission's notebook (:func:`.validate.read_notebook`, never run); one that cannot be
   read gets no code and a note;
3. static check per submission (:mod:`.integrity`), ``lib:`` codes;
4. similarity over all readable submissions (:mod:`.similarity`), ``sim:`` codes on both ids of a
   pair, and the side-by-side HTML;
5. :func:`write_csv`: ``integrity.csv`` (id, integrity, details) for the instructor.

Both verbs call :func:`checked_options` before anything is written, then :func:`write_batch`.

Codes are signals: nothing here changes a score.
"""

from __future__ import annotations

import collections
import csv
import dataclasses
import io
import re
from pathlib import Path

import nbformat

from grader import atomic
from grader.errors import GraderError
from grader.submissions import integrity, similarity
from grader.submissions.validate import read_notebook
from grader.textsafe import csv_row

HTML_NAME, CSV_NAME = "similarity.html", "integrity.csv"
#: Longest code compared (a whole submission is about 20 000 characters); beyond it, the start only.
MAX_CODE_CHARS = 300_000


@dataclasses.dataclass
class BatchIntegrity:
    """Codes and human-readable details per id, the flagged pairs, and notes for the instructor."""

    codes: dict[str, tuple[str, ...]]
    details: dict[str, list[str]]
    pairs: list[similarity.Pair]
    threshold: float
    notes: list[str] = dataclasses.field(default_factory=list)
    html: Path | None = None


def join_codes(*groups) -> str:
    """Codes of every group (strings of space-separated codes, or sequences), each once, space-joined."""
    codes = []
    for group in groups:
        codes += group.split() if isinstance(group, str) else list(group or ())
    return " ".join(dict.fromkeys(codes))


def given_notebook(boilerplate: Path | None) -> nbformat.NotebookNode | None:
    """The boilerplate notebook, or None; GraderError (one line) when it cannot be read."""
    if boilerplate is None:
        return None
    try:
        return nbformat.read(boilerplate, as_version=4)
    except (OSError, ValueError, nbformat.reader.NotJSONError) as exc:
        raise GraderError(f"--boilerplate {boilerplate}: not a readable notebook ({type(exc).__name__}); "
                          "pass the student notebook built by `mlp-course build` (dist/student/<name>.ipynb)") from None


UNANSWERED = re.compile(r"(^|=)\s*\.\.\.\s*$", re.M)  # a line `...` or `x = ...`: a template not filled in


def _shared_cells(notebooks: list[nbformat.NotebookNode]) -> nbformat.NotebookNode:
    """A notebook of the code cells held verbatim by at least half of ``notebooks`` (and 2), or by
    2 or more when still unanswered (:data:`UNANSWERED`): the given code, as far as it shows."""
    counts = collections.Counter(src for nb in notebooks
                                 for src in {c.source.strip() for c in nb.cells if c.cell_type == "code"})
    need = max(2, (len(notebooks) + 1) // 2)
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s, n in counts.items()
                                           if n >= need or (n >= 2 and UNANSWERED.search(s))])


def checked_options(boilerplate, threshold: float) -> Path | None:
    """``boilerplate`` as a Path (None stays None) once both options are valid; ``GraderError``
    (one line) for a threshold outside (0, 1] or a boilerplate file that does not exist."""
    if not 0 < threshold <= 1:
        raise GraderError(f"--similarity-threshold {threshold}: give a share of tokens in (0, 1], such as 0.5")
    if boilerplate is not None and not Path(boilerplate).is_file():
        raise GraderError(f"--boilerplate {boilerplate} does not exist; pass the student notebook built by "
                          "`mlp-course build` (dist/student/<name>.ipynb)")
    return None if boilerplate is None else Path(boilerplate)


def write_batch(submissions: list[tuple[str, Path]], out: Path, *, boilerplate: Path | None,
                threshold: float) -> BatchIntegrity:
    """:func:`check_batch` of ``submissions`` (``(id, file)``, options already checked by
    :func:`checked_options`), written as ``out/integrity.csv`` and ``out/similarity.html``."""
    result = check_batch(submissions, boilerplate=boilerplate, threshold=threshold, html=out / HTML_NAME)
    write_csv(out / CSV_NAME, result, [sid for sid, _ in submissions])
    return result


def check_batch(submissions: list[tuple[str, Path]], *, boilerplate: Path | None = None,
                threshold: float = similarity.DEFAULT_THRESHOLD, html: Path | None = None) -> BatchIntegrity:
    """Static check and similarity of ``submissions`` (``(id, file)``), in the steps of the module doc."""
    given = given_notebook(boilerplate)
    policy = integrity.policy_of(given)
    notebooks, notes, details = {}, [], {}
    for sid, path in submissions:
        try:
            notebooks[sid] = read_notebook(path)
        except GraderError as exc:
            details[sid] = [f"not checked: {exc}"]
        except Exception as exc:  # noqa: BLE001 - one unreadable file never stops the class
            details[sid] = [f"not checked: {path.name} cannot be read ({type(exc).__name__})"]
    if given is None:
        given = _shared_cells(list(notebooks.values()))
        notes.append("similarity: no --boilerplate notebook; the code cells most submissions share "
                     "were taken as the given code")
    codes = {}
    for sid, nb in list(notebooks.items()):
        try:
            findings = integrity.static_findings(nb, policy)
        except Exception as exc:  # noqa: BLE001 - RecursionError/MemoryError from a pathological cell, ...
            details[sid] = [f"not checked: its code cannot be parsed ({type(exc).__name__})"]
            del notebooks[sid]
            continue
        codes[sid] = integrity.codes_of(findings)
        details[sid] = [f.describe() for f in findings]
    texts = {sid: similarity.student_code(nb, given) for sid, nb in notebooks.items()}
    for sid, text in texts.items():
        if len(text) > MAX_CODE_CHARS:
            texts[sid] = text[:MAX_CODE_CHARS]
            details[sid].append(f"compared on its first {MAX_CODE_CHARS} characters of code only")
    try:
        pairs, _ = similarity.similar_pairs(texts, similarity.given_code(given), threshold=threshold, html=html)
    except Exception as exc:  # noqa: BLE001 - a signal: never worth losing the grading over
        pairs, html = [], None
        notes.append(f"similarity: not computed ({type(exc).__name__}: {str(exc)[:200]}); the lib: codes stand")
    for sid, sim in similarity.codes_by_id(pairs).items():
        codes[sid] = codes.get(sid, ()) + sim
    return BatchIntegrity(codes=codes, details=details, pairs=pairs, threshold=threshold, notes=notes,
                          html=html)


def write_csv(path: Path, result: BatchIntegrity, ids: list[str]) -> None:
    """``integrity.csv``: one row per id (``id, integrity, details``), atomically."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["id", "integrity", "details"], lineterminator="\n")
    writer.writeheader()
    for sid in ids:
        pairs = [f"similar to {p.b if p.a == sid else p.a} ({p.score:.2f})" for p in result.pairs if sid in (p.a, p.b)]
        writer.writerow(csv_row({"id": sid, "integrity": join_codes(result.codes.get(sid, ())),
                                 "details": "; ".join(result.details.get(sid, []) + pairs)}))
    atomic.write_text(path, buffer.getvalue())
