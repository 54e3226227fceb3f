"""The engine contract: what every grading engine does, and the one result model.

An engine grades ONE prepared copy of a submission in four steps, which
:func:`grader.grade.pipeline.grade_one` calls in this order, each only after the one before:

1. ``prepare(copy, root, autograder, batch)`` -- a context manager yielding the engine's job:
   everything the child needs, laid out in a folder of its own (raises
   :class:`~grader.submissions.validate.Refused` for a submission it cannot run); leaving it
   removes what the child could touch (for the sandboxed engine: its folder and its uid's processes);
2. ``run(job, on_start)`` -- the child, contained (:func:`.contained.run_contained`), as a
   :class:`~.contained.Finished`;
3. ``collect(job)`` -- what the child left, read back without trusting it, as :class:`Findings`;
   called inside ``prepare``'s block, after ``run``, before the folder goes;
4. ``score(submission, autograder, finished, findings, limits)`` -- the :class:`Outcome`
   (points, status, student-safe failures), in the grader's process.

How a child ended (timeout, output limit, memory, crash) is classified by :mod:`.status` for
every engine (:func:`stopped`); each engine only adds its own words. The engines are
:mod:`.sandboxed` (the default: the student's code only probes) and :mod:`.otter` (``otter
run``, for autograders not built by ``mlp-course build``); :mod:`grader.grade.engines` names them.
"""

from __future__ import annotations

import abc
import contextlib
import dataclasses
from pathlib import Path

from grader.grade.autograder import Autograder
from grader.grade.engines.contained import Finished
from grader.grade.engines.isolation import Sandbox
from grader.grade.engines.status import crash_status, limit_status
from grader.submissions.discover import Submission
from grader.textsafe import clean_text


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
    ``engine`` is the name of an engine of :data:`grader.grade.engines.ENGINES` (never ``auto``:
    :func:`grader.grade.engines.resolve`), ``sandbox`` the sandboxed engine's
    :class:`~.isolation.Sandbox` (None: the otter engine, or let ``auto`` pick), ``limits`` per submission."""

    engine: str
    limits: Limits = dataclasses.field(default_factory=Limits)
    sandbox: Sandbox | None = None


@dataclasses.dataclass
class Findings:
    """What one run left behind, read back by the engine's ``collect`` (sizes capped, text cleaned).

    ``produced``: the child left usable results (none: the run is classified as a crash);
    ``cell_errors``: ``[{cell, ename, evalue}]`` raised by the notebook's cells. Each engine
    adds the fields its ``score`` reads."""

    produced: bool
    cell_errors: list[dict] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Outcome:
    """One graded submission; ``failures`` are safe to show the student."""

    id: str
    status: str
    points: dict[str, float]
    duration_s: float = 0.0
    detail: str = ""
    results: dict | None = None
    failures: list[dict] = dataclasses.field(default_factory=list)
    cell_errors: list[dict] = dataclasses.field(default_factory=list)
    #: Short codes of what integrity checks noticed (``lib:sklearn``...); the gradebook's ``integrity`` column.
    integrity_flags: tuple[str, ...] = ()

    @property
    def total(self) -> float:
        return sum(self.points.values())


def rejected(submission: Submission, autograder: Autograder, status: str, reason: str) -> Outcome:
    """An Outcome with zero points for a submission that was not (fully) run."""
    detail = "; ".join(x for x in (reason, submission.note) if x)
    return Outcome(id=submission.id, status=status, points=dict.fromkeys(autograder.questions, 0.0),
                   detail=detail)


def _clean_failure(failure: dict) -> dict:
    return {"question": clean_text(failure.get("question", ""), 100), "test": clean_text(failure.get("test", ""), 200),
            "hidden": bool(failure.get("hidden")),
            "message": clean_text(failure.get("message", ""), 5000, multiline=True)}


def _clean_cell_error(error: dict) -> dict:
    return {"cell": error.get("cell", ""), "ename": clean_text(error.get("ename", ""), 100),
            "evalue": clean_text(error.get("evalue", ""), 500)}


def cleaned(outcome: Outcome) -> Outcome:
    """``outcome`` with every text a submission could have shaped through
    :func:`~grader.textsafe.clean_text` (detail one line; messages keep their lines)."""
    outcome.detail = clean_text(outcome.detail)
    outcome.failures = [_clean_failure(f) for f in outcome.failures]
    outcome.cell_errors = [_clean_cell_error(e) for e in outcome.cell_errors]
    return outcome


def stopped(finished: Finished, limits: Limits, findings: Findings, **words) -> tuple[str, str] | None:
    """``(status, detail)`` when the run did not end normally, else None: a limit hit
    (:func:`.status.limit_status`), or no results at all (:func:`.status.crash_status`, with the
    engine's ``words``: ``failed=`` or ``lead=``)."""
    found = limit_status(finished, limits)
    if found is None and not findings.produced:
        found = crash_status(finished, limits, **words)
    return found


class Engine(abc.ABC):
    """One grading engine (module docstring). Engines hold no state: the batch's choices come in
    the ``batch`` given to :meth:`prepare`, and each job carries what the later steps need."""

    #: The name ``--engine`` takes and :class:`Batch` holds.
    name: str = ""

    @abc.abstractmethod
    def prepare(self, copy: Path, root: Path, autograder: Autograder,
                batch: Batch) -> contextlib.AbstractContextManager:
        """Lay out the job for ``copy`` (the submission, copied into ``root/submission``)."""

    @abc.abstractmethod
    def run(self, job, on_start=None) -> Finished:
        """Run the job's child; ``on_start(kill)`` receives how to stop it early."""

    @abc.abstractmethod
    def collect(self, job) -> Findings:
        """Read back what the child left; never raises for what a submission could have written."""

    @abc.abstractmethod
    def score(self, submission: Submission, autograder: Autograder, finished: Finished,
              findings: Findings, limits: Limits) -> Outcome:
        """The submission's :class:`Outcome`."""
