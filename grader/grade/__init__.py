"""``mlp-course grade``: grade a folder of submissions with an otter autograder, without Docker.

The pipeline, one step per module (each step only needs the ones before it):

1. discover  (:mod:`grader.submissions.discover`) -- list ``*.ipynb`` / ``*.zip``, one id per
   file stem, duplicates resolved; with ``roster``, :mod:`grader.submissions.roster` then gives
   each file its student (ids become the roster's; students without a file get ``missing`` rows);
2. skip      (:mod:`.state`)     -- drop ids graded before with the same file and autograder (unless ``force``);
   then, ONCE per batch, the :class:`~.engines.base.Batch`: the engine (``auto`` resolved by
   :func:`.engines.resolve`), the sandbox (:func:`.engines.isolation.sandbox_for`) and, for the
   sandboxed engine, :mod:`.engines.preflight` (which fails the run before any row is written);
3. grade one (:func:`.pipeline.grade_one`, run by :mod:`.runner` N at a time) -- validate
   (:mod:`grader.submissions.validate`), then the engine's prepare, run, collect and score
   (:mod:`.engines`: the sandboxed engine by default, :mod:`.engines.sandboxed`, whose
   verdicts are computed here, see ``SAFETY.md``; or ``otter run`` with ``engine="otter"``,
   :mod:`.engines.otter`); both engines share :mod:`.engines.status` and
   :mod:`.engines.child_toolkit`;
4. record    (:mod:`.record`)    -- gradebook row + feedback + raw results, written after EACH submission;
5. report    (:mod:`.report`)    -- class report once all are done; :func:`.runner.harness_failure`
   tells when every submission crashed the same way (the CLI then exits 1); with ``lms``,
   :mod:`.lms` writes the LMS import file from the same rows (manual scores merged).

Integrity (:mod:`.integrity_step`), once per run after step 2 and before any row is written: the
static check of every submission and the similarity of every pair (nothing runs), so every
gradebook row written carries its ``integrity`` codes, merged with the probe's ``integrity_flags``;
``integrity.csv`` and ``similarity.html`` go beside the gradebook. Never a score.

Every child computes with the fixed numerics of :mod:`grader.numerics` (BLAS threads, seed).

With ``cluster`` (``--cluster``), :mod:`.cluster` runs step 3 on Dask workers instead of local
children; each worker preflights its own sandbox, and steps 4-5 stay here.
"""

from __future__ import annotations

import collections
import contextlib
import os
from pathlib import Path

from grader.submissions.manual_scores import read_batch_scores
from grader.errors import GraderError
from grader.grade.engines import CHOICES, isolation, preflight, resolve
from grader.grade.engines.base import Batch, Limits
from grader.grade.autograder import load_autograder
from grader.submissions.discover import discover, sha256_of
from grader.numerics import GRADING_THREADS, grading_seed
from grader.grade.plan import supports_safe
from grader.grade.manual import apply_manual, load_manual, merged, save_manual
from grader.grade.record import missing_row, outcome_of_entry, pending_row, row_of, write_gradebook, write_outcome_files
from grader.grade.report import write_report
from grader.grade.runner import harness_failure, run_batch
from grader.grade.state import entry_for, is_current, load_state, save_state
from grader.grade import lms as lms_export
from grader.submissions import roster as class_roster
from grader.grade.integrity_step import boilerplate_for, integrity_codes, with_integrity
from grader.submissions.similarity import DEFAULT_THRESHOLD

ENGINES = CHOICES  # what --engine accepts
DEFAULTS = {"timeout": 900.0, "memory_mb": 4096, "output_mb": 5.0}


