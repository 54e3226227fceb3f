"""The grading engines: one contract (:mod:`.base`), two engines, the modules they share.

==============  =====================================================================
``base``        the contract (prepare, run, collect, score), :class:`~.base.Outcome`
                (the one result model), :class:`~.base.Limits`, :class:`~.base.Batch`
``sandboxed``   ``--engine safe``, the default: probes in the sandbox, verdicts here
``probe_child`` its child, a plain script copied into the sandbox
``isolation``   its sandbox (bwrap, unshare, none), uids, results handle
``preflight``   proves a sandbox can grade before a batch starts
``otter``       ``--engine otter``: ``otter run`` for autograders not built by ``mlp-course build``
``otter_child`` its child (``python -m grader.grade.engines.otter_child``)
``contained``   runs either child: own session, wall-clock limit, capped logs
``status``      how a child ended, as a gradebook status, for both engines
``child_toolkit`` what both children share (limits, output cap, cell errors, exit codes)
==============  =====================================================================

``isolation`` and ``preflight`` stay here although only the sandboxed engine uses them: they
are its sandbox, and ``grader.grade`` and the cluster worker reach them only to resolve and
check the batch's sandbox once.
"""

from __future__ import annotations

from grader.grade.engines.base import Engine
from grader.grade.engines.otter import OtterEngine
from grader.grade.engines.sandboxed import SandboxedEngine
from grader.grade.plan import supports_safe

#: Every engine by the name ``--engine`` takes.
ENGINES: dict[str, Engine] = {engine.name: engine for engine in (SandboxedEngine(), OtterEngine())}
#: What ``--engine`` accepts: an engine's name or ``auto``.
CHOICES = ("auto", *ENGINES)


def resolve(autograder, requested: str) -> str:
    """The engine ``requested`` names; ``auto`` is ``safe`` whenever the autograder ships the
    hidden checks (:func:`grader.grade.plan.supports_safe`), else ``otter``."""
    if requested == "auto":
        return "safe" if supports_safe(autograder.path) else "otter"
    return requested


def named(name: str) -> Engine:
    """The engine called ``name`` (a resolved name: ``safe`` or ``otter``)."""
    return ENGINES[name]
