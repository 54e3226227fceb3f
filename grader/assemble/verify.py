"""Step 5 of the build: grade the solution notebook with the new autograder, the two ways it will be graded.

Both start at once (:func:`start`) and run beside the solution's execution:

* ``otter`` -- ``otter run``, what Gradescope runs with the zip;
* ``grade`` -- ``mlp-course grade --engine safe``, what ``grade`` does by default (the sandboxed
  engine: probes in the sandbox, verdicts in the grader), started through the CLI in a
  subprocess so that ``build`` imports nothing of the ``grade`` verb. It reads back the
  gradebook (``gradebook.csv``) and, for failures, the ``failures`` of ``.state.json``.

:func:`finish` waits for both and raises ``GraderError``, naming each question and test, unless
both earn every automatic point (with ``strict=False``, for stand-in data, it only logs what was
lost). So a built autograder is one that ``grade`` and Gradescope both grade the solution with.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from grader.errors import GraderError
from grader.gradebook import read_gradebook
from grader.numerics import thread_env

ONE_BLAS_THREAD = thread_env(1)
#: How each verification names itself in messages.
HOW = {"otter": "with otter run, as on Gradescope", "grade": "with mlp-course grade, the sandboxed engine"}


@dataclasses.dataclass
class Verification:
    """The two running verifications: ``otter`` writes ``otter_out/results.json``, ``grade``
    writes ``grade_out/gradebook.csv`` for the submission ``solution_id``."""

    otter: subprocess.Popen
    otter_out: Path
    grade: subprocess.Popen
    grade_out: Path
    solution_id: str

    def kill(self) -> None:
        for proc in (self.otter, self.grade):
            proc.kill()
            proc.wait()


def _popen(cmd: list[str]) -> subprocess.Popen:
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, **ONE_BLAS_THREAD})


def start(autograder_zip: Path, solution_notebook: Path, folder: Path) -> Verification:
    """Start both gradings of ``solution_notebook`` with ``autograder_zip``; outputs go under ``folder``."""
    otter_out, grade_in, grade_out = folder / "otter", folder / "grade-in", folder / "grade"
    otter_out.mkdir(parents=True)
    grade_in.mkdir()
    shutil.copy(solution_notebook, grade_in / solution_notebook.name)
    otter = _popen([sys.executable, "-m", "otter", "run", "--no-logo", "-a", str(autograder_zip),
                    "-o", str(otter_out), str(solution_notebook)])
    try:
        grade = _popen([sys.executable, "-m", "grader.cli", "grade", str(grade_in), "-a", str(autograder_zip),
                        "-o", str(grade_out), "--jobs", "1", "--engine", "safe"])
    except BaseException:
        otter.kill()
        otter.wait()
        raise
    return Verification(otter, otter_out, grade, grade_out, solution_notebook.stem)


def _last_line(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"


def _otter_points(proc: subprocess.Popen, out: Path, where: str) -> tuple[dict, list[str]]:
    """Points per question and failures (``q (score/max: last lines)``) of ``otter run``."""
    output, _ = proc.communicate()
    results_file = out / "results.json"
    if proc.returncode != 0 or not results_file.is_file():
        raise GraderError(f"{where}: otter could not grade the solution notebook: {_last_line(output)}")
    results = json.loads(results_file.read_text(encoding="utf-8"))
    failed, earned = [], {}
    for test in results.get("tests", []):
        earned[test["name"]] = float(test.get("score", 0))
        if float(test.get("score", 0)) < float(test.get("max_score", 0)):
            lines = [line.strip() for line in str(test.get("output", "")).splitlines() if line.strip()]
            failed.append(f"{test['name']} ({test.get('score')}/{test.get('max_score')}: "
                          f"{' | '.join(lines[-3:])[-300:]})")
    return earned, failed


def _grade_points(proc: subprocess.Popen, out: Path, sid: str, where: str) -> tuple[dict, list[str]]:
    """Points per automatic question and failures (``q (score/max: test: message)``) of ``mlp-course grade``."""
    output, _ = proc.communicate()
    gradebook = out / "gradebook.csv"
    if proc.returncode != 0 or not gradebook.is_file():
        raise GraderError(f"{where}: mlp-course grade could not grade the solution notebook "
                          f"(exit {proc.returncode}): {_last_line(output)}")
    rows = read_gradebook(gradebook)
    header = list(next(iter(rows.values())))
    questions = header[header.index("status") + 1:header.index("total")]
    possible, row = rows["POINTS POSSIBLE"], rows[sid]
    if row["status"] != "graded":
        raise GraderError(f"{where}: mlp-course grade could not grade the solution notebook: "
                          f"status {row['status']}: {row['detail']}")
    try:
        state = json.loads((out / ".state.json").read_text(encoding="utf-8"))["submissions"][sid]["failures"]
    except (OSError, ValueError, KeyError, TypeError):
        state = []
    earned, failed = {}, []
    for q in questions:
        if row[q] == "":  # graded by hand
            continue
        earned[q] = float(row[q])
        if earned[q] < float(possible[q]):
            why = " | ".join(f"{f.get('test', '')}: {f.get('message', '')}".strip()
                             for f in state if f.get("question") == q)
            failed.append(f"{q} ({earned[q]:g}/{float(possible[q]):g}: {why[-300:]})")
    return earned, failed


def finish(verification: Verification, where: str, *, strict: bool = True, log=print) -> dict:
    """Wait for both; raise GraderError unless each earns every automatic point (``strict``),
    else log what was lost. Returns the points ``otter run`` gave per question."""
    earned, failed = _otter_points(verification.otter, verification.otter_out, where)
    graded, lost = _grade_points(verification.grade, verification.grade_out, verification.solution_id, where)
    failures = [f"the solution fails {'; '.join(f)} ({HOW[how]})" for how, f in (("otter", failed), ("grade", lost)) if f]
    if failures and strict:
        raise GraderError(f"{where}: {'; '.join(failures)}; fix the solution or the test in the master notebook.")
    if failures:
        log(f"NOTICE: on this stand-in data the solution loses points ({'; '.join(failures)}); the "
            "thresholds are set for MNIST, so the build goes on. Use MNIST for a real course.")
    return earned