def cpu_count() -> int:
    """Cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _check_paths(submissions_dir: Path, out: Path, manual_scores) -> None:
    if not submissions_dir.is_dir():
        raise GraderError(f"submissions folder {submissions_dir} does not exist or is not a folder; "
                          "pass the folder holding the students' .ipynb/.zip files")
    if out.exists() and not out.is_dir():
        raise GraderError(f"output {out} is a file; pass a folder (it is created if missing) with -o")
    if manual_scores is not None and not Path(manual_scores).is_file():
        raise GraderError(f"manual scores file {manual_scores} does not exist")


def _check_engine(engine: str, ag) -> None:
    if engine not in ENGINES:
        raise GraderError(f"--engine {engine}: unknown engine; use one of {', '.join(ENGINES)}")
    if engine == "safe" and not supports_safe(ag.path):
        raise GraderError(f"--engine safe: {ag.path} lacks files/mlp_hidden_checks.py, files/check_registry.py "
                          "or files/mlp_reference.npz (built before the check registry?); rebuild it with "
                          "`mlp-course build` or use --engine otter")


def batch_sandbox(engine: str, requested: str, drop_uid: bool, needed: bool):
    """The batch's :class:`.engines.isolation.Sandbox` (None for the otter engine), preflighted when ``needed``."""
    if engine != "safe":
        if requested != "auto" or not drop_uid:
            raise GraderError("--sandbox/--no-drop-uid: the otter engine runs `otter run` without the sandbox; "
                              "use --engine safe with an autograder built by `mlp-course build`, or drop both")
        return None
    box = isolation.sandbox_for(requested, drop_uid=drop_uid)
    if needed:
        preflight.check(box)
    return box


def settings_of(engine: str, box, ag) -> dict:
    """What the children computed with: shown by the CLI and in the class report."""
    return {"engine": engine, "sandbox": box.describe() if box else "none (otter engine)",
            "threads": GRADING_THREADS, "seed": grading_seed(ag.seed) if engine == "safe" else ag.seed,
            "dataset": ag.dataset}


