"""The sandbox against a hostile class: host-wide uids (grader/grade/SAFETY.md)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import grade_toy as toy
from grade_toy import DRAW_CELL, read_gradebook
from grader.errors import GraderError
from grader.grade.uids import UidPool, lock_folder

REPO = Path(__file__).resolve().parents[2]
HOLDER = """import sys
from pathlib import Path
from grader.grade.uids import UidPool
print(UidPool(63500, 4, Path(sys.argv[1])).take(), flush=True)
sys.stdin.read()  # holds the uid until the test closes stdin (or kills this grader)
"""


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
    rows = [read_gradebook(tmp_path / f"{name}-out" / "gradebook.csv")[0] for name in ("short", "long")]
    assert [(r["status"], r["total"]) for r in rows] == [("graded", "7.0")] * 2, logs
