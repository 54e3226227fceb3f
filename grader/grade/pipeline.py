"""Grade ONE submission: :func:`grade_one`, the runner's only entry point.

It never raises for a bad submission and always returns an :class:`~grader.grade.engines.base.Outcome`.
The engine, sandbox and limits come from a :class:`~grader.grade.engines.base.Batch`, resolved
once per batch. A fixed sequence, each step only after the one before:

1. validate -- reject non-notebooks and invalid notebooks before running anything
   (:func:`grader.submissions.validate.check_submission`);
2. prepare  -- a fresh temporary folder holding only a copy of the submission (named as its
   own ``otter.Notebook(...)`` cell expects, :func:`copy_submission`), then the engine's own
   layout (:meth:`~grader.grade.engines.base.Engine.prepare`);
3. run      -- the engine's child, contained;
4. collect  -- what the child left, read back without trusting it;
5. score    -- verdicts, points, status and student-safe failures, in this process.

Step 6, record (:mod:`.record`), is the caller's: :func:`grader.grade.main` records each outcome
in its own thread as it arrives (:func:`.runner.run_batch`, or a Dask worker's outcome sent back
by :mod:`.cluster`), so that one writer owns the gradebook.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from grader.cleanup import temporary_folder
from grader.grade.autograder import Autograder
from grader.grade.engines import named
from grader.grade.engines.base import Batch, Outcome, rejected
from grader.student_cells import NOTEBOOK_CALL
from grader.submissions.discover import Submission
from grader.submissions.validate import Refused, check_submission
from grader.textsafe import safe_stem


def expected_name(path: Path) -> str:
    """The file name a notebook's own ``otter.Notebook("name.ipynb")`` cell opens, else its own name.

    Students' files are often renamed (``alice.ipynb``); copying the notebook back under the
    name its init cell opens keeps its ``grader.check`` cells working as they did for the student.
    """
    if path.suffix == ".ipynb":
        for cell in json.loads(path.read_text(encoding="utf-8")).get("cells", []):
            source = "".join(cell.get("source", "")) if cell.get("cell_type") == "code" else ""
            match = NOTEBOOK_CALL.search(source)
            if match:
                return match.group(1)
    return path.name


def copy_submission(submission: Submission, root: Path) -> Path:
    """Make ``root/submission/<file>`` (the only copied file) and ``root/tmp``; the copy's path."""
    for name in ("submission", "tmp"):
        (root / name).mkdir()
    copy = root / "submission" / expected_name(submission.path)
    return Path(shutil.copy2(submission.path, copy))


def grade_one(submission: Submission, autograder: Autograder, batch: Batch, on_start=None) -> Outcome:
    """Validate, prepare, run, collect and score one submission with ``batch``'s engine (module docstring)."""
    problem = check_submission(submission.path)
    if problem is not None:
        return rejected(submission, autograder, *problem)
    engine = named(batch.engine)
    with temporary_folder(f"mlp-grade-{safe_stem(submission.id)[:40]}-") as root:
        copy = copy_submission(submission, root)
        try:
            with engine.prepare(copy, root, autograder, batch) as job:
                finished = engine.run(job, on_start)
                findings = engine.collect(job)
        except Refused as refused:  # raised by prepare only: a zip holding no runnable notebook
            return rejected(submission, autograder, *refused.problem)
    return engine.score(submission, autograder, finished, findings, batch.limits)