def main(submissions_dir, *, autograder, out, jobs: int | None = None, timeout: float = DEFAULTS["timeout"],
         memory_mb: int = DEFAULTS["memory_mb"], output_mb: float = DEFAULTS["output_mb"],
         force: bool = False, manual_scores=None, progress: bool = True, engine: str = "auto",
         sandbox: str = "auto", drop_uid: bool = True, cluster: str | None = None,
         roster=None, lms: str | None = None, lms_assignment: str | None = None,
         boilerplate=None, similarity_threshold: float = DEFAULT_THRESHOLD) -> dict:
    """Grade every submission in ``submissions_dir`` into ``out``; returns the summary dict.

    ``engine``: ``safe`` (student code only probes, verdicts here; see ``SAFETY.md``),
    ``otter`` (``otter run`` in the child, for comparison) or ``auto`` (safe when the
    autograder ships ``mlp_hidden_checks.py``). ``sandbox`` (auto, bwrap, unshare, none) and
    ``drop_uid`` choose the safe engine's isolation (:mod:`.engines.isolation`). ``cluster`` (a Dask scheduler
    address or ``local:N``) grades on a Dask cluster instead (:mod:`.cluster`; each worker resolves
    and preflights the sandbox itself). ``roster`` (a CSV, :mod:`grader.submissions.roster`) maps
    files to students and adds a ``missing`` row per student without a file; ``lms`` (canvas,
    moodle, plain; needs ``roster``) also writes ``OUT/lms-<lms>.csv`` (:mod:`.lms`).
    ``boilerplate`` (the student notebook as handed out; default
    ``dist/student/<name>.ipynb`` beside ``dist/autograder/``) and ``similarity_threshold`` set the
    integrity check (:mod:`.integrity_step`). Raises ``GraderError``
    for bad input or a sandbox that fails its preflight (before any row is written),
    ``KeyboardInterrupt`` (after saving every finished row) when interrupted.
    """
    submissions_dir, out, ag_path = Path(submissions_dir), Path(out), Path(autograder)
    _check_paths(submissions_dir, out, manual_scores)
    ag = load_autograder(ag_path, sha256_of(ag_path) if ag_path.is_file() else "")
    _check_engine(engine, ag)
    boilerplate = boilerplate_for(boilerplate, ag_path, similarity_threshold)
    if cluster is not None and jobs is not None:
        raise GraderError("--jobs with --cluster: the Dask workers' threads set how many submissions run at once; "
                          "drop --jobs (local:N starts N one-thread workers)")
    students = _check_roster(roster, lms)
    submissions = discover(submissions_dir)
    if not submissions:
        raise GraderError(f"no submissions (*.ipynb or *.zip) in {submissions_dir}; "
                          "put one file per student there, named <id>.ipynb or <id>.zip")
    found = class_roster.match(students, submissions) if students else None
    if found is not None:
        submissions = found.submissions
    missing = [s.id for s in found.missing] if found else []
    manual = load_manual(out)
    if manual_scores is not None:  # checked in full before anything is graded or written
        manual = merged(manual, read_batch_scores(manual_scores, {s.id for s in submissions} | set(missing), ag.manual))
    entries = load_state(out)
    todo = [s for s in submissions if force or not is_current(entries.get(s.id), s, ag.sha256)]
    entries = {s.id: entries[s.id] for s in submissions if s not in todo}
    engine = resolve(ag, engine)  # resolved once: every submission of the batch uses it
    limits = Limits(timeout_s=timeout, memory_mb=memory_mb, output_mb=output_mb)
    if cluster is None:
        box = batch_sandbox(engine, sandbox, drop_uid, needed=bool(todo))
        runner = contextlib.nullcontext(run_batch)
    else:  # Dask is imported on this path only
        try:
            from grader.grade.cluster import DaskBatch
        except ModuleNotFoundError as exc:
            raise GraderError(f"--cluster needs Dask ({exc.name} is not installed); "
                              "install it with pip install 'mlp-course[cluster]'") from None
        box = None if engine == "safe" else batch_sandbox(engine, sandbox, drop_uid, needed=False)
        runner = DaskBatch(cluster, ag, engine=engine, sandbox=sandbox, drop_uid=drop_uid, needed=bool(todo))
    batch = Batch(engine, limits, box)
    with runner as run:  # a cluster connects and its workers preflight here, before any row is written
        out.mkdir(parents=True, exist_ok=True)
        if manual_scores is not None:
            save_manual(out, manual)
        flags = integrity_codes(submissions, out, boilerplate, similarity_threshold)
        outcomes = _grade(submissions, todo, entries, ag, out, batch, manual, flags.codes,
                          jobs=jobs or cpu_count(), progress=progress, run=run, missing=missing)
    for s in submissions:  # feedback of unchanged submissions shows today's manual scores
        if s not in todo and s.id in manual:
            write_outcome_files(out, outcome_of_entry(s.id, entries[s.id], ag), ag, manual[s.id])
    settings = {**settings_of(engine, runner if cluster is not None and engine == "safe" else box, ag),
                "autograder_sha256": ag.sha256, "limits": limits_text(limits), "jobs": jobs or cpu_count()}
    applied = [{**entries[s.id], "row": _shown(entries[s.id]["row"], ag, manual, flags.codes)} for s in submissions]
    applied += [{"row": row, "failures": []} for row in _missing_rows(missing, ag, manual)]
    applied.sort(key=lambda e: e["row"]["id"])
    findings = found.lines(Path(roster).name) if found else []
    report = write_report(out, applied, ag, settings, submissions_dir=submissions_dir, students=students,
                          findings=findings)
    summary = summarize({e["row"]["id"]: e for e in applied}, out, report, skipped=len(submissions) - len(todo))
    if lms is not None:
        summary["lms"] = lms_export.write_lms(out, lms, students, {e["row"]["id"]: e["row"] for e in applied},
                                              ag.possible, lms_assignment or ag.path.stem.removesuffix("-autograder"))
    return {**summary, "settings": settings, "harness_failure": harness_failure(outcomes),
            "notes": [f"{s.id}: {s.note}" for s in submissions if s.note] + flags.notes,
            "roster": findings, "integrity": flags}


