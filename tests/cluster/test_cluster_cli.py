"""``grade --cluster`` at the command line: usage errors, a scheduler that is lost mid-run, no Dask without it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from cluster_helpers import LIMITS, TOY_IDS, rows_of

from grader.cli import main as cli
from grader.grade import cluster as cluster_mod

REPO = Path(__file__).resolve().parents[2]
DASK = Path(sys.executable).with_name("dask")
ENV = {**os.environ, "PYTHONPATH": str(REPO)}
LIMIT_ARGS = ["--memory-mb", str(LIMITS["memory_mb"]), "--output-mb", str(LIMITS["output_mb"]),
              "--timeout", str(LIMITS["timeout"])]


@pytest.mark.parametrize("args, expected", [
    (["--cluster", "nowhere"], "--cluster nowhere: not a Dask scheduler address"),
    (["--cluster", "local:0"], "--cluster local:0: a local cluster needs at least 1 worker"),
    (["--cluster", "local:2", "--jobs", "2"], "--jobs with --cluster"),
])
def test_is_a_bad_cluster_option_a_one_line_usage_error(toy_ag, toy_folder, tmp_path, args, expected):
    result = CliRunner().invoke(cli, ["grade", str(toy_folder), "-a", str(toy_ag), "-o", str(tmp_path / "o"), *args])
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {expected}") and result.output.count("\n") == 1, result.output
    assert not (tmp_path / "o").exists()


def test_is_an_unreachable_scheduler_a_one_line_error(toy_ag, toy_folder, tmp_path, monkeypatch):
    monkeypatch.setattr(cluster_mod, "CONNECT_TIMEOUT_S", 3)
    result = CliRunner().invoke(cli, ["grade", str(toy_folder), "-a", str(toy_ag), "-o", str(tmp_path / "o"),
                                      "--cluster", "tcp://127.0.0.1:9"])
    assert result.exit_code == 2
    assert "no Dask scheduler answered there" in result.output and "nothing was graded" in result.output
    assert not (tmp_path / "o").exists()


def test_does_grading_without_cluster_never_import_dask(toy_ag, tmp_path):
    folder = tmp_path / "subs"
    folder.mkdir()
    (folder / "broken.ipynb").write_text('{"cells": [')
    code = ("import sys; from click.testing import CliRunner; from grader.cli import main; "
            f"r = CliRunner().invoke(main, ['grade', {str(folder)!r}, '-a', {str(toy_ag)!r}, '-o', "
            f"{str(tmp_path / 'o')!r}]); assert r.exit_code == 0, r.output; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))")
    done = subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def _start(cmd: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(cmd, env=ENV, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def test_does_a_lost_scheduler_end_the_run_with_one_line_and_keep_the_finished_rows(toy_ag, toy_folder, tmp_path):
    info = tmp_path / "scheduler.json"
    scheduler = _start([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                        "--scheduler-file", str(info)], tmp_path / "scheduler.log")
    worker = None
    try:
        deadline = time.monotonic() + 120
        while not info.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(info.read_text())["address"]
        worker = _start([str(DASK), "worker", address, "--nthreads", "1", "--no-dashboard"], tmp_path / "worker.log")
        out = tmp_path / "out"
        client = subprocess.Popen([sys.executable, "-m", "grader.cli", "grade", str(toy_folder), "-a", str(toy_ag),
                                   "-o", str(out), "--cluster", address, *LIMIT_ARGS],
                                  env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 600
        while client.poll() is None and time.monotonic() < deadline and _graded(out) < 1:
            time.sleep(0.2)
        _stop(scheduler)
        _, stderr = client.communicate(timeout=300)
    finally:
        _stop(scheduler)
        if worker is not None:
            _stop(worker)
    assert client.returncode == 2, stderr
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "lost the connection to the Dask scheduler" in errors[0], stderr
    kept = _graded(out)
    assert 1 <= kept < len(TOY_IDS)
    rows = rows_of(out)
    assert set(rows) == set(TOY_IDS)  # the others are pending
    assert sum(r["status"] == "pending" for r in rows.values()) == len(TOY_IDS) - kept


def _graded(out: Path) -> int:
    try:
        return len(json.loads((out / ".state.json").read_text())["submissions"])
    except (OSError, ValueError, KeyError):
        return 0
