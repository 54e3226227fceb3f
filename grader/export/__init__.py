"""Notebooks -> PDFs for students' records and for manual grading (``mlp-course export``).

Pipeline, for each input, in a process pool:

1. find the inputs: one ``.ipynb``/``.zip``, or every one directly in a folder (student id =
   file stem, as in ``grade``);
2. read the notebook (from inside the zip for an otter export);
3. with ``filtered``, keep only the written answers, their prompts and the plots;
4. convert with nbconvert's LaTeX path and write ``<id>.pdf`` (``<id>.filtered.pdf``)
   atomically, so a failed conversion leaves no file.

A failing input gets an :class:`Exported` result with a one-line error; the others go on.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Iterator

from tqdm import tqdm

from grader import atomic
from grader.export.filtering import filter_for_manual_grading
from grader.export.pdf import check_tools, failure_reason, notebook_pdf
from grader.submissions.discover import find_inputs
from grader.submissions.validate import read_notebook
from grader.textsafe import safe_stem

DEFAULT_FOLDER_OUT = Path("exported")


@dataclasses.dataclass(frozen=True)
class Job:
    """Convert ``source`` (a notebook or otter zip) of ``student_id`` into the PDF ``dest``."""

    student_id: str
    source: Path
    dest: Path
    filtered: bool


@dataclasses.dataclass(frozen=True)
class Exported:
    """What became of a job: ``error`` is "" on success, else one line saying why."""

    job: Job
    error: str = ""


def plan(path: Path, *, out: Path | None, filtered: bool) -> list[Job]:
    """One job per input; ``out`` defaults to the input's folder (one file) or ``exported/``."""
    if out is None:
        out = DEFAULT_FOLDER_OUT if path.is_dir() else path.parent
    suffix = ".filtered.pdf" if filtered else ".pdf"
    return [Job(sid, source, out / f"{safe_stem(sid)}{suffix}", filtered)
            for sid, source in find_inputs(path)]


def export_one(job: Job) -> Exported:
    """Run steps 2-4 for one job, turning any failure into the outcome's error."""
    try:
        nb = read_notebook(job.source)
        if job.filtered:
            nb = filter_for_manual_grading(nb)
        atomic.write_bytes(job.dest, notebook_pdf(nb, title=job.student_id))
    except Exception as exc:  # one bad notebook must not stop the batch
        return Exported(job, failure_reason(exc))
    return Exported(job)


def run_jobs(jobs: list[Job], *, workers: int) -> Iterator[Exported]:
    """Results in completion order, from ``workers`` processes (in this process if 1)."""
    if workers == 1:
        yield from map(export_one, jobs)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for future in as_completed([pool.submit(export_one, job) for job in jobs]):
            yield future.result()


def main(*, path: str | os.PathLike, out: str | os.PathLike | None = None,
         filtered: bool = False, jobs: int | None = None,
         progress: bool = True) -> list[Exported]:
    """Export ``path`` (file or folder) to PDFs; returns one outcome per input, sorted by id.

    ``jobs`` defaults to the number of CPUs (at most the number of inputs).
    """
    check_tools()
    todo = plan(Path(path), out=None if out is None else Path(out), filtered=filtered)
    workers = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    outcomes = []
    bar = tqdm(total=len(todo), unit="pdf", disable=not progress)
    for outcome in run_jobs(todo, workers=workers):
        if outcome.error:
            bar.write(f"FAILED {outcome.job.source.name}: {outcome.error}", file=sys.stderr)
        outcomes.append(outcome)
        bar.update()
    bar.close()
    return sorted(outcomes, key=lambda o: o.job.student_id)
