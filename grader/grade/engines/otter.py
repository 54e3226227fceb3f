"""The otter engine: ``otter run`` in a contained child, for autograders not built by ``mlp-course build``.

The student's notebook and otter's tests run together in the child (:mod:`.otter_child`), so
this engine trusts the notebook with the tests' code and reference values: use it for a
foreign otter zip, or to compare with what Gradescope does (``SAFETY.md``). Steps (:class:`.base.Engine`):

1. prepare -- ``root/out`` for the child's files (the copy is already in ``root/submission``);
2. run     -- ``python -m grader.grade.engines.otter_child`` (limits, output cap) with the
   grading numerics (:mod:`grader.numerics`), wall-clock limited by :func:`.contained.run_contained`;
3. collect -- ``out/results.json`` (otter's raw results, kept for ``results/<id>.json``) and
   ``out/verdict.json`` (per test case, and the errors cells raised);
4. score   -- points per question from otter's results; ``crashed`` when otter produced no
   usable results, ``memory`` when a cell raised MemoryError (points kept).

Failure messages of hidden tests never carry the test's code: we show the test's
``failure_message`` if the instructor wrote one, else only the final exception line.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import sys
from pathlib import Path

from grader.grade.autograder import Autograder
from grader.grade.engines.base import Batch, Engine, Findings, Limits, Outcome, rejected, stopped
from grader.grade.engines.contained import Finished, run_contained
from grader.grade.engines.status import last_line, memory_cell_status
from grader.numerics import thread_env
from grader.submissions.discover import Submission


@dataclasses.dataclass(frozen=True)
class OtterJob:
    """One ``otter run``: the submission's ``copy``, the ``root`` folder, its ``out`` folder."""

    copy: Path
    root: Path
    autograder: Autograder
    limits: Limits

    @property
    def out(self) -> Path:
        return self.root / "out"


@dataclasses.dataclass
class OtterFindings(Findings):
    """``results``: otter's results.json (None when missing); ``scored``: points per question of
    the autograder found in it; ``cases``: the test cases of ``verdict.json``."""

    results: dict | None = None
    scored: dict = dataclasses.field(default_factory=dict)
    cases: list = dataclasses.field(default_factory=list)


def safe_failures(cases: list[dict]) -> list[dict]:
    """Failed test cases as ``{question, test, hidden, message}`` with no hidden test code."""
    failures = []
    for case in cases:
        if case["passed"]:
            continue
        if case["hidden"]:
            message = case.get("failure_message") or f"hidden test failed: {last_line(case['message'])}"
        else:
            message = "\n".join(x for x in (case.get("failure_message"), case["message"].strip()) if x)
        failures.append({"question": case["question"], "test": case["name"],
                         "hidden": case["hidden"], "message": message})
    return failures


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class OtterEngine(Engine):
    """``otter run`` in a contained child (module docstring)."""

    name = "otter"

    @contextlib.contextmanager
    def prepare(self, copy: Path, root: Path, autograder: Autograder, batch: Batch):
        (root / "out").mkdir(exist_ok=True)
        yield OtterJob(copy, root, autograder, batch.limits)

    def run(self, job: OtterJob, on_start=None) -> Finished:
        limits = job.limits
        cmd = [sys.executable, "-m", "grader.grade.engines.otter_child", str(job.copy),
               "--autograder", str(job.autograder.path.resolve()), "--out", str(job.out),
               "--memory-mb", str(limits.memory_mb), "--output-bytes", str(limits.output_bytes)]
        env = {**os.environ, "TMPDIR": str(job.root / "tmp"), "PYTHONUNBUFFERED": "1", **thread_env()}
        return run_contained(cmd, cwd=job.root, env=env, timeout=limits.timeout_s,
                             log_bytes=limits.output_bytes, on_start=on_start)

    def collect(self, job: OtterJob) -> OtterFindings:
        results, verdict = _read_json(job.out / "results.json"), _read_json(job.out / "verdict.json") or {}
        scored = {t["name"]: float(t["score"]) for t in (results or {}).get("tests", [])
                  if t.get("name") in job.autograder.questions and "score" in t}
        return OtterFindings(produced=bool(scored), cell_errors=verdict.get("cell_errors", []),
                             results=results, scored=scored, cases=verdict.get("cases", []))

    def score(self, submission: Submission, autograder: Autograder, finished: Finished,
              findings: OtterFindings, limits: Limits) -> Outcome:
        status = stopped(finished, limits, findings, failed="otter failed")
        outcome = rejected(submission, autograder, *(status or ("graded", "")))
        outcome.points.update(findings.scored)
        outcome.duration_s, outcome.results = finished.duration_s, findings.results
        outcome.failures = safe_failures(findings.cases)
        outcome.cell_errors = findings.cell_errors
        memory = memory_cell_status(outcome.cell_errors, limits) if outcome.status == "graded" else None
        if memory is not None:
            outcome.status = memory[0]
            outcome.detail = "; ".join(x for x in (memory[1], outcome.detail) if x)
        return outcome
