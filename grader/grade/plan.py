"""Read an autograder zip WITHOUT running any of it: which hidden check each test calls,
and which probe runs serve them.

A test case the safe engine can grade is an otter exception-based test whose body is
``from mlp_hidden_checks import check_X`` and one call ``check_X(a, b, 1, 5, 0.99)``
(arguments: notebook names, which are the test's parameters, or constants). Each such
test becomes a :class:`HiddenCall`; its probe id comes from the checks' registry
(``REGISTRY.probe_call``), so tests that need the same probe run (the accuracy tiers of one
model) share it. The registry's integrity signals add their own probe runs
(``Plan.signals``; codes, never points). Test files are read by :mod:`.testfiles`
(parsed with :mod:`ast`, never run; points split by otter's own rule).

A safe plan exists when the zip ships ``files/mlp_hidden_checks.py``, its core
``files/check_registry.py`` and ``files/mlp_reference.npz`` (two namespaces: ``inputs/`` may
enter the sandbox, ``expected/`` never does); tests worth points that are not check calls are
listed in ``unsupported`` (graded 0 by the safe engine, with a note).
"""

from __future__ import annotations

import ast
import dataclasses
import importlib.util
import io
import sys
import threading
import zipfile
from pathlib import Path

import numpy as np

from grader.checks.check_registry import split_namespaces
from grader.grade.testfiles import read_test_files

CHECKS_NAME, CORE_NAME = "files/mlp_hidden_checks.py", "files/check_registry.py"
REFERENCE_NAME = "files/mlp_reference.npz"


@dataclasses.dataclass(frozen=True)
class HiddenCall:
    """One test case: ``check(*args)`` where args are ``("name", str)`` or ``("const", value)``."""

    question: str
    test: str
    points: float
    check: str
    args: tuple
    probe_id: str = ""

    def values(self) -> tuple:
        """The call's arguments as written: notebook names (str) and constants."""
        return tuple(value for _, value in self.args)


@dataclasses.dataclass(frozen=True)
class Plan:
    calls: list[HiddenCall]
    unsupported: list[tuple[str, str, float]]  # (question, test, points)
    probes: dict = dataclasses.field(default_factory=dict)  # probe id -> [probe name, {parameter: arg}]
    signals: list[HiddenCall] = dataclasses.field(default_factory=list)  # integrity signals: no test, no points

    def probe_calls(self) -> list:
        """The distinct probe runs, in order: what the sandbox's ``calls.json`` lists."""
        return list(self.probes.values())

    def index(self, probe_id: str) -> int:
        """The position of ``probe_id`` among :meth:`probe_calls`."""
        return {pid: i for i, pid in enumerate(self.probes)}[probe_id]


def _const(node):
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str)) else None


def _check_call(func: ast.FunctionDef | None, known: set[str]):
    """``(check name, args)`` if the body is one import + one known check call, else None."""
    if func is None:
        return None
    calls = [n.value for n in func.body if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)]
    others = [n for n in func.body if not isinstance(n, (ast.Expr, ast.ImportFrom))]
    if len(calls) != 1 or others or not isinstance(calls[0].func, ast.Name) or calls[0].func.id not in known:
        return None
    args = []
    for arg in calls[0].args:
        if isinstance(arg, ast.Name):
            args.append(("name", arg.id))
        elif _const(arg) is not None:
            args.append(("const", _const(arg)))
        else:
            return None
    return calls[0].func.id, tuple(args)


def read_plan(zf: zipfile.ZipFile, questions, registry) -> Plan:
    """The plan of the test files of ``questions`` in ``zf`` (each test's points as otter
    resolves them), with probe ids from ``registry`` (the zip's ``REGISTRY``)."""
    calls, unsupported, probes = [], [], {}
    known = {name for name, check in registry.checks.items() if check.points}
    for test_file in read_test_files(zf):
        if test_file.question not in questions:
            continue
        for case in test_file.cases:
            found = _check_call(case.func, known)
            try:
                probe_id, probe, arguments = registry.probe_call(*found) if found else (None, None, None)
            except TypeError:  # a call whose arguments do not fit the check
                found = None
            if found is not None:
                probes.setdefault(probe_id, [probe, arguments])
                calls.append(HiddenCall(test_file.question, case.name, case.points, *found, probe_id))
            elif case.points > 0:
                unsupported.append((test_file.question, case.name, case.points))
    signals = []
    for signal in registry.signals():
        for args in signal.calls:
            probe_id, probe, arguments = registry.probe_call(signal.name, tuple(args))
            probes.setdefault(probe_id, [probe, arguments])
            signals.append(HiddenCall("", signal.name, 0.0, signal.name, tuple(args), probe_id))
    return Plan(calls, unsupported, probes, signals)


def supports_safe(path: Path) -> bool:
    """Does this autograder ship the hidden checks, their core and reference values the safe engine needs?"""
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
    return {CHECKS_NAME, CORE_NAME, REFERENCE_NAME} <= names


_IMPORTING = threading.Lock()  # the name ``check_registry`` is lent to one import at a time


def load_checks(zf: zipfile.ZipFile, dest: Path):
    """Import the zip's (instructor-written) ``mlp_hidden_checks.py`` under a private name, with
    its ``check_registry.py`` (also private; seen as ``check_registry`` only while it loads)."""
    with _IMPORTING:
        return _load_checks(zf, dest)


def _load_checks(zf: zipfile.ZipFile, dest: Path):
    tag = abs(hash(str(dest)))
    modules = []
    for member, name in ((CORE_NAME, f"_grader_check_registry_{tag}"), (CHECKS_NAME, f"_grader_checks_{tag}")):
        path = dest / Path(member).name
        path.write_bytes(zf.read(member))
        spec = importlib.util.spec_from_file_location(name, path)
        modules.append(importlib.util.module_from_spec(spec))
        saved = sys.modules.get("check_registry")
        sys.modules.update({"check_registry": modules[0], name: modules[-1]})  # dataclasses look modules up
        try:
            spec.loader.exec_module(modules[-1])
        finally:
            sys.modules.pop(name, None)
            if saved is None:
                sys.modules.pop("check_registry", None)
            else:
                sys.modules["check_registry"] = saved
    return modules[-1]


def _npz(data: bytes) -> dict:
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


def reference_and_inputs(zf: zipfile.ZipFile) -> tuple[dict, dict]:
    """``(reference, inputs)``: everything the verdicts need (the two namespaces together, held-out
    labels as ``heldout_{d1}_{d2}_y``) and the ``inputs`` namespace, the only part probes may see
    (with the held-out images, no labels)."""
    inputs, expected = split_namespaces(_npz(zf.read(REFERENCE_NAME)))
    for name in zf.namelist():
        stem = Path(name).stem
        if name.startswith("files/heldout_") and name.endswith(".npz"):
            held = _npz(zf.read(name))
            inputs[f"{stem}_x"], expected[f"{stem}_y"] = held["x"], held["y"]
            expected[f"{stem}_dataset"] = held.get("dataset", np.array("mnist"))
    if "files/train_mnist.npz" in zf.namelist():
        expected["train_mnist_y"] = _npz(zf.read("files/train_mnist.npz"))["y"]
    return {**inputs, **expected}, inputs
