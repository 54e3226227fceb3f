"""Removing what a submission wrote: is any tree gone, deep or locked, without following its links?"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from grader import cleanup
from grader.cleanup import remove_tree, temporary_folder

DEPTH = 3000  # deeper than Python's recursion limit, longer than PATH_MAX


def build_tree(top, depth: int, outside, every: int = 700) -> None:
    """``top/d/d/.../d`` ``depth`` levels deep (made through folder descriptors: the path is
    too long for the kernel), with files, a FIFO, links out of the tree and locked folders."""
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for level in range(depth):
            os.mkdir("d", dir_fd=fd)
            if level % every == 0:
                os.mkfifo("fifo", dir_fd=fd)
                os.symlink(outside, "link", dir_fd=fd)
                os.symlink(outside, "dirlink", dir_fd=fd, target_is_directory=True)
                os.close(os.open("file", os.O_WRONLY | os.O_CREAT, 0o000, dir_fd=fd))
                os.mkdir("locked", mode=0o000, dir_fd=fd)
            child = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.fchmod(fd, 0o500 if level % every == 1 else 0o755)  # some folders not writable by their owner
            os.close(fd)
            fd = child
    finally:
        os.close(fd)


@pytest.fixture
def outside(tmp_path):
    """A host folder that links inside the tree point to; it must survive."""
    path = tmp_path / "outside"
    path.mkdir()
    (path / "keep.txt").write_text("still here")
    return path


def test_is_a_tree_deeper_than_the_recursion_limit_removed(tmp_path, outside):
    top = tmp_path / "sandbox"
    top.mkdir()
    build_tree(top, DEPTH, outside)
    assert remove_tree(top) is True
    assert not top.exists()
    assert (outside / "keep.txt").read_text() == "still here"


def test_does_a_temporary_folder_vanish_even_when_its_user_filled_it(tmp_path, outside):
    with temporary_folder("mlp-sandbox-", tmp_path) as work:
        build_tree(work, 50, outside)
        (work / "big").write_bytes(b"x" * 1000)
    assert not work.exists() and (outside / "keep.txt").exists()


def test_is_a_link_in_place_of_the_folder_removed_not_followed(tmp_path, outside):
    (tmp_path / "work").symlink_to(outside, target_is_directory=True)
    assert remove_tree(tmp_path / "work") is True
    assert not os.path.lexists(tmp_path / "work") and (outside / "keep.txt").exists()


def test_is_a_failed_removal_left_private_and_reported_not_raised(tmp_path, monkeypatch):
    top = tmp_path / "sandbox"
    top.mkdir(mode=0o777)
    (top / "x").mkdir()
    monkeypatch.setattr(os, "rmdir", lambda *a, **k: (_ for _ in ()).throw(OSError(16, "Device or resource busy")))
    assert remove_tree(top) is False
    assert stat.S_IMODE(top.stat().st_mode) == 0o700


AS_OWNER = """
import sys
sys.path[:0] = [{lib!r}]
from tree import build_tree
from grader.cleanup import remove_tree
build_tree({top!r}, 120, {outside!r}, every=40)
print(remove_tree({top!r}))
"""


def owner_library(base: Path) -> Path:
    """``base/lib`` holding copies of ``grader.cleanup`` and ``build_tree``: the checkout itself
    may sit in a folder the other uid cannot read (a CI clone in a private temporary folder)."""
    import inspect

    lib = base / "lib"
    (lib / "grader").mkdir(parents=True)
    (lib / "grader" / "__init__.py").write_text("")
    (lib / "grader" / "cleanup.py").write_text(Path(cleanup.__file__).read_text())
    (lib / "tree.py").write_text("import os\n\n\n" + inspect.getsource(build_tree))
    for path in [lib, *lib.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return lib


def test_does_an_owner_who_is_not_root_remove_its_own_locked_tree(outside):
    """Without root's override, locked and read-only folders must be unlocked to be emptied."""
    base = Path(tempfile.mkdtemp(prefix="mlp-cleanup-test-"))
    try:
        top, drop = base / "sandbox", []
        top.mkdir()
        lib = owner_library(base)
        if os.geteuid() == 0:
            os.chown(base, 65534, 65534)
            os.chown(top, 65534, 65534)
            drop = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        code = AS_OWNER.format(lib=str(lib), top=str(top), outside=str(outside))
        run = subprocess.run(drop + [sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
        assert run.stdout.strip() == "True", run.stderr
        assert not top.exists()
    finally:
        remove_tree(base)
