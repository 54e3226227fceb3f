"""Grade ONE submission with the batch's engine: :func:`grade_one`, the runner's only entry point.

It never raises for a bad submission and always returns an :class:`~grader.grade.score.Outcome`.
The engine, sandbox and limits come from a :class:`Batch`, resolved once per batch. Steps:

1. validate -- reject non-notebooks and invalid notebooks before running anything;
2. prepare  -- a fresh temporary folder holding only a copy of the submission (named as its
   own ``otter.Notebook(...)`` cell expects);
3. run      -- safe engine (:func:`.safe.grade_safe`): the notebook inflated from a zip, then
   probes in the sandbox and verdicts here; otter engine (:func:`run_otter`): ``otter run``
   via :mod:`grader.grade.child` in a contained subprocess;
4. score    -- (otter engine) what the child wrote, as points and failure messages (:mod:`.score`).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import sys
from pathlib import Path

from grader.grade.autograder import Autograder
from grader.cleanup import temporary_folder
from grader.submissions.discover import Submission
from grader.submissions.validate import Refused, check_submission, read_submission
from grader.grade.isolation import Sandbox
from grader.numerics import thread_env
from grader.grade.plan import supports_safe
from grader.grade.safe import grade_safe
from grader.grade.sandbox import Finished, run_contained
from grader.grade.score import Outcome, rejected, score
from grader.textsafe import safe_stem

NOTEBOOK_CALL = re.compile(r"""otter\.Notebook\(\s*(?:nb_path\s*=\s*)?["']([\w.\- ]+\.ipynb)["']""")


@dataclasses.dataclass(frozen=True)
class Limits:
    """Per-submission limits: wall clock, address space, output.

    BLAS threads are not a limit but a grading constant: :data:`grader.numerics.GRADING_THREADS`.
    """

    timeout_s: float = 900.0
    memory_mb: int = 4096
    output_mb: float = 5.0

    @property
    def output_bytes(self) -> int:
        return int(self.output_mb * 1024 * 1024)


@dataclasses.dataclass(frozen=True)
class Batch:
    """How every submission of one batch is graded, resolved ONCE (:func:`grader.grade.main`):
    ``engine`` is ``safe`` or ``otter`` (never ``auto``: :func:`engine_for`), ``sandbox`` the safe
    engine's :class:`~.isolation.Sandbox` (None for the otter engine), ``limits`` per submission."""

    engine: str
    limits: Limits = dataclasses.field(default_factory=Limits)
    sandbox: Sandbox | None = None


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


def prepare(submission: Submission, root: Path) -> Path:
    """Make ``root/submission/<file>`` (the only copied file), ``root/out`` and ``root/tmp``."""
    for name in ("submission", "out", "tmp"):
        (root / name).mkdir()
    copy = root / "submission" / expected_name(submission.path)
    return Path(shutil.copy2(submission.path, copy))


def run_otter(copy: Path, autograder: Autograder, limits: Limits, root: Path, on_start=None) -> Finished:
    """Run the otter engine's child (``otter run``) on ``copy``; its outputs land in ``root/out``."""
    cmd = [sys.executable, "-m", "grader.grade.child", str(copy),
           "--autograder", str(autograder.path.resolve()), "--out", str(root / "out"),
           "--memory-mb", str(limits.memory_mb), "--output-bytes", str(limits.output_bytes)]
    env = {**os.environ, "TMPDIR": str(root / "tmp"), "PYTHONUNBUFFERED": "1",
           **thread_env()}
    return run_contained(cmd, cwd=root, env=env, timeout=limits.timeout_s,
                         log_bytes=limits.output_bytes, on_start=on_start)


def engine_for(autograder: Autograder, engine: str) -> str:
    """``safe`` or ``otter``: ``auto`` is safe whenever the autograder ships the hidden checks."""
    if engine == "auto":
        return "safe" if supports_safe(autograder.path) else "otter"
    return engine


def notebook_of(copy: Path, root: Path) -> Path:
    """The notebook itself: ``copy``, or the one notebook inside an otter export zip (inflated
    within :data:`~grader.submissions.validate.NOTEBOOK_BYTES`; raises
    :class:`~grader.submissions.validate.Refused` otherwise)."""
    if copy.suffix != ".zip":
        return copy
    where, data = read_submission(copy)  # where = "<zip name>:<notebook name>"
    target = root / "tmp" / (safe_stem(Path(where.rpartition(":")[2]).stem) + ".ipynb")
    target.write_bytes(data)
    return target


def grade_one(submission: Submission, autograder: Autograder, batch: Batch, on_start=None) -> Outcome:
    """Validate, prepare, run and score one submission with ``batch``'s engine (module docstring)."""
    problem = check_submission(submission.path)
    if problem is not None:
        return rejected(submission, autograder, *problem)
    with temporary_folder(f"mlp-grade-{safe_stem(submission.id)[:40]}-") as tmp:
        copy = prepare(submission, tmp)
        if batch.engine == "safe":
            try:
                notebook = notebook_of(copy, tmp)
            except Refused as refused:
                return rejected(submission, autograder, *refused.problem)
            return grade_safe(submission, autograder, batch.limits, batch.sandbox, notebook, on_start)
        finished = run_otter(copy, autograder, batch.limits, tmp, on_start)
        return score(submission, autograder, finished, tmp / "out", batch.limits)
