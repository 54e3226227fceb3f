"""The integrity step of ``grade``: the batch's codes (:mod:`grader.submissions.integrity_batch`),
computed once per run before any row is written, and merged into every gradebook row.

A row's own ``integrity`` cell holds the probe's ``integrity_flags`` (:func:`.record.row_of`);
:func:`with_integrity` adds the batch's ``lib:``/``sim:`` codes to it, each code once. The state
file keeps only the probe's flags, so a re-run recomputes the batch's codes from the files.
"""

from __future__ import annotations

from pathlib import Path

from grader.submissions import integrity_batch


def boilerplate_for(given, ag_path: Path, threshold: float) -> Path | None:
    """``given``, else the build's student notebook beside the autograder (dist/student/<name>.ipynb);
    GraderError for bad options (:func:`~grader.submissions.integrity_batch.checked_options`)."""
    given = integrity_batch.checked_options(given, threshold)
    if given is not None:
        return given
    beside = ag_path.parent.parent / "student" / (ag_path.name.removesuffix("-autograder.zip") + ".ipynb")
    return beside if beside.is_file() else None


def integrity_codes(submissions, out: Path, boilerplate: Path | None, threshold: float):
    """Static check + similarity of the whole batch; writes integrity.csv and similarity.html."""
    return integrity_batch.write_batch([(s.id, s.path) for s in submissions], out, boilerplate=boilerplate,
                                       threshold=threshold)


def with_integrity(row: dict, codes) -> dict:
    """``row`` with the batch's ``codes`` added to its own ``integrity`` cell (the probe's flags)."""
    return {**row, "integrity": integrity_batch.join_codes(row.get("integrity", ""), codes)}
