"""The sandbox proves itself before the batch: forced modes, the uid drop, the preflight."""

from __future__ import annotations

import logging
import os
import shutil
import stat
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import grade_toy as toy
from grade_toy import DRAW_CELL, read_gradebook
from grader.cli import main
from grader.errors import GraderError
from grader.grade.engines import isolation, preflight


def run(*args):
    return CliRunner().invoke(main, ["grade", *map(str, args)])


def error_line(result) -> str:
    (line,) = [ln for ln in result.output.splitlines() if ln.startswith("Error:")]
    return line


@pytest.fixture
def good(built, tmp_path) -> Path:
    """A folder holding one correct toy submission (7/7 with the safe toy autograder)."""
    folder = tmp_path / "subs"
    folder.mkdir()
    toy.submission(built, folder / "good.ipynb", extra_cells=[DRAW_CELL])
    return folder


def python_hidden_from_other_uids() -> bool:
    """Is a folder above the grader's Python closed to other users (e.g. pyenv under /root)?"""
    prefix = Path(sys.base_prefix).resolve()
    return any(not p.stat().st_mode & stat.S_IXOTH for p in (prefix, *prefix.parents))


@pytest.mark.parametrize("mode", ["none", "unshare"])
def test_does_a_sandbox_that_cannot_run_the_graders_python_stop_before_any_row(mode, safe_ag, good, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("not root: children keep this user's uid, so there is no uid drop to break the Python")
    if not python_hidden_from_other_uids():
        pytest.skip(f"{sys.base_prefix} is readable by every uid here, so the uid drop cannot break it")
    if not isolation.available(mode):
        pytest.skip(f"{mode} cannot create namespaces on this machine")
    result = run(good, "-a", safe_ag, "-o", tmp_path / "out", "--sandbox", mode)
    line = error_line(result)
    assert result.exit_code == 2, result.output
    assert f"preflight failed with --sandbox {mode} as uid" in line
    assert "bubblewrap" in line and "outside /root" in line and "--no-drop-uid" in line
    assert not (tmp_path / "out").exists()


def test_does_bubblewrap_pass_the_preflight():
    if not isolation.available("bwrap"):
        pytest.skip("bubblewrap cannot run here: install the Debian package bubblewrap")
    box = isolation.sandbox_for("bwrap")
    assert box == isolation.Sandbox("bwrap", drop_uid=os.geteuid() == 0)
    preflight.check.__wrapped__(box)  # uncached: really runs the probe


def test_does_no_drop_uid_without_a_sandbox_grade_the_correct_submission_fully(safe_ag, good, tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        result = run(good, "-a", safe_ag, "-o", tmp_path / "out", "--sandbox", "none", "--no-drop-uid")
    (_, row) = read_gradebook(tmp_path / "out" / "gradebook.csv")
    assert result.exit_code == 0, result.output
    assert (row["status"], row["total"]) == ("graded", "7.0"), row["detail"]
    if os.geteuid() == 0:
        assert "sandbox none, as root" in result.output and "runs AS ROOT" in caplog.text


def test_is_forcing_bubblewrap_without_it_an_error_before_any_row(safe_ag, good, tmp_path, monkeypatch):
    which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name == "bwrap" else which(name, *a, **k))
    with pytest.raises(GraderError, match="--sandbox bwrap"):
        isolation.sandbox_for("bwrap")
    result = run(good, "-a", safe_ag, "-o", tmp_path / "out", "--sandbox", "bwrap")
    assert result.exit_code == 2 and "bubblewrap" in error_line(result)
    assert not (tmp_path / "out").exists()


def test_are_sandbox_options_refused_with_the_otter_engine(built, good, tmp_path):
    result = run(good, "-a", built.autograder, "-o", tmp_path / "out", "--sandbox", "none")
    assert result.exit_code == 2 and "otter engine" in error_line(result)


def test_is_the_preflight_run_once_per_sandbox(monkeypatch):
    probes = []
    monkeypatch.setattr(preflight, "_run", lambda box, work, uid: probes.append(box.mode))
    preflight.check.cache_clear()
    try:
        for box in [isolation.Sandbox("none", False)] * 2 + [isolation.Sandbox("unshare", False)]:
            preflight.check(box)
    finally:
        preflight.check.cache_clear()  # the fake successes must not stand for real ones
    assert probes == ["none", "unshare"]
