"""The same attacks as ``test_grade_hostile_batch`` in the REAL sandbox (bubblewrap when present,
own uid, probe_child with a kernel): the files the grader reads back are the student's.
Slow (one kernel per submission) but needs no MNIST: the toy safe autograder of ``safe_toy``."""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

import pytest

from grader.cleanup import remove_tree
from grader.grade import main as grade_main
from grader.grade.engines import isolation, sandboxed as safe
from grader.gradebook import read_gradebook
from safe_toy import POSSIBLE, build_autograder, notebook

pytestmark = pytest.mark.slow
FULL = sum(POSSIBLE.values())
TIMEOUT = 30

LINKS = """
import os
os.symlink({secret!r}, "probe_errors.json")  # resolved by the grader, on the host
os.symlink({secret!r}, "cells.json")
"""
FIFO = "import os\nos.mkfifo('cells.json')  # the child blocks writing it; the grader must not block reading it"
DEEP = """
import os
fd = os.open(".", os.O_RDONLY)
for _ in range(3000):
    os.mkdir("d", dir_fd=fd)
    child = os.open("d", os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = child
"""
RAISES = "def mean(xs):\n    raise ValueError('bad \\udc80 byte \\x1b[2J')"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("sandboxed")
    folder, out = root / "subs", root / "out"
    folder.mkdir()
    secret = root / "secret.json"
    secret.write_text('{"0": "SECRET-TOKEN", "1": "SECRET-TOKEN"}')
    secret.chmod(0o600)
    autograder = build_autograder(root / "toy-safe-autograder.zip")
    notebook(folder / "alice.ipynb")
    notebook(folder / "links.ipynb", LINKS.format(secret=str(secret)))
    notebook(folder / "fifo.ipynb", FIFO)
    notebook(folder / "deep.ipynb", DEEP)
    notebook(folder / "raises.ipynb", RAISES)
    temp = tempfile.mkdtemp(prefix="mlp-test-temp-")
    result = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tempfile, "tempdir", temp)
        # Every grader process hands out uids from 62000 up and kills all processes of a uid when
        # its submission ends, so a concurrent `mlp-course grade` on this machine would kill our
        # children: take uids no default pool uses (see the report of the hardening branch).
        patch.setattr(isolation, "UIDS", isolation.UidPool(first=70000 + os.getpid() % 5000 * 8, size=8))
        safe.prepared.cache_clear()
        thread = threading.Thread(target=lambda: result.append(grade_main(
            folder, autograder=autograder, out=out, progress=False, jobs=2, timeout=TIMEOUT,
            memory_mb=2000, engine="safe")), daemon=True)
        thread.start()
        thread.join(TIMEOUT * 6)
        safe.prepared.cache_clear()
    left = sorted(p.name for p in Path(temp).iterdir())
    remove_tree(temp)
    assert not thread.is_alive(), "the grader blocked"
    yield read_gradebook(out / "gradebook.csv"), out, left


def test_does_the_honest_student_keep_full_marks(graded):
    assert (graded[0]["alice"]["status"], float(graded[0]["alice"]["total"])) == ("graded", FULL)


def test_do_links_to_a_host_file_leak_nothing(graded):
    rows, out, _ = graded
    assert "SECRET" not in (out / "feedback" / "links.md").read_text() + (out / "gradebook.csv").read_text()
    assert float(rows["links"]["total"]) == FULL  # its outputs were honest; only the links were refused


def test_does_a_fifo_left_for_the_grader_end_as_a_row(graded):
    assert graded[0]["fifo"]["status"] in {"timeout", "crashed", "graded"}


def test_is_a_3000_deep_tree_graded_and_removed(graded):
    rows, _, left = graded
    assert (rows["deep"]["status"], float(rows["deep"]["total"])) == ("graded", FULL), rows["deep"]["detail"]
    assert left == [], f"left in the temporary folder: {left}"


def test_does_a_surrogate_in_a_message_reach_the_feedback_as_text(graded):
    rows, out, _ = graded
    assert float(rows["raises"]["total"]) == POSSIBLE["q1"]
    assert "bad \ufffd byte \\x1b[2J" in (out / "feedback" / "raises.md").read_text(encoding="utf-8")
