"""Grade many submissions at once: N contained children in parallel, a tqdm progress bar.

Each of the ``jobs`` supervisor threads starts one grading child process at a time (the
child, its kernel and everything they start is one contained unit, see
:mod:`grader.grade.engines.contained`). ``on_done(outcome)`` runs in the calling thread, in
completion order, so recording needs no lock. On Ctrl-C every running child is killed,
queued submissions are dropped and ``KeyboardInterrupt`` propagates to the caller.
Afterwards :func:`harness_failure` tells a batch the grader failed (every submission crashed
the same way) from one where students did.
"""

from __future__ import annotations

import concurrent.futures as cf
import threading

from tqdm import tqdm

from grader.grade.pipeline import grade_one
from grader.grade.engines.base import cleaned, rejected

GRADER_ERROR = "grader error:"
HARNESS_HINT = ("run one submission with --jobs 1 and read its detail and feedback, fix the installation or "
                "the sandbox (grader/grade/SAFETY.md), then re-run with --force to regrade these rows")


def grade_or_crashed_row(submission, autograder, batch, on_start):
    """``grade_one``, but a bug or OS error in the harness becomes a ``crashed`` row, never a
    lost one; every text of the outcome is made safe to record (:func:`.engines.base.cleaned`)."""
    try:
        return cleaned(grade_one(submission, autograder, batch, on_start))
    except Exception as exc:  # noqa: BLE001 - one bad item must not stop the batch
        return cleaned(rejected(submission, autograder, "crashed", f"{GRADER_ERROR} {type(exc).__name__}: {exc}"))


def harness_failure(outcomes) -> str | None:
    """The one-line error when at least 2 submissions all crashed the same way, else None.

    "The same way": one shared detail, or every detail is a harness exception
    (``grader error: ...``, see :func:`grade_or_crashed_row`), whatever the exception.
    """
    details = [o.detail for o in outcomes if o.status == "crashed"]
    if len(outcomes) < 2 or len(details) < len(outcomes):
        return None
    if len(set(details)) > 1 and not all(d.startswith(GRADER_ERROR) for d in details):
        return None
    return (f"every submission crashed the same way ({details[0][:300]}): the grader, not the students, "
            f"is failing; {HARNESS_HINT}")


class _Killer:
    """Remembers how to kill each running child; once stopped, kills any that start later."""

    def __init__(self):
        self.lock, self.kills, self.stopped = threading.Lock(), {}, False

    def started(self, key, kill) -> None:
        with self.lock:
            self.kills[key] = kill
            late = self.stopped
        if late:
            kill()

    def finished(self, key) -> None:
        with self.lock:
            self.kills.pop(key, None)

    def stop_all(self) -> None:
        with self.lock:
            self.stopped, kills = True, list(self.kills.values())
        for kill in kills:
            kill()


def run_batch(submissions, autograder, batch, *, jobs: int, on_done, progress: bool = True) -> None:
    """Grade ``submissions`` with ``batch`` (:class:`~.engines.base.Batch`: engine, sandbox, limits),
    ``jobs`` children at a time, calling ``on_done`` for each."""
    killer = _Killer()
    pool = cf.ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="grade")
    bar = tqdm(total=len(submissions), unit="nb", desc="grading", disable=None if progress else True,
                dynamic_ncols=True)
    done = failed = 0
    try:
        futures = [pool.submit(grade_or_crashed_row, s, autograder, batch,
                               lambda kill, key=s.id: killer.started(key, kill)) for s in submissions]
        for future in cf.as_completed(futures):
            outcome = future.result()
            killer.finished(outcome.id)
            on_done(outcome)
            done, failed = done + 1, failed + (outcome.status != "graded")
            bar.set_postfix(done=done, failed=failed, refresh=False)
            bar.update()
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        killer.stop_all()
        raise
    finally:
        bar.close()
        pool.shutdown(wait=True)
