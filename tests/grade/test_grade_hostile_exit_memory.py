"""One batch in the REAL sandbox (``mlp-course grade`` started as its own process, a kernel per
submission, the toy safe autograder of ``safe_toy``; no MNIST):

* cells that call ``exit()``, ``quit()``, ``sys.exit()`` or IPython's exiter between two
  answers: the call is an error in its own cell only, so the submission keeps every point;
* the grader's own memory: probe results declaring a 12.8 GB array or an 800 MB string
  element, and a submission zip whose notebook inflates to 1 GiB, while the test samples
  the grader process's resident memory with ``psutil`` (the sandboxed children are other
  processes and are not counted): it must stay under :data:`PEAK_MB`.

Honest neighbours keep their exact points, every submission has a row, the batch exits 0.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import nbformat
import psutil
import pytest

from safe_toy import HONEST, POSSIBLE, build_autograder, notebook

pytestmark = pytest.mark.slow
FULL = sum(POSSIBLE.values())
TIMEOUT = 60
PEAK_MB = 400  # the bound stated in grader/grade/SAFETY.md
EXITS = {"exit": "exit()", "quit": "quit()", "sys_exit": "import sys\nsys.exit(3)",
         "exiter": "get_ipython().exiter(keep_kernel=False)"}


def npy_header(descr: str, shape: tuple) -> bytes:
    """A version 1.0 ``.npy`` header declaring ``descr`` and ``shape`` (no data follows it)."""
    text = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode()
    text += b" " * (63 - (10 + len(text)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text


CRAFTED = """
import zipfile, numpy
def _crafted(*args, **kwargs):  # what the probe cell calls to save its results
    with zipfile.ZipFile("probe_outputs.npz", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("p0__out.npy", {header!r} + bytes(4096))
        zf.writestr("p1__out.npy", {header!r} + bytes(4096))
numpy.savez = _crafted
"""
ATTACKS = {"huge_shape": npy_header("<f8", (40000, 40000)),  # 12.8 GB declared in a 10 kB file
           "huge_string": npy_header("<U200000000", (1,))}  # one 800 MB element


def zip_bomb(dest: Path, inflated_mb: int) -> Path:
    """A submission zip whose one notebook inflates to ``inflated_mb`` MB (spaces, in 1 MB steps)."""
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("hw.ipynb", "w") as member:
        member.write(b"{")
        for _ in range(inflated_mb):
            member.write(b" " * (1 << 20))
        member.write(b"}")
    return dest


def watch(pid: int, peaks: dict, stop: threading.Event) -> None:
    """Sample the resident memory of process ``pid`` alone (psutil, every 5 ms) and its high-water mark."""
    process = psutil.Process(pid)
    while not stop.is_set():
        try:
            peaks["rss"] = max(peaks.get("rss", 0), process.memory_info().rss)
            with open(f"/proc/{pid}/status") as f:
                hwm = [int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:")]
            peaks["hwm"] = max([peaks.get("hwm", 0), *hwm])
        except (psutil.NoSuchProcess, FileNotFoundError, ProcessLookupError):
            return
        time.sleep(0.005)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("exit-memory")
    folder, out = root / "subs", root / "out"
    folder.mkdir()
    autograder = build_autograder(root / "toy-safe-autograder.zip")
    notebook(folder / "alice.ipynb")
    notebook(folder / "bob.ipynb", "def square(x):\n    return x * abs(x)")  # q1 wrong: 3 points
    for sid, call in EXITS.items():
        cells = [HONEST[0], call, "import time\ntime.sleep(1)", HONEST[1]]
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]),
                       folder / f"{sid}.ipynb")
    for sid, header in ATTACKS.items():
        notebook(folder / f"{sid}.ipynb", CRAFTED.format(header=header))
    zip_bomb(folder / "bomb.zip", 1024)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[2]), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-m", "grader.cli", "grade", str(folder), "-a", str(autograder),
                             "-o", str(out), "--engine", "safe", "-j", "2", "--timeout", str(TIMEOUT)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    peaks, stop = {}, threading.Event()
    sampler = threading.Thread(target=watch, args=(proc.pid, peaks, stop), daemon=True)
    sampler.start()
    try:
        output, _ = proc.communicate(timeout=TIMEOUT * 10)
    finally:
        stop.set()
        proc.kill()
    sampler.join()
    with (out / "gradebook.csv").open(newline="", encoding="utf-8") as f:
        rows = {r["id"]: r for r in csv.DictReader(f)}
    return rows, out, proc.returncode, output, peaks


def test_does_the_batch_finish_with_every_row_and_exit_0(graded):
    rows, _, code, output, _ = graded
    assert code == 0, output
    assert set(rows) == {"POINTS POSSIBLE", "alice", "bob", "bomb", *EXITS, *ATTACKS}


def test_do_honest_neighbours_keep_their_exact_points(graded):
    rows = graded[0]
    assert (rows["alice"]["status"], float(rows["alice"]["total"])) == ("graded", FULL)
    assert (rows["bob"]["status"], float(rows["bob"]["q1"]), float(rows["bob"]["q2"])) == ("graded", 0.0, 3.0)


@pytest.mark.parametrize("sid", sorted(EXITS))
def test_does_exit_cost_only_its_own_cell(graded, sid):
    rows, out = graded[0], graded[1]
    assert (rows[sid]["status"], float(rows[sid]["total"])) == ("graded", FULL), rows[sid]["detail"]
    feedback = (out / "feedback" / f"{sid}.md").read_text(encoding="utf-8")
    assert "SystemExit" in feedback and "DeadKernelError" not in feedback


def test_do_memory_attacks_get_a_row_and_no_points(graded):
    rows = graded[0]
    assert all(float(rows[sid]["total"]) == 0.0 for sid in ATTACKS)
    assert rows["bomb"]["status"] == "too-large"


def test_does_the_graders_peak_memory_stay_under_the_bound(graded):
    peaks = graded[4]
    assert peaks.get("rss"), "the grader's memory was never sampled"
    print(f"grader peak: rss sampled {peaks['rss'] / 2 ** 20:.0f} MB, VmHWM {peaks.get('hwm', 0) / 2 ** 20:.0f} MB")
    assert max(peaks["rss"], peaks.get("hwm", 0)) < PEAK_MB * 2 ** 20, peaks
