"""The sandboxed engine (``--engine safe``, the default): the student's code only PROBES; verdicts are computed here.

Steps for one submission (:class:`.base.Engine`; ordering: the plan and the reference are read
before any student code runs; verdicts only after the child and everything it started are gone):

1. prepare  -- the notebook itself (inflated from an otter export zip by :func:`notebook_of`),
   then a fresh folder holding ONLY the notebook, ``train_mnist.npz``, ``mlp_hidden_checks.py``
   and ``check_registry.py``, ``mlp_probe_inputs.npz`` (the reference's ``inputs`` namespace +
   held-out images, no labels, no reference outputs), ``calls.json`` (the plan's probe runs),
   ``probe_child.py`` and its ``child_toolkit.py`` (:data:`CHILD_FILES`), owned by a uid of its own;
2. run      -- :mod:`.probe_child` in the batch's :mod:`.isolation` (own uid, namespaces,
   rlimits), wall-clock limited by :func:`.contained.run_contained`, with the grading
   numerics of :mod:`grader.numerics` (BLAS threads; the seed set before every cell);
3. collect  -- ``probe_outputs.npz``, ``probe_errors.json``, ``cells.json`` through
   :mod:`grader.readback` (no links, no FIFOs, sizes capped before reading, no pickle); anything
   odd is a failed probe; then the folder is removed by :func:`grader.cleanup.remove_tree`
   and the uid's processes killed;
4. score    -- the zip's registered verdicts with the reference values and labels, points
   per question from the zip's ``tests/qN.py`` (parsed, never run), and its integrity signals
   (codes for ``integrity_flags``, never points); ``disk-limit`` when the notebook filled its
   folder (points kept).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import os
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from grader.cleanup import temporary_folder
from grader import readback
from grader.grade import plan as planning
from grader.grade.autograder import Autograder
from grader.grade.engines import isolation
from grader.grade.engines.base import Batch, Engine, Findings, Limits, Outcome, rejected, stopped
from grader.grade.engines.child_toolkit import DISK_LIMIT_EXIT
from grader.grade.engines.contained import Finished, run_contained
from grader.grade.engines.probe_child import deadline_for
from grader.grade.engines.status import last_line
from grader.numerics import grading_seed, thread_env
from grader.submissions.discover import Submission
from grader.submissions.validate import read_submission
from grader.textsafe import clean_text, safe_stem

CHILD = Path(__file__).with_name("probe_child.py")
#: What the child needs beside it in the sandbox, where ``grader`` cannot be imported: itself and its toolkit.
CHILD_FILES = (CHILD, Path(__file__).with_name("child_toolkit.py"))
NO_RESULTS = "the notebook left no probe results (it stopped, or deleted them)"


@dataclasses.dataclass(frozen=True)
class Prepared:
    """What every submission of one autograder shares (read once per batch)."""

    checks: object
    checks_source: dict  # file name -> bytes: the checks and their core, copied into the sandbox
    reference: dict
    inputs_npz: bytes
    train: bytes
    plan: planning.Plan


@functools.lru_cache(maxsize=4)
def prepared(path: Path, sha256: str, questions: tuple) -> Prepared:
    """Checks (imported, then their folder removed), reference, inputs and plan of one autograder."""
    with temporary_folder("mlp-grade-checks-") as keep, zipfile.ZipFile(path) as zf:
        checks = planning.load_checks(zf, keep)
        source = {Path(n).name: zf.read(n) for n in (planning.CHECKS_NAME, planning.CORE_NAME)}
        reference, inputs = planning.reference_and_inputs(zf)
        plan = planning.read_plan(zf, dict(questions), checks.REGISTRY)
        train = zf.read("files/train_mnist.npz") if "files/train_mnist.npz" in zf.namelist() else b""
    buffer = tempfile.SpooledTemporaryFile()
    np.savez(buffer, **inputs)
    buffer.seek(0)
    return Prepared(checks, source, reference, buffer.read(), train, plan)


def prepare_folder(notebook: Path, work: Path, prep: Prepared, calls: list, uid) -> None:
    shutil.copy(notebook, work / notebook.name)
    for path in CHILD_FILES:
        shutil.copy(path, work / path.name)
    for name, data in prep.checks_source.items():
        (work / name).write_bytes(data)
    (work / "mlp_probe_inputs.npz").write_bytes(prep.inputs_npz)
    if prep.train:
        (work / "train_mnist.npz").write_bytes(prep.train)
    (work / "calls.json").write_text(json.dumps(calls), encoding="utf-8")
    (work / "tmp").mkdir()
    if uid is not None:
        for path in [work, *work.rglob("*")]:
            os.chown(path, uid, uid)


def load_outputs(work: Path, count: int) -> tuple[list[dict], dict]:
    """Per probe call, its arrays (``{}`` when missing); errors by call index. Never raises.

    Read with :mod:`grader.readback`: no link followed, no FIFO opened, sizes checked before reading.
    """
    outputs = [{} for _ in range(count)]
    for key, arr in readback.read_npz(work / "probe_outputs.npz").items():
        index, _, name = key.partition("__")
        number = index[1:]
        if index[:1] == "p" and number.isascii() and number.isdigit() and len(number) < 7 and int(number) < count:
            outputs[int(number)][name] = arr
    found = readback.read_json(work / "probe_errors.json")
    errors = {clean_text(k, 20): clean_text(v, multiline=True) for k, v in found.items()} \
        if isinstance(found, dict) else {}
    return outputs, errors


def verdicts(prep: Prepared, outputs: list[dict], errors: dict):
    """``(points per question, failures)`` from the probe outputs; never raises."""
    points, failures = {}, []
    registry = prep.checks.REGISTRY
    for call in prep.plan.calls:
        index = prep.plan.index(call.probe_id)
        message = None
        if str(index) in errors:
            message = f"hidden test failed: {last_line(errors[str(index)])}"
        else:
            consts = registry.verdict_arguments(call.check, call.values())
            try:
                registry.run_verdict(call.check, outputs[index], consts, ref=prep.reference)
            except AssertionError as exc:
                message = str(exc) or "hidden test failed"
            except Exception as exc:  # noqa: BLE001 - odd outputs fail the test
                message = f"hidden test failed: the probe's results are unusable ({type(exc).__name__})"
        points[call.question] = points.get(call.question, 0.0) + (call.points if message is None else 0.0)
        if message is not None:
            failures.append({"question": call.question, "test": call.test, "hidden": True, "message": message})
    for question, test, _ in prep.plan.unsupported:
        failures.append({"question": question, "test": test, "hidden": True,
                         "message": "not graded: this hidden test is not a mlp_hidden_checks call, so the "
                                    "safe engine cannot run it (instructor: see grader/grade/SAFETY.md)"})
    return points, failures


def integrity_flags(prep: Prepared, outputs: list[dict], errors: dict) -> tuple[str, ...]:
    """The codes of the registry's integrity signals (sorted, distinct); a probe that raised, or
    a verdict that fails on odd outputs, gives none (never a penalty)."""
    registry, codes = prep.checks.REGISTRY, set()
    for call in prep.plan.signals:
        index = prep.plan.index(call.probe_id)
        if str(index) in errors:
            continue
        consts = registry.verdict_arguments(call.check, call.values())
        try:
            found = registry.run_verdict(call.check, outputs[index], consts, ref=prep.reference)
        except Exception:  # noqa: BLE001 - odd outputs: no signal
            continue
        codes.update(clean_text(str(code), 60) for code in found or ())
    return tuple(sorted(codes))


def _cell_error(entry) -> dict | None:
    """One ``cells.json`` entry as ``{cell, ename, evalue}`` (clean text), None if malformed."""
    if not isinstance(entry, dict) or type(entry.get("cell")) is not int or not 0 <= entry["cell"] < 10 ** 6:
        return None
    return {"cell": entry["cell"], "ename": clean_text(entry.get("ename", ""), 100),
            "evalue": clean_text(entry.get("evalue", ""), 500)}


def _read_cells(work: Path) -> list[dict]:
    """Errors raised by the notebook's cells (at most 100), as the child recorded them; never raises."""
    found = readback.read_json(work / "cells.json")
    cells = [_cell_error(e) for e in found[:100]] if isinstance(found, list) else []
    return [c for c in cells if c is not None]


