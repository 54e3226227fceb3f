"""``mlp-course integrity``: the integrity signals of a folder of submissions, without grading.

Steps: discover the submissions (:mod:`grader.submissions.discover`, the ids ``grade`` uses),
then :func:`grader.submissions.integrity_batch.check_batch` (static check of Q2-Q12, similarity
of every pair), then write ``OUT/integrity.csv`` and ``OUT/similarity.html``. Nothing is executed
and nothing is scored: the codes are for the instructor to look at.
"""

from __future__ import annotations

from pathlib import Path

from grader.errors import GraderError
from grader.submissions import integrity_batch
from grader.submissions.discover import find_inputs
from grader.submissions.similarity import DEFAULT_THRESHOLD


def main(submissions_dir, *, out, boilerplate=None, threshold: float = DEFAULT_THRESHOLD) -> dict:
    """Check every submission of ``submissions_dir``; writes ``out/integrity.csv`` and
    ``out/similarity.html``; returns ``{"result": BatchIntegrity, "csv": path, "ids": [...]}``."""
    submissions_dir, out = Path(submissions_dir), Path(out)
    if not submissions_dir.is_dir():
        raise GraderError(f"submissions folder {submissions_dir} does not exist or is not a folder; "
                          "pass the folder holding the students' .ipynb/.zip files")
    if out.exists() and not out.is_dir():
        raise GraderError(f"output {out} is a file; pass a folder (it is created if missing) with -o")
    if not 0 < threshold <= 1:
        raise GraderError(f"--similarity-threshold {threshold}: give a share of tokens in (0, 1], such as 0.5")
    inputs = find_inputs(submissions_dir)
    result = integrity_batch.check_batch(inputs, boilerplate=Path(boilerplate) if boilerplate else None,
                                         threshold=threshold, html=out / integrity_batch.HTML_NAME)
    csv_path = out / integrity_batch.CSV_NAME
    integrity_batch.write_csv(csv_path, result, [sid for sid, _ in inputs])
    return {"result": result, "csv": csv_path, "ids": [sid for sid, _ in inputs]}
