"""A toy autograder for the SAFE engine (no MNIST, no otter assign) and a stand-in for its child.

The autograder: q1 ``square`` (2 points) and q2 ``mean`` (3 points), each one hidden test
that calls a check of the toy ``mlp_hidden_checks.py`` below, the way ``mlp-course build``
writes them. :func:`fake_child` replaces :func:`grader.grade.engines.sandboxed.run_probe_child` in fast tests:
it runs the notebook's code cells and the real probe cell in THIS process, inside the
sandbox folder, writing what ``probe_child.py`` writes; a notebook may define
``after_child()``, run once the child is done (what a background process left behind by
the student could do). Everything else (folder, read-back, verdicts, cleanup, records)
is the real grader. :func:`faked` puts it in place for a block.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tempfile
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pytest

from grader.checks import REGISTRY_FILE
from grader.checks.check_registry import namespaced
from grader.grade.engines import sandboxed
from grader.grade.engines.probe_child import PROBE_CELL
from grader.grade.engines.contained import Finished

CHECKS_SOURCE = '''
import numpy as np
from check_registry import Registry

REGISTRY = Registry()

@REGISTRY.probe
def probe_square(inp, square):
    return {"out": np.asarray([square(x) for x in (-2.0, 0.0, 3.0)], dtype=float)}

@REGISTRY.check("check_square", question="q1", probe="square")
def verdict_square(outputs, ref):
    assert "out" in outputs, "square: no result was recorded."
    assert np.allclose(np.asarray(outputs["out"], dtype=float), ref["square_out"]), "square: wrong values."

@REGISTRY.probe
def probe_mean(inp, mean):
    return {"out": np.asarray([mean([1.0, 2.0]), mean([5.0])], dtype=float)}

@REGISTRY.check("check_mean", question="q2", probe="mean")
def verdict_mean(outputs, ref, tol=1e-12):  # an option the tests leave at its default
    assert "out" in outputs, "mean: no result was recorded."
    assert np.allclose(np.asarray(outputs["out"], dtype=float), ref["mean_out"], atol=tol), "mean: wrong values."

globals().update(REGISTRY.entry_points())
'''

TEST_FILE = '''from otter.test_files import test_case

OK_FORMAT = False

name = "{question}"
points = {points}

@test_case(points={points}, hidden=True)
def test_{question}_{function}({function}):
    from mlp_hidden_checks import check_{function}
    check_{function}({function})
'''

HONEST = ["def square(x):\n    return x * x", "def mean(xs):\n    return sum(xs) / len(xs)"]
POSSIBLE = {"q1": 2.0, "q2": 3.0}


def build_autograder(dest: Path) -> Path:
    """Write the toy safe autograder zip at ``dest``."""
    reference = io.BytesIO()
    np.savez(reference, **namespaced({}, {"square_out": np.array([4.0, 0.0, 9.0]), "mean_out": np.array([1.5, 5.0])}))
    with zipfile.ZipFile(dest, "w") as zf:
        zf.writestr("otter_config.json", json.dumps({"assignment_name": "toy-safe", "lang": "python"}))
        zf.writestr("run_autograder", "#!/bin/sh\n")
        for (question, points), function in zip(POSSIBLE.items(), ("square", "mean")):
            zf.writestr(f"tests/{question}.py", TEST_FILE.format(question=question, points=int(points),
                                                               function=function))
        zf.writestr("files/mlp_hidden_checks.py", CHECKS_SOURCE)
        zf.writestr("files/check_registry.py", REGISTRY_FILE.read_bytes())
        zf.writestr("files/mlp_reference.npz", reference.getvalue())
    return dest


def notebook(path: Path, *cells: str, honest: bool = True) -> Path:
    """A submission: the honest answers (unless ``honest`` is False), then ``cells``."""
    sources = (HONEST if honest else []) + list(cells)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources]), path)
    return path


@contextlib.contextmanager
def _inside(work: Path):
    cwd = os.getcwd()
    os.chdir(work)
    sys.path.insert(0, str(work))
    for module in ("mlp_hidden_checks", "check_registry"):
        sys.modules.pop(module, None)
    try:
        yield
    finally:
        for module in ("mlp_hidden_checks", "check_registry"):
            sys.modules.pop(module, None)
        sys.path.remove(str(work))
        os.chdir(cwd)


def fake_child(notebook_path: Path, work: Path, limits, box, uid, seed, on_start) -> Finished:
    """Stand-in for :func:`grader.grade.engines.sandboxed.run_probe_child` (see the module docstring)."""
    nb = nbformat.read(work / notebook_path.name, as_version=4)
    calls = json.loads((work / "calls.json").read_text())
    namespace, errors = {"__name__": "__main__"}, []
    with _inside(work):
        for index, cell in enumerate(nb.cells):
            try:
                exec(cell.source, namespace)  # noqa: S102 - the test's own notebooks
            except Exception as exc:  # noqa: BLE001 - like allow_errors=True
                errors.append({"cell": index, "ename": type(exc).__name__, "evalue": str(exc)})
        exec(PROBE_CELL % (calls,), namespace)  # noqa: S102
        with open("cells.json", "w", encoding="utf-8", errors="surrogatepass") as f:
            json.dump(errors, f)
        if "after_child" in namespace:
            namespace["after_child"]()
    return Finished(returncode=0, timed_out=False, duration_s=0.1, stdout="", stderr="")


@contextlib.contextmanager
def faked(folder: Path):
    """The sandboxed engine's child is :func:`fake_child`; the grader's temporary folders go to
    ``folder`` (created here), where a test can look for what was left behind."""
    folder.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sandboxed, "run_probe_child", fake_child)
        patch.setattr(tempfile, "tempdir", str(folder))
        sandboxed.prepared.cache_clear()
        yield folder
    sandboxed.prepared.cache_clear()
