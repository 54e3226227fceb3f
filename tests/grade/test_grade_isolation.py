"""The sandbox against a hostile class: host-wide uids, a hidden answer key, no user namespaces
or ptrace, a kernel that dies or stalls, a disk quota (grader/grade/SAFETY.md)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import grade_toy as toy
from grade_toy import DRAW_CELL, read_gradebook
from grader.errors import GraderError
from grader.grade import main as grade_main, masks
from grader.grade.engines import isolation, sandboxed as safe
from grader.grade.uids import UidPool, kill_uid, lock_folder

REPO = Path(__file__).resolve().parents[2]
HOLDER = """import sys
from pathlib import Path
from grader.grade.uids import UidPool
print(UidPool(63500, 4, Path(sys.argv[1])).take(), flush=True)
sys.stdin.read()  # holds the uid until the test closes stdin (or kills this grader)
"""
needs_bwrap = pytest.mark.skipif(not isolation.available("bwrap"),
                                 reason="bubblewrap cannot run here: install the Debian package bubblewrap")


def grader_holding_a_uid(folder: Path) -> tuple[subprocess.Popen, int]:
    """A separate grader process that took a uid from a fresh pool locked in ``folder``, and holds it."""
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(folder)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    return proc, int(proc.stdout.readline())


def test_do_two_graders_at_once_get_different_uids_and_does_a_killed_grader_free_its_uid(tmp_path):
    first, uid1 = grader_holding_a_uid(tmp_path / "locks")
    second, uid2 = grader_holding_a_uid(tmp_path / "locks")
    first.kill()
    first.wait()
    third, uid3 = grader_holding_a_uid(tmp_path / "locks")
    for proc in (second, third):
        proc.communicate("")
    assert uid1 != uid2 and uid3 == uid1


def test_does_one_pool_never_hand_out_a_uid_twice_until_it_is_given_back(tmp_path):
    pool = UidPool(63510, 2, tmp_path / "locks")
    taken = [pool.take(), pool.take()]
    with pytest.raises(GraderError, match="in use by graders on this host"):
        pool.take()
    pool.give(taken[0])
    assert taken == [63510, 63511] and pool.take() == 63510


def test_is_a_uid_lock_folder_open_to_others_refused(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    with pytest.raises(GraderError, match="closed to others"):
        lock_folder(shared)
    made = lock_folder(tmp_path / "fresh")
    assert stat.S_IMODE(made.stat().st_mode) == 0o700 and made.stat().st_uid == os.geteuid()


def fake_site(folder: Path) -> Path:
    """A site-packages holding numpy, this project (packages, RECORD, editable .pth) and a cache."""
    site = folder / "site-packages"
    for name in ("numpy", "grader", "solutions", "answers_extra", "__pycache__"):
        (site / name).mkdir(parents=True)
    info = site / "mlp_course-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: mlp-course\nVersion: 0.1.0\n")
    (info / "RECORD").write_text("answers_extra/__init__.py,,\nmlp_course-0.1.0.dist-info/RECORD,,\n"
                                 "__pycache__/finder.cpython-311.pyc,,\n../../../bin/mlp-course,,\n")
    (site / "__editable__.mlp_course-0.1.0.pth").write_text("import finder\n")
    return site


def test_are_the_projects_packages_metadata_and_pth_found_in_a_site_packages(tmp_path):
    assert masks.project_entries(fake_site(tmp_path)) == {
        "grader", "solutions", "answers_extra", "mlp_course-0.1.0.dist-info", "__editable__.mlp_course-0.1.0.pth"}


def test_is_a_visible_checkout_covered_and_a_visible_site_packages_rebuilt_without_the_project(tmp_path):
    site, checkout = fake_site(tmp_path / "venv"), tmp_path / "src" / "mlp-course"
    blocks = dict(masks.mask_args([tmp_path], sites=[site, checkout], roots=[checkout, site]))
    rebuilt = blocks[site]
    kept = {Path(rebuilt[i + 1]).name for i, arg in enumerate(rebuilt) if arg == "--ro-bind"}
    assert blocks[checkout] == ["--tmpfs", str(checkout)]
    assert rebuilt[:2] == ["--tmpfs", str(site)] and rebuilt[-2:] == ["--remount-ro", str(site)]
    assert kept == {"numpy", "__pycache__"}
    assert masks.mask_args([tmp_path / "elsewhere"], sites=[site], roots=[checkout]) == []


def regular_install(venv: Path) -> Path:
    """A venv (system site packages, for numpy) with this project copied in as ``pip install .`` would
    put it (packages + dist-info with RECORD); its python. Skips when no venv can be made."""
    made = subprocess.run([str(Path(sys.base_prefix) / "bin" / "python3"), "-m", "venv", "--without-pip",
                           "--system-site-packages", str(venv)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot make a venv here: {made.stderr.strip()[-200:]}")
    python = venv / "bin" / "python"
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               capture_output=True, text=True, check=True).stdout.strip())
    for package in masks.PACKAGES:
        shutil.copytree(REPO / package, site / package, ignore=shutil.ignore_patterns("__pycache__"))
    info = site / "mlp_course-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: mlp-course\nVersion: 0.1.0\n")
    (info / "top_level.txt").write_text("grader\nsolutions\n")
    files = [p.relative_to(site) for p in site.rglob("*") if p.is_file()] + [info.relative_to(site) / "RECORD"]
    (info / "RECORD").write_text("".join(f"{f},,\n" for f in files))
    # the grader's own dependencies (click, psutil, ...) come from the test venv, which the sandbox does not bind
    (site / "test_dependencies.pth").write_text(next(p for p in sys.path if p.endswith("site-packages")) + "\n")
    return python


IMPORTS = """import subprocess, sys, tempfile
from pathlib import Path
import solutions
from grader.grade.engines import isolation
work = Path(tempfile.mkdtemp())
code = "import importlib.util as u, numpy; print(u.find_spec('solutions'), u.find_spec('grader'), numpy.__name__)"
done = subprocess.run(isolation.Sandbox("bwrap", False).wrap([sys.executable, "-c", code], work, None),
                      capture_output=True, text=True)
