"""``mlp-course integrity``: the integrity signals of a folder of submissions, without grading.

Steps: check the options, discover the submissions (:mod:`grader.submissions.discover`, the ids
``grade`` uses), then :func:`grader.submissions.integrity_batch.write_batch` (static check of
Q2-Q12, similarity of every pair; ``OUT/integrity.csv`` and ``OUT/similarity.html``), the same
function ``grade`` calls. Nothing is executed
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
    boilerplate = integrity_batch.checked_options(boilerplate, threshold)
    inputs = find_inputs(submissions_dir)
    result = integrity_batch.write_batch(inputs, out, boilerplate=boilerplate, threshold=threshold)
    return {"result": result, "csv": out / integrity_batch.CSV_NAME, "ids": [sid for sid, _ in inputs]}
