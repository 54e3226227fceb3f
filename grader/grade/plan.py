"""Read an autograder zip WITHOUT running any of it: which hidden check each test calls.

A test case the safe engine can grade is an otter exception-based test whose body is
``from mlp_hidden_checks import check_X`` and one call ``check_X(a, b, 1, 5, 0.99)``
(arguments: notebook names, which are the test's parameters, or constants). Each such
test becomes a :class:`HiddenCall`. Test files are read by :mod:`.testfiles` (parsed with
:mod:`ast`, never run; points split by otter's own rule).

A safe plan exists when the zip ships ``files/mlp_hidden_checks.py`` and
``files/mlp_reference.npz``; tests worth points that are not check calls are listed in
``unsupported`` (graded 0 by the safe engine, with a note).
"""

from __future__ import annotations

import ast
import dataclasses
import importlib.util
import io
import zipfile
from pathlib import Path

import numpy as np

from grader.grade.testfiles import read_test_files

CHECKS_NAME, REFERENCE_NAME = "files/mlp_hidden_checks.py", "files/mlp_reference.npz"


@dataclasses.dataclass(frozen=True)
class HiddenCall:
    """One test case: ``check(*args)`` where args are ``("name", str)`` or ``("const", value)``."""

    question: str
    test: str
    points: float
    check: str
    args: tuple


@dataclasses.dataclass(frozen=True)
class Plan:
    calls: list[HiddenCall]
    unsupported: list[tuple[str, str, float]]  # (question, test, points)


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


def read_plan(zf: zipfile.ZipFile, questions, known: set[str]) -> Plan:
    """The plan of the test files of ``questions`` in ``zf`` (each test's points as otter resolves them)."""
    calls, unsupported = [], []
    for test_file in read_test_files(zf):
        if test_file.question not in questions:
            continue
        for case in test_file.cases:
            found = _check_call(case.func, known)
            if found is not None:
                calls.append(HiddenCall(test_file.question, case.name, case.points, *found))
            elif case.points > 0:
                unsupported.append((test_file.question, case.name, case.points))
    return Plan(calls, unsupported)


def supports_safe(path: Path) -> bool:
    """Does this autograder ship the hidden checks and reference values the safe engine needs?"""
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
    return CHECKS_NAME in names and REFERENCE_NAME in names


def load_checks(zf: zipfile.ZipFile, dest: Path):
    """Import the zip's (instructor-written) ``mlp_hidden_checks.py`` under a private name."""
    path = dest / "mlp_hidden_checks.py"
    path.write_bytes(zf.read(CHECKS_NAME))
    spec = importlib.util.spec_from_file_location(f"_grader_checks_{abs(hash(str(dest)))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _npz(data: bytes) -> dict:
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


def reference_and_inputs(zf: zipfile.ZipFile, checks) -> tuple[dict, dict]:
    """``(reference, inputs)``: everything the verdicts need (held-out labels as
    ``heldout_{d1}_{d2}_y``) and the part probes may see (held-out images, no labels)."""
    reference = _npz(zf.read(REFERENCE_NAME))
    for name in zf.namelist():
        stem = Path(name).stem
        if name.startswith("files/heldout_") and name.endswith(".npz"):
            held = _npz(zf.read(name))
            reference[f"{stem}_x"], reference[f"{stem}_y"] = held["x"], held["y"]
            reference[f"{stem}_dataset"] = held.get("dataset", np.array("mnist"))
    if "files/train_mnist.npz" in zf.namelist():
        reference["train_mnist_y"] = _npz(zf.read("files/train_mnist.npz"))["y"]
    return reference, checks.split_inputs(reference)