print(solutions.__file__)
print(done.stdout.strip() or done.stderr.strip())
"""


@needs_bwrap
def test_is_a_regular_install_of_the_answer_key_hidden_inside_the_sandbox(tmp_path):
    python = regular_install(tmp_path / "venv")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([python, "-c", IMPORTS], capture_output=True, text=True, env=env, cwd=tmp_path)
    installed, inside = (done.stdout.strip().splitlines() + ["", ""])[:2]
    assert installed.startswith(str(tmp_path / "venv")), done.stderr  # the grader really runs from that install
    assert inside == "None None numpy", inside


GUARDS = """import ctypes, os, subprocess
import probe_child

def attempts():
    userns = subprocess.run(["unshare", "-U", "true"], capture_output=True).returncode == 0
    child = subprocess.Popen(["sleep", "30"])
    libc = ctypes.CDLL(None, use_errno=True)
    traced = libc.ptrace(16, child.pid, 0, 0) == 0  # PTRACE_ATTACH to our own child
    child.kill()
    return f"userns={userns} ptrace={traced} dumpable={libc.prctl(3, 0, 0, 0, 0)}"

print(attempts())
probe_child.protect_self()
print(attempts())
"""


@needs_bwrap
def test_does_the_runner_refuse_user_namespaces_and_ptrace_to_what_it_starts(tmp_path):
    pool, box = UidPool(63520, 4), isolation.Sandbox("bwrap", os.geteuid() == 0)
    uid = pool.take() if box.drop_uid else None
    work = tmp_path / "work"
    work.mkdir(mode=0o755)
    for path in safe.CHILD_FILES:
        shutil.copy(path, work / path.name)
    try:
        done = subprocess.run(box.wrap([sys.executable, "-c", GUARDS], work, uid), capture_output=True, text=True,
                              cwd=work, env=safe.child_env(work))
    finally:
        kill_uid(uid)
        pool.give(uid)
    before, after = (done.stdout.splitlines() + ["", ""])[:2]
    if before != "userns=True ptrace=True dumpable=1":
        pytest.skip(f"this host already refuses some of it without the filter ({before or done.stderr[-300:]})")
    assert after == "userns=False ptrace=False dumpable=0", done.stderr[-500:]


HOSTILE = {
    # the kernel dies in one cell: noticed within seconds, the notebook re-run without that cell
    "kills_its_kernel": ("graded", "import os\nos.kill(os.getpid(), 9)"),
    # a user namespace, ptrace of the runner, its file descriptors: each refused (a cell error otherwise)
    "escapes": ("graded", "import ctypes, os, subprocess\n"
                          "assert subprocess.run(['unshare', '-U', 'true']).returncode != 0, 'user namespace'\n"
                          "libc = ctypes.CDLL(None, use_errno=True)\n"
                          "assert libc.ptrace(16, os.getppid(), 0, 0) != 0, 'ptrace of the runner'\n"
                          "try:\n    os.listdir(f'/proc/{os.getppid()}/fd')\nexcept PermissionError:\n    pass\n"
                          "else:\n    raise AssertionError('the runner is dumpable')"),
    # fills its disk (32 MB files until ENOSPC), leaving no room for the probe results
    "fills_the_disk": ("disk-limit", "try:\n    for i in range(64):\n        with open(f'fill{i}', 'wb') as f:\n"
                                     "            f.write(b'0' * 2 ** 25)\nexcept OSError as exc:\n    print(exc)"),
}


@pytest.fixture(scope="module")
def hostile(built, safe_ag, tmp_path_factory):
    """The :data:`HOSTILE` submissions graded in one bwrap batch (120 s wall limit): rows by id, out folder."""
    if not isolation.available("bwrap"):
        pytest.skip("bubblewrap cannot run here: install the Debian package bubblewrap")
    folder, out = tmp_path_factory.mktemp("hostile"), tmp_path_factory.mktemp("hostile-out")
    for sid, (_, cell) in HOSTILE.items():
        toy.submission(built, folder / f"{sid}.ipynb", extra_cells=[DRAW_CELL, cell])
    grade_main(folder, autograder=safe_ag, out=out, jobs=2, timeout=120, progress=False, sandbox="bwrap")
    return {row["id"]: row for row in read_gradebook(out / "gradebook.csv")}, out


@pytest.mark.slow
def test_does_a_cell_that_kills_its_kernel_end_promptly_and_keep_the_other_cells_points(hostile):
    rows, out = hostile
    row = rows["kills_its_kernel"]
    assert (row["status"], row["total"]) == ("graded", "7.0"), row["detail"]
    assert float(row["duration_s"]) < 60
    assert "`DeadKernelError: the kernel died while this cell ran" in (out / "feedback" / "kills_its_kernel.md").read_text()


@pytest.mark.slow
def test_are_user_namespaces_ptrace_and_the_runners_fds_refused_to_the_notebook(hostile):
    rows, out = hostile
    assert (rows["escapes"]["status"], rows["escapes"]["total"]) == ("graded", "7.0"), rows["escapes"]["detail"]
    assert "Cells that raised an error" not in (out / "feedback" / "escapes.md").read_text()


@pytest.mark.slow
def test_does_filling_the_disk_stop_at_the_quota_and_mark_the_row_disk_limit(hostile):
    row = hostile[0]["fills_the_disk"]
    assert row["status"] == "disk-limit" and f"{isolation.DISK_MB} MB" in row["detail"], row


@pytest.mark.slow
def test_does_a_kernel_that_never_replies_end_at_the_childs_deadline_before_the_wall_limit(built, safe_ag, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    toy.submission(built, folder / "stops.ipynb", extra_cells=["import os, signal\nos.kill(os.getpid(), signal.SIGSTOP)"])
    grade_main(folder, autograder=safe_ag, out=tmp_path / "out", timeout=20, progress=False)
    (_, row) = read_gradebook(tmp_path / "out" / "gradebook.csv")
    assert (row["status"], row["detail"]) == ("timeout", "stopped after the 20 s wall-clock limit"), row["detail"]
    assert float(row["duration_s"]) < 20
    assert "`TimeoutError: still running at the time limit`" in (tmp_path / "out" / "feedback" / "stops.md").read_text()


@pytest.mark.slow
def test_do_two_grade_commands_at_once_both_grade_fully(built, safe_ag, tmp_path):
    """The short batch ends first and cleans up its uid; the long one must not have been using it."""
    commands = []
    for name, cells in (("short", [DRAW_CELL]), ("long", [DRAW_CELL, "import time\ntime.sleep(8)"])):
        (tmp_path / name).mkdir()
        toy.submission(built, tmp_path / name / f"{name}.ipynb", extra_cells=cells)
        commands.append(subprocess.Popen(
            [sys.executable, "-c", "from grader.cli import main; main()", "grade", str(tmp_path / name),
             "-a", str(safe_ag), "-o", str(tmp_path / f"{name}-out"), "--timeout", "120"],
            env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    logs = [proc.communicate()[0] for proc in commands]
    rows = [read_gradebook(tmp_path / f"{name}-out" / "gradebook.csv")[1] for name in ("short", "long")]
    assert [(r["status"], r["total"]) for r in rows] == [("graded", "7.0")] * 2, logs
