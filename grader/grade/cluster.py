"""``mlp-course grade --cluster ADDRESS``: grade the batch on a Dask ``distributed`` cluster.

``ADDRESS`` is a scheduler (``tcp://host:8786``) or ``local:N``, a ``LocalCluster`` of N worker
processes (one thread each) on this machine. Only this module and :mod:`.cluster_worker` import
Dask; ``grade`` without ``--cluster`` never loads them.

Steps (:class:`DaskBatch`; ordering: steps 1-2 end before the first gradebook row is written):

1. connect  -- start the ``LocalCluster`` or reach the scheduler (one-line ``GraderError`` if
   it cannot) and wait for a worker;
2. ship     -- register :class:`.cluster_worker.GradingPlugin`: the autograder zip travels ONCE
   per worker (later workers get it when they join), named by its sha256; each worker
   preflights its own sandbox. Workers that refuse are listed with their reason (a warning);
   when none is ready, ``GraderError`` and nothing is graded;
3. grade    -- (:meth:`DaskBatch.__call__`, the drop-in for :func:`.runner.run_batch`) one task per
   submission, its file sent as bytes; at most as many tasks in flight as the cluster has
   worker threads, so a worker that dies takes down only what it was running. ``on_done``
   runs in this thread, in completion order, once per student id; the progress bar, Ctrl-C
   and the gradebook are the local runner's.

Tasks are keyed by (autograder sha256, submission sha256, id): a task retried after its worker
died is the same task, and its one result is recorded once. Faults:

* a worker that dies while grading: the scheduler runs the task again elsewhere; after it has
  lost ``allowed-failures + 1`` workers (``local:N``: :data:`LOCAL_ALLOWED_FAILURES` + 1 = 3;
  a scheduler of your own: its ``distributed.scheduler.allowed-failures``) the row is
  ``crashed`` with "killed N workers" and the batch goes on;
* the scheduler lost: :class:`~grader.errors.GraderError` (one line); every finished row is
  already in the gradebook, and running the command again resumes.

The held-out data never appear in a task's arguments: they stay inside the autograder zip.
"""

from __future__ import annotations

import collections
import logging
from concurrent.futures import CancelledError
import re
import time
import uuid

import dask
from distributed import Client, LocalCluster, wait
from distributed.scheduler import KilledWorker
from tqdm import tqdm

from grader.errors import GraderError
from grader import readback
from grader.grade.cluster_worker import TOPIC, GradingPlugin, box_of, grade_task, versions
from grader.grade.runner import grade_or_crashed_row
from grader.grade.engines.base import cleaned, rejected
from grader.textsafe import short_hash

log = logging.getLogger(__name__)
LOCAL = re.compile(r"local:(\d+)")
REMOTE = re.compile(r"(tcp|tls|ucx|inproc)://\S+|[\w.\-]+:\d+")
LOCAL_ALLOWED_FAILURES = 2  # local:N: a task whose worker died 3 times is recorded as crashed
#: Dask's own periodic bookkeeping, slowed or switched off for ``local:N`` (its scheduler, nannies and workers)
#: and this client. By default an idle ``LocalCluster`` of 2 workers burns about 8 % of a core on it (measured:
#: docs/cluster.md), taken from the grading children on the same cores. None of it guards a result: the
#: memory monitor still ends a worker over its limit (each grading child has its own rlimit anyway).
QUIET = {
    "distributed.worker.profile.enabled": False,  # statistical profiler: every thread's stack every 10 ms
    "distributed.admin.tick.interval": "1s",  # event-loop health check, default every 20 ms
    "distributed.admin.system-monitor.interval": "2s",  # dashboard CPU/memory samples, default every 500 ms
    "distributed.admin.system-monitor.disk": False,  # host-wide disk counters, for the dashboard only
    "distributed.worker.memory.monitor-interval": "1s",  # spill/pause/terminate thresholds, default 100 ms
}
CONNECT_TIMEOUT_S = 30
WORKERS_TIMEOUT_S = 120
SEND_BYTES = 128 << 20  # larger files, and anything not a regular file, are refused by the check on this side
LOST = ("lost the connection to the Dask scheduler at {address} ({why}); every finished row is saved in the "
        "gradebook; restart the scheduler and its workers and run the same command again to grade the rest")


def parse_address(address: str) -> int | None:
    """The N of ``local:N``, None for a scheduler address; ``GraderError`` for anything else."""
    match = LOCAL.fullmatch(address)
    if match:
        if int(match.group(1)) < 1:
            raise GraderError(f"--cluster {address}: a local cluster needs at least 1 worker, e.g. local:2")
        return int(match.group(1))
    if not REMOTE.fullmatch(address):
        raise GraderError(f"--cluster {address}: not a Dask scheduler address; use tcp://HOST:PORT "
                          "(as `dask scheduler` prints it) or local:N for N worker processes on this machine")
    return None


