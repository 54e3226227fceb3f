"""The Dask worker's side of ``mlp-course grade --cluster``: ready once, then grade one submission per task.

Steps on each worker (ordering: a worker takes no submission before step 3 succeeded):

1. receive -- :class:`GradingPlugin` arrives ONCE per worker (registered by the client under a
   name made of the autograder's sha256; workers that join later get it when they register).
   It carries the autograder zip's bytes (the held-out data stays inside them), the engine,
   the ``--sandbox``/``--no-drop-uid`` request and the client's versions;
2. prepare -- the zip is written to ``<worker local directory>/mlp-grade/<sha256>.zip``, its
   sha256 checked, and read with :func:`~grader.grade.autograder.load_autograder`;
3. sandbox -- the batch sandbox is resolved and preflighted here, once per worker, with the
   same function the local runner uses (:func:`grader.grade.batch_sandbox`); a worker whose
   preflight fails, or whose versions differ from the client's, publishes its reason as an
   event on topic :data:`TOPIC` (the client prints it) and closes itself with its nanny, so
   it takes no work and is not restarted in a loop;
4. grade   -- :func:`grade_task`: the submission's bytes are written under their own file name
   into a fresh private folder and graded by the same per-submission function as the local
   runner (:func:`grader.grade.runner.grade_or_crashed_row`, a black box here), with the numerics of
   :mod:`grader.numerics`; the :class:`~grader.grade.engines.base.Outcome` goes back to the client.

A task cancelled by the client (Ctrl-C) kills its grading child (:meth:`GradingPlugin.transition`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import sys
import threading
from importlib import metadata
from pathlib import Path

from distributed import Reschedule, WorkerPlugin, get_worker

from grader.cleanup import temporary_folder
from grader.errors import GraderError
from grader.textsafe import safe_stem

log = logging.getLogger(__name__)
TOPIC = "mlp-grade-refusal"  # scheduler event topic: {"worker", "reason"} of each worker that refuses work
READY: dict[str, tuple] = {}  # plugin name -> (Autograder, Sandbox or None), on this worker
_KILLS: dict[str, object] = {}  # task key -> kill() of its running grading child
_LOCK = threading.Lock()


def versions() -> dict[str, str]:
    """What must match between the client and a worker for the same file to get the same points."""
    import numpy

    return {"python": ".".join(map(str, sys.version_info[:2])), "numpy": numpy.__version__,
            "mlp-course": metadata.version("mlp-course")}


# The two hooks into the batch grader (kept here, in one place, for when its internals move):
def _batch_sandbox(engine: str, sandbox: str, drop_uid: bool):
    """This worker's sandbox for the batch, preflighted (``GraderError`` with the cause if it cannot)."""
    from grader.grade import batch_sandbox

    return batch_sandbox(engine, sandbox, drop_uid, needed=True)


def _grade(submission, autograder, limits, box, on_start):
    """The local runner's per-submission function, with this worker's sandbox in the batch ``limits``."""
    from grader.grade.runner import grade_or_crashed_row

    return grade_or_crashed_row(submission, autograder, dataclasses.replace(limits, sandbox=box), on_start)


@dataclasses.dataclass
class GradingPlugin(WorkerPlugin):
    """Makes a worker ready to grade with one autograder (see the module docstring, steps 1-3)."""

    name: str
    autograder: bytes
    sha256: str
    engine: str
    sandbox: str
    drop_uid: bool
    client_versions: dict
    run: str = ""  # the client run that registered it (tags its refusal events)
    idempotent = True  # registering the same autograder again does not resend it

    def prepare(self, folder: Path) -> str | None:
        """Steps 2-3 (blocking); the reason this worker refuses work, None when it is ready."""
        from grader.grade.autograder import load_autograder

        mine = versions()
        if mine != self.client_versions:
            differ = ", ".join(f"{k} {mine.get(k)} (client {v})" for k, v in self.client_versions.items()
                               if mine.get(k) != v)
            return f"it runs {differ}; install the client's versions on the workers so points are the same"
        if hashlib.sha256(self.autograder).hexdigest() != self.sha256:
            return "the autograder arrived damaged (sha256 differs); run the command again"
        path = folder / "mlp-grade" / f"{self.sha256}.zip"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.autograder)
        try:
            autograder = load_autograder(path, self.sha256)
            box = _batch_sandbox(self.engine, self.sandbox, self.drop_uid)
        except GraderError as exc:
            return str(exc)
        READY[self.name] = (autograder, box)
        return None

    async def setup(self, worker) -> None:
        reason = await asyncio.to_thread(self.prepare, Path(worker.local_directory))
        if reason is not None:
            log.error("mlp-course: this worker refuses to grade: %s", reason)
            worker.log_event(TOPIC, {"worker": worker.address, "reason": reason, "run": self.run})
            asyncio.get_running_loop().call_soon(
                lambda: asyncio.ensure_future(worker.close(nanny=True, reason=f"mlp-course refuses: {reason}")))

    def teardown(self, worker) -> None:
        READY.pop(self.name, None)

    def transition(self, key, start, finish, **kwargs) -> None:
        """Kill the grading child of a task the client cancelled while it ran."""
        if start == "executing" and finish not in ("memory", "error"):
            with _LOCK:
                kill = _KILLS.pop(str(key), None)
            if kill is not None:
                kill()


def box_of(plugin: str) -> str | None:
    """``describe()`` of this worker's sandbox for the plugin named ``plugin`` (the client runs it on each worker)."""
    ready = READY.get(plugin)
    if ready is None:
        return None
    return ready[1].describe() if ready[1] is not None else "none (otter engine)"


def grade_task(sid: str, name: str, data: bytes, sha256: str, note: str, plugin: str, limits):
    """Grade one submission sent as bytes (step 4); returns its cleaned Outcome, never raises for the file."""
    from grader.submissions.discover import Submission

    ready = READY.get(plugin)
    if ready is None:  # a refusing worker about to close, or one still preparing: try elsewhere
        raise Reschedule()
    autograder, box = ready
    key = str(get_worker().get_current_task())

    def on_start(kill) -> None:
        with _LOCK:
            _KILLS[key] = kill

    try:
        with temporary_folder(f"mlp-cluster-{safe_stem(sid)[:40]}-") as folder:
            path = folder / name
            path.write_bytes(data)
            return _grade(Submission(id=sid, path=path, sha256=sha256, note=note), autograder, limits, box, on_start)
    finally:
        with _LOCK:
            _KILLS.pop(key, None)