def child_env(work: Path) -> dict:
    """The whole environment of a sandboxed child in ``work`` (nothing of the grader's leaks in)."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(work), "TMPDIR": str(work / "tmp"),
            "MPLBACKEND": "Agg", "MPLCONFIGDIR": str(work / "tmp"), "JUPYTER_RUNTIME_DIR": str(work / "tmp"),
            "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1", **thread_env()}


def run_probe_child(notebook: Path, work: Path, limits, box: isolation.Sandbox, uid, seed: int, on_start):
    """Run :mod:`.probe_child` on ``notebook`` in ``work`` inside ``box`` as ``uid``; a :class:`~.contained.Finished`."""
    argv = [sys.executable, CHILD.name, notebook.name, "--calls", "calls.json",
            "--memory-mb", str(limits.memory_mb), "--cpu-s", str(int(limits.timeout_s) + 1),
            "--output-bytes", str(limits.output_bytes), "--seed", str(seed),
            "--deadline-s", str(deadline_for(limits.timeout_s))]
    logs = Path(tempfile.mkdtemp(prefix="mlp-grade-logs-"))
    try:
        with isolation.results_fd(box, work) as fd:
            argv += [] if fd is None else ["--out-fd", str(fd)]
            return run_contained(box.wrap(argv, work, uid), cwd=work, env=child_env(work), timeout=limits.timeout_s,
                                 log_bytes=limits.output_bytes, on_start=on_start, log_dir=logs,
                                 cleanup=lambda: isolation.kill_uid(uid), pass_fds=() if fd is None else (fd,))
    finally:
        shutil.rmtree(logs, ignore_errors=True)


def notebook_of(copy: Path, root: Path) -> Path:
    """The notebook itself: ``copy``, or the one notebook inside an otter export zip (inflated
    within :data:`~grader.submissions.validate.NOTEBOOK_BYTES` into ``root/tmp``; raises
    :class:`~grader.submissions.validate.Refused` otherwise)."""
    if copy.suffix != ".zip":
        return copy
    where, data = read_submission(copy)  # where = "<zip name>:<notebook name>"
    target = root / "tmp" / (safe_stem(Path(where.rpartition(":")[2]).stem) + ".ipynb")
    target.write_bytes(data)
    return target


@dataclasses.dataclass(frozen=True)
class SandboxedJob:
    """One sandboxed run: the ``notebook`` copied into ``work`` (owned by ``uid``), run in ``box``."""

    notebook: Path
    work: Path
    prep: Prepared
    calls: list
    box: isolation.Sandbox
    uid: int | None
    seed: int
    limits: Limits


@dataclasses.dataclass
class ProbeFindings(Findings):
    """``outputs``: per probe call, its arrays; ``errors``: the probes that raised, by call index;
    ``prep``: the job's checks, reference and plan, which ``score`` judges them by."""

    outputs: list = dataclasses.field(default_factory=list)
    errors: dict = dataclasses.field(default_factory=dict)
    prep: Prepared | None = None