def _kind(exc: BaseException) -> str:
    """``Type: first line of the message`` (at most 300 characters): an exception in one line."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}"[:300] if lines else type(exc).__name__


class DaskBatch:
    """A context manager that connects and readies the workers (steps 1-2); calling it grades (step 3)."""

    def __init__(self, address: str, autograder, *, engine: str, sandbox: str, drop_uid: bool, needed: bool = True):
        self.address, self.autograder, self.needed = address, autograder, needed
        self.local_workers = parse_address(address)
        self.plugin = GradingPlugin(name=f"mlp-grade-{autograder.sha256[:16]}-{engine}-{sandbox}-{int(drop_uid)}",
                                    autograder=b"", sha256=autograder.sha256, engine=engine, sandbox=sandbox,
                                    drop_uid=drop_uid, client_versions=versions(), run=uuid.uuid4().hex)
        self.cluster = self.client = None
        self._quiet: list = []  # (handler of a "distributed" logger, its level before we quieted it)
        self.boxes: dict[str, str] = {}  # worker address -> its sandbox, as it described it
        self.refusals: dict[str, str] = {}  # worker address -> why it refuses work

    # -- steps 1-2 -------------------------------------------------------------------------
    def __enter__(self) -> "DaskBatch":
        if self.needed:
            try:
                self._connect()
                self._ship()
            except BaseException:
                self.close()
                raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _quiet_dask(self) -> None:
        """Silence Dask's own log lines in this process (until :meth:`close`): our errors say what happened,
        in one line."""
        names = [n for n in list(logging.root.manager.loggerDict) if n.split(".")[0] == "distributed"]
        loggers = [logging.getLogger(n) for n in names]
        self._quiet = list({h: h.level for logger in loggers for h in logger.handlers}.items())
        for handler, _ in self._quiet:
            handler.setLevel(logging.CRITICAL)

    def _connect(self) -> None:
        self._quiet_dask()
        if self.local_workers is not None:  # the nannies hand this configuration on to their worker processes
            with dask.config.set({**QUIET, "distributed.scheduler.allowed-failures": LOCAL_ALLOWED_FAILURES}):
                self.cluster = LocalCluster(n_workers=self.local_workers, threads_per_worker=1, processes=True,
                                            dashboard_address=None, silence_logs=logging.CRITICAL)
                self.client = Client(self.cluster)
            return
        try:
            with dask.config.set(QUIET):
                self.client = Client(self.address, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError) as exc:
            raise GraderError(f"--cluster {self.address}: no Dask scheduler answered there within "
                              f"{CONNECT_TIMEOUT_S} s ({_kind(exc)}); start one with `dask scheduler` (or "
                              "docs/cluster.md for Slurm), or check the address; nothing was graded") from None

    def _ship(self) -> None:
        try:
            self.client.wait_for_workers(1, timeout=WORKERS_TIMEOUT_S)
        except TimeoutError:
            raise GraderError(f"--cluster {self.address}: no Dask worker joined within {WORKERS_TIMEOUT_S} s; "
                              f"start workers with `dask worker {self.address}`; nothing was graded") from None
        self.plugin.autograder = self.autograder.path.read_bytes()
        try:
            self.client.register_plugin(self.plugin, name=self.plugin.name)
        except OSError as exc:  # a worker lost while it prepared; the scheduler keeps the plugin for the rest
            log.warning("grade: a Dask worker was lost while it prepared to grade (%s); the others go on", _kind(exc))
        finally:
            self.plugin.autograder = b""  # the client keeps no second copy
        for _ in range(40):  # a refusal's event may reach the scheduler just after registration returns
            self._survey()
            if self.boxes or self.refusals:
                break
            time.sleep(0.25)
        if not self.boxes:
            why = next(iter(self.refusals.values()), "no worker finished preparing")
            raise GraderError(f"--cluster {self.address}: no Dask worker can grade; {why}; nothing was graded")

    def _survey(self) -> None:
        """Learn which workers are ready (and their sandbox) and which refused (and why)."""
        for _, event in self.client.get_events(TOPIC):
            if event.get("run") == self.plugin.run and event["worker"] not in self.refusals:
                self.refusals[event["worker"]] = event["reason"]
                log.warning("grade: Dask worker %s refuses to grade: %s", event["worker"], event["reason"])
        found = self.client.run(box_of, self.plugin.name, on_error="return")
        self.boxes.update({w: box for w, box in found.items() if isinstance(box, str)})

    def close(self) -> None:
        for thing in (self.client, self.cluster):
            if thing is not None:
                try:
                    thing.close(timeout=10) if thing is self.client else thing.close()
                except Exception:  # noqa: BLE001 - closing after a lost scheduler may fail; nothing is left to save
                    pass
        self.client = self.cluster = None
        for handler, level in self._quiet:
            handler.setLevel(level)
        self._quiet = []

    def describe(self) -> str:
        """The workers' sandboxes, for the ``settings:`` line and the class report."""
        if not self.boxes:
            return f"on the Dask workers of {self.address} (none contacted: nothing to grade)"
        counts = collections.Counter(self.boxes.values())
        return "; ".join(f"{box}, on {n} Dask worker{'s' * (n > 1)}" for box, n in sorted(counts.items())) \
            + f" ({self.address})"

    # -- step 3 ----------------------------------------------------------------------------
    def __call__(self, submissions, autograder, limits, *, jobs: int, on_done, progress: bool = True) -> None:
        """Grade ``submissions`` on the cluster, calling ``on_done`` once per student id (``jobs`` is unused:
        the workers' threads set how many run at once)."""
        queue, live, recorded = collections.deque(submissions), {}, set()
        bar = tqdm(total=len(submissions), unit="nb", desc="grading", disable=None if progress else True,
                   dynamic_ncols=True)
        counts = collections.Counter()

        def finish(outcome) -> None:
            if outcome.id in recorded:  # idempotent: one row per submission, whatever was retried
                return
            recorded.add(outcome.id)
            on_done(outcome)
            counts.update(done=1, failed=outcome.status != "graded")
            bar.set_postfix(done=counts["done"], failed=counts["failed"], refresh=False)
            bar.update()

        try:
            while queue or live:
                slots = max(1, sum(self._nthreads().values()))
                while queue and len(live) < slots:
                    sub = queue.popleft()
                    sent = self._submit(sub, autograder, limits)
                    if isinstance(sent, tuple):  # graded here: refused by the check before anything ran
                        finish(sent[0])
                    else:
                        live[sent] = sub
                for future in self._finished(live):
                    finish(self._outcome(future, live.pop(future), autograder))
        except BaseException:
            self._cancel(live)
            raise
        finally:
            bar.close()

    def _nthreads(self) -> dict:
        try:
            return self.client.nthreads()
        except Exception as exc:  # noqa: BLE001 - any failure to reach the scheduler ends the run
            raise GraderError(LOST.format(address=self.address, why=_kind(exc))) from None

    def _submit(self, sub, autograder, limits):
        """A future grading ``sub`` on the cluster, or ``(outcome,)`` for a file that cannot be sent
        (not a regular file, or over :data:`SEND_BYTES`): the per-submission check refuses it here."""
        f = readback.open_regular(sub.path, SEND_BYTES, strict=False)
        if f is None:
            return (grade_or_crashed_row(sub, autograder, limits, lambda kill: None),)
        with f:
            data = f.read(SEND_BYTES + 1)
        key = f"mlp-grade-{autograder.sha256[:12]}-{sub.sha256[:12]}-{short_hash(sub.id)}"
        return self.client.submit(grade_task, sub.id, sub.path.name, data, sub.sha256, sub.note, self.plugin.name,
                                  limits, key=key, retries=0)

    def _finished(self, live: dict) -> list:
        """The futures of ``live`` that ended, waiting up to a second for one."""
        if not live:
            return []
        try:
            done, _ = wait(list(live), timeout=1, return_when="FIRST_COMPLETED")
        except TimeoutError:
            return []
        except (CancelledError, OSError) as exc:  # the futures were cancelled because the scheduler is gone
            raise GraderError(LOST.format(address=self.address, why=_kind(exc))) from None
        return list(done)

    def _outcome(self, future, sub, autograder):
        if future.status == "finished":
            return future.result()
        if future.status == "error":
            exc = future.exception()
            if isinstance(exc, KilledWorker):
                n = exc.allowed_failures + 1
                return cleaned(rejected(sub, autograder, "crashed",
                                        f"killed {n} workers: each Dask worker grading this notebook died "
                                        "(out of memory on its node, or killed); see the workers' logs"))
            return cleaned(rejected(sub, autograder, "crashed", f"grader error: {_kind(exc)}"))
        raise GraderError(LOST.format(address=self.address, why=f"task {future.status}"))

    def _cancel(self, live: dict) -> None:
        try:
            if live and self.client is not None and self.client.status == "running":
                self.client.cancel(list(live), force=True)
        except Exception:  # noqa: BLE001 - the scheduler may be gone already
            pass
