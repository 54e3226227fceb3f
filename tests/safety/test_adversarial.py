"""Does one batch of hostile submissions leave the grader, the other rows and the data unharmed?

Each adversarial submission is the blank student notebook plus one attack cell (it earns
nothing honestly); ``solution`` is the reference solution, which must keep full marks.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import nbformat
import pytest

from grader.grade import main as grade_main
from grader.grade.engines.isolation import mode
from grader.gradebook import read_gradebook

pytestmark = pytest.mark.slow
TIMEOUT = 120

# id -> (expected status or set of statuses, attack cell); {zip} / {heldout} / {sentinel} filled in
# below. A fork bomb ends either at the wall limit or when its kernel can no longer start threads.
# A cell that kills only its kernel is skipped and the notebook re-run without it (graded, 0 points);
# under bwrap the runner and inputs are read-only binds that "delete" cannot remove.
ATTACKS = {
    "kill_group": ("graded", "import os, signal\nos.killpg(os.getpgid(0), signal.SIGKILL)"),
    "kill_parent": ("crashed", "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"),
    "os_exit": ("graded", "import os\nos._exit(0)"),
    "fork_bomb": ({"timeout", "crashed"}, "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"),
    "flood": ("output-limit", "while True:\n    print('x' * 10000)"),
    "sleep": ("timeout", "import time\ntime.sleep(10 ** 6)"),
    "delete": ("graded", "import os, shutil\nfor p in ['{sentinel}', '{zip}', '{heldout}', '/tmp', '/work', '/root', '.']:\n"
                         "    shutil.rmtree(p, ignore_errors=True)\n    try:\n        os.remove(p)\n    except OSError:\n        pass"),
    "network": ("graded", "import socket\nsocket.create_connection(('1.1.1.1', 53), timeout=5)"),
    "read_labels": ("graded", "open('{heldout}', 'rb').read()"),
    "read_zip": ("graded", "open('{zip}', 'rb').read()"),
    "patch_numpy": ("graded", "import numpy\nnumpy.allclose = numpy.array_equal = lambda *a, **k: True\n"
                              "numpy.isclose = lambda a, b, **k: numpy.ones(numpy.shape(b), bool)\n"
                              "numpy.mean = lambda *a, **k: 1.0"),
    "patch_builtins": ({"graded", "crashed", "timeout"}, "import builtins\nbuiltins.AssertionError = type('Nothing', (BaseException,), {})\n"
                                 "builtins.isinstance = lambda *a: True"),
    "patch_checks": ("graded", "import mlp_hidden_checks as c\nc.REGISTRY.run_verdict = lambda *a, **k: None\n"
                               "for n in dir(c):\n    if n.startswith(('check_', 'verdict_')):\n        setattr(c, n, lambda *a, **k: None)"),
    "patch_otter": ("graded", "import otter\notter.Notebook.check = lambda *a, **k: None\n"
                              "check_heldout_accuracy = check_feedforward_hidden = lambda *a, **k: None"),
    "accuracy_score": ("graded", "import sklearn.metrics\nsklearn.metrics.accuracy_score = lambda *a, **k: 1.0\n"
                                 "import numpy as np\npredict = lambda model, images, d1, d2: np.full(len(images), d1)\n"
                                 "model_1_5 = model_7_9 = None"),
    "fake_outputs": ("graded", "import numpy as np, os\nnp.savez('probe_outputs.npz', p0__out=np.ones(3))\n"
                                "open('probe_errors.json', 'w').write('{}')\nos._exit(0)"),
    "big_file": ("graded", "open('big.bin', 'wb').write(b'0' * (300 * 2 ** 20))"),
    "many_files": ("graded", "keep = [open('f%d' % i, 'w') for i in range(100000)]"),
}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _snapshot(folder: Path) -> dict:
    return {p: _sha(p) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def graded(mlp_build, tmp_path_factory):
    zip_path, solution, student, data = mlp_build
    folder, out = tmp_path_factory.mktemp("subs"), tmp_path_factory.mktemp("graded")
    sentinel = tmp_path_factory.mktemp("outside") / "sentinel.txt"
    sentinel.write_text("still here")
    heldout = data / "heldout" / "heldout_1_5.npz"
    for sid, (_, attack) in ATTACKS.items():
        nb = nbformat.read(student, as_version=4)
        code = attack.replace("{zip}", str(zip_path)).replace("{heldout}", str(heldout))
        code = code.replace("{sentinel}", str(sentinel))
        nb.cells.insert(3, nbformat.v4.new_code_cell(code))
        nbformat.write(nb, folder / f"{sid}.ipynb")
    (folder / "solution.ipynb").write_bytes(solution.read_bytes())
    before = {**_snapshot(folder), **_snapshot(data), zip_path: _sha(zip_path)}
    grade_main(folder, autograder=zip_path, out=out, jobs=2, timeout=TIMEOUT, memory_mb=3000,
               output_mb=1, progress=False, engine="safe")
    after = {**_snapshot(folder), **_snapshot(data), zip_path: _sha(zip_path)}
    return read_gradebook(out / "gradebook.csv"), out, before, after, sentinel


def test_does_the_correct_solution_keep_full_marks(graded):
    rows = graded[0]
    assert rows["solution"]["status"] == "graded", rows["solution"]["detail"]
    possible = rows["POINTS POSSIBLE"]
    pending = rows["solution"]["detail"].removeprefix("manual pending: ").split(";")[0].split(", ")
    automatic = float(possible["total"]) - sum(float(possible[q]) for q in pending if q in possible)
    assert float(rows["solution"]["total"]) == automatic > 0  # manual questions wait for a person


@pytest.mark.parametrize("sid", sorted(ATTACKS))
def test_does_each_attack_get_its_status_and_no_points(graded, sid):
    row = graded[0][sid]
    expected = ATTACKS[sid][0]
    assert row["status"] in ({expected} if isinstance(expected, str) else expected), row["detail"]
    assert float(row["total"]) == 0.0


def test_did_no_file_outside_the_sandboxes_change(graded):
    _, _, before, after, sentinel = graded
    assert after == before
    assert sentinel.read_text() == "still here"


@pytest.mark.parametrize("sid", ["read_labels", "read_zip", "network"])
def test_could_student_code_not_reach_labels_autograder_or_network(graded, sid):
    feedback = (graded[1] / "feedback" / f"{sid}.md").read_text()
    assert "## Cells that raised an error" in feedback
    assert any(e in feedback for e in ("FileNotFoundError", "PermissionError", "OSError", "Network is unreachable"))


def test_is_the_sandbox_bubblewrap_here():
    assert mode() == "bwrap", "install the Debian package bubblewrap (listed in .ci/apt-packages.txt)"