def _check_roster(roster, lms: str | None) -> list:
    """The roster's students ([] without one), checked before anything is graded."""
    if lms is not None and lms not in lms_export.SYSTEMS:
        raise GraderError(f"--lms {lms}: unknown system; use one of {', '.join(lms_export.SYSTEMS)}")
    if lms is not None and roster is None:
        raise GraderError(f"--lms {lms} needs --roster roster.csv (columns id,name,email): "
                          "the LMS file identifies students by the roster's names, ids and emails")
    return class_roster.read_roster(roster) if roster is not None else []


def _missing_rows(missing: list[str], ag, manual: dict) -> list[dict]:
    """The ``missing`` rows of roster students without a file (hand-given scores still apply)."""
    return [apply_manual(missing_row(sid, ag), ag, manual[sid]) if manual.get(sid) else missing_row(sid, ag)
            for sid in missing]


def limits_text(limits: Limits) -> str:
    """``900 s wall-clock, 4096 MB memory, 5 MB output`` (per submission)."""
    return f"{limits.timeout_s:g} s wall-clock, {limits.memory_mb} MB memory, {limits.output_mb:g} MB output"


def _shown(row: dict, ag, manual: dict, codes: dict) -> dict:
    """``row`` as the gradebook and the report show it: the student's hand-given scores
    (``manual``: id -> question -> score) applied, the batch's integrity ``codes`` (id -> codes) added."""
    return with_integrity(apply_manual(row, ag, manual.get(row["id"], {})), codes.get(row["id"], ()))


def _grade(submissions, todo, entries: dict, ag, out: Path, batch, manual: dict, codes: dict, *,
           jobs: int, progress: bool, run=run_batch, missing: list[str] = ()) -> list:
    """Write the pending gradebook, grade ``todo``, record each outcome as it ends; returns the outcomes.
    ``manual`` (student id -> question -> score) and ``codes`` (student id -> integrity codes) are
    applied to every row written; ``run`` is
    :func:`.runner.run_batch` or a drop-in for it (:class:`.cluster.DaskBatch`)."""
    notes, outcomes = {s.id: s.note for s in submissions}, []

    def gradebook():
        rows = [_shown(entries[s.id]["row"] if s.id in entries else pending_row(s.id, ag, notes[s.id]),
                       ag, manual, codes)
                for s in submissions]
        if missing:  # roster students without a file, in id order with the rest
            rows = sorted(rows + _missing_rows(missing, ag, manual), key=lambda r: r["id"])
        write_gradebook(out / "gradebook.csv", rows, ag)

    def record(outcome):
        write_outcome_files(out, outcome, ag, manual.get(outcome.id, {}))
        sub = next(s for s in todo if s.id == outcome.id)
        entries[outcome.id] = entry_for(sub, ag.sha256, row_of(outcome, ag), outcome.failures, outcome.cell_errors)
        save_state(out, entries)
        gradebook()
        outcomes.append(outcome)

    gradebook()
    run(todo, ag, batch, jobs=jobs, on_done=record, progress=progress)
    return outcomes


def summarize(entries: dict, out: Path, report: Path, *, skipped: int) -> dict:
    """Counts per status, mean total, paths: what the CLI prints at the end."""
    rows = [e["row"] for e in entries.values()]
    totals = [float(r["total"]) for r in rows if r["total"] != ""]
    return {"counts": dict(collections.Counter(r["status"] for r in rows)), "skipped": skipped,
            "mean_total": sum(totals) / len(totals) if totals else 0.0,
            "possible": rows[0]["possible"] if rows else 0,
            "gradebook": out / "gradebook.csv", "report": report}