class SandboxedEngine(Engine):
    """Probes in the sandbox, verdicts here (module docstring)."""

    name = "safe"

    @contextlib.contextmanager
    def prepare(self, copy: Path, root: Path, autograder: Autograder, batch: Batch):
        notebook = notebook_of(copy, root)
        prep = prepared(autograder.path, autograder.sha256, tuple(autograder.questions.items()))
        calls = prep.plan.probe_calls()
        box = batch.sandbox or isolation.sandbox_for("auto")
        uid = box.take_uid()
        try:
            with temporary_folder("mlp-sandbox-") as work:
                os.chmod(work, 0o755)
                prepare_folder(notebook, work, prep, calls, uid)
                yield SandboxedJob(notebook, work, prep, calls, box, uid, grading_seed(autograder.seed), batch.limits)
        finally:
            isolation.kill_uid(uid)
            isolation.UIDS.give(uid)

    def run(self, job: SandboxedJob, on_start=None) -> Finished:
        return run_probe_child(job.notebook, job.work, job.limits, job.box, job.uid, job.seed, on_start)

    def collect(self, job: SandboxedJob) -> ProbeFindings:
        outputs, errors = load_outputs(job.work, len(job.calls))
        return ProbeFindings(produced=any(outputs) or bool(errors), cell_errors=_read_cells(job.work),
                             outputs=outputs, errors=errors, prep=job.prep)

    def score(self, submission: Submission, autograder: Autograder, finished: Finished,
              findings: ProbeFindings, limits: Limits) -> Outcome:
        prep = findings.prep
        status = stopped(finished, limits, findings, lead=NO_RESULTS)
        outcome = rejected(submission, autograder, *(status or ("graded", "")))
        if status is None:
            points, outcome.failures = verdicts(prep, findings.outputs, findings.errors)
            outcome.points.update({q: round(p, 5) for q, p in points.items()})
            outcome.integrity_flags = integrity_flags(prep, findings.outputs, findings.errors)
        outcome.duration_s, outcome.cell_errors = finished.duration_s, findings.cell_errors
        if prep.plan.unsupported and status is None:
            outcome.detail = "; ".join(x for x in (f"{len(prep.plan.unsupported)} hidden test(s) not gradable "
                                                   "safely (0 points)", outcome.detail) if x)
        if finished.returncode == DISK_LIMIT_EXIT and outcome.status in ("graded", "crashed"):
            outcome.status = "disk-limit"
            outcome.detail = "; ".join(x for x in (f"the notebook filled its {isolation.DISK_MB} MB folder (no space "
                                                   "left); points are those its probes still earned", outcome.detail)
                                       if x)
        return outcome
