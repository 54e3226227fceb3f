"""``grade --cluster local:N`` on the toy assignment: same gradebook as the local runner, faults, resume."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cluster_helpers import LIMITS, TOY_IDS, WorkerKiller, marks, rows_of, toy

import grader.grade
from grader.errors import GraderError
from grader.grade import cluster as cluster_mod

REPO = Path(__file__).resolve().parents[2]


def test_does_local2_give_the_local_runners_gradebook(toy_ag, toy_folder, local_rows, tmp_path):
    summary = grader.grade.main(toy_folder, autograder=toy_ag, out=tmp_path, cluster="local:2", progress=False,
                                **LIMITS)
    rows = rows_of(tmp_path)
    assert set(rows) == set(TOY_IDS)
    assert marks(rows) == marks(local_rows)
    assert {r["status"] for r in rows.values()} == {"graded", "invalid-notebook", "not-a-notebook"}
    assert "on 2 Dask workers (local:2)" in summary["settings"]["sandbox"]
    assert rows["good"]["detail"] == local_rows["good"]["detail"]


def test_does_the_batch_complete_when_a_worker_is_killed_while_grading(toy_ag, toy_folder, local_rows, tmp_path):
    with WorkerKiller(times=1) as killer:
        grader.grade.main(toy_folder, autograder=toy_ag, out=tmp_path, cluster="local:2", progress=False, **LIMITS)
    assert len(killer.killed) == 1, "the test never caught a worker while it graded"
    ids = [r["id"] for r in toy.read_gradebook(tmp_path / "gradebook.csv") if r["id"] != "POINTS POSSIBLE"]
    assert sorted(ids) == sorted(TOY_IDS)  # exactly one row each
    assert marks(rows_of(tmp_path)) == marks(local_rows)


def test_is_a_submission_whose_worker_dies_every_time_crashed_and_the_others_graded(
        toy_ag, toy_built, toy_folder, local_rows, tmp_path):
    """The stand-in for a notebook that brings its worker down (the sandbox holds, so the test kills the
    worker each time it grades that notebook, recognised by the file name its init cell opens)."""
    folder = tmp_path / "subs"
    folder.mkdir()
    for sid in ("good", "wrong", "invalid"):
        shutil.copy(toy_folder / f"{sid}.ipynb", folder)
    toy.submission(toy_built, folder / "killer.ipynb", replace={"toy-master.ipynb": "killer-marked.ipynb"})
    with WorkerKiller(wanted=lambda line: "killer-marked.ipynb" in line, times=10) as killer:
        grader.grade.main(folder, autograder=toy_ag, out=tmp_path / "out", cluster="local:2", progress=False,
                          **LIMITS)
    attempts = cluster_mod.LOCAL_ALLOWED_FAILURES + 1
    rows = rows_of(tmp_path / "out")
    assert len(killer.killed) == attempts, (killer.killed, rows["killer"])  # retried on fresh workers, then given up
    assert rows["killer"]["status"] == "crashed"
    assert rows["killer"]["detail"].startswith(f"killed {attempts} workers")
    assert rows["killer"]["total"] == "0.0"
    others = {sid: row for sid, row in rows.items() if sid != "killer"}
    assert marks(others) == {sid: m for sid, m in marks(local_rows).items() if sid in others}


def test_does_a_restarted_client_send_only_the_rows_not_yet_graded(toy_ag, toy_folder, local_rows, tmp_path,
                                                                   monkeypatch):
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "grader.cli", "grade", str(toy_folder), "-a", str(toy_ag), "-o", str(out),
           "--cluster", "local:2", "--memory-mb", "1500", "--output-mb", "1", "--timeout", "300"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    first = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and first.poll() is None and not _graded_ids(out):
        time.sleep(0.2)
    first.send_signal(signal.SIGINT)
    _, stderr = first.communicate(timeout=120)
    assert first.returncode == 130, stderr
    assert "Interrupted: finished rows are saved" in stderr
    before = _graded_ids(out)
    assert 0 < len(before) < len(TOY_IDS), "the first run was not interrupted half-way"
    sent = []
    submit = cluster_mod.DaskBatch._submit
    monkeypatch.setattr(cluster_mod.DaskBatch, "_submit",
                        lambda self, sub, *args: sent.append(sub.id) or submit(self, sub, *args))
    summary = grader.grade.main(toy_folder, autograder=toy_ag, out=out, cluster="local:2", progress=False, **LIMITS)
    assert sorted(sent) == sorted(set(TOY_IDS) - before)
    assert summary["skipped"] == len(before)
    assert marks(rows_of(out)) == marks(local_rows)


def _graded_ids(out: Path) -> set[str]:
    try:
        return set(json.loads((out / ".state.json").read_text())["submissions"])
    except (OSError, ValueError, KeyError):
        return set()


def test_do_workers_that_cannot_grade_refuse_with_their_reason(toy_ag, toy_folder, tmp_path, monkeypatch):
    monkeypatch.setattr(cluster_mod, "versions", lambda: {"numpy": "0.0-client"})
    with pytest.raises(GraderError) as caught:
        grader.grade.main(toy_folder, autograder=toy_ag, out=tmp_path / "out", cluster="local:1", progress=False)
    message = str(caught.value)
    assert "no Dask worker can grade" in message and "numpy" in message and "0.0-client" in message
    assert "\n" not in message
    assert not (tmp_path / "out").exists()  # nothing written


def test_do_local_workers_run_with_dasks_bookkeeping_slowed(toy_ag):
    """Dask's profiler and fast monitors would take CPU from the grading children on the same cores."""
    import dask

    from grader.grade.autograder import load_autograder
    from grader.submissions.discover import sha256_of

    ag = load_autograder(toy_ag, sha256_of(toy_ag))
    before = dask.config.get("distributed.worker.profile.enabled")
    with cluster_mod.DaskBatch("local:1", ag, engine="safe", sandbox="auto", drop_uid=True) as batch:
        seen = {key: batch.client.run(dask.config.get, key) for key in cluster_mod.QUIET}
        callbacks = batch.client.run(lambda dask_worker: sorted(dask_worker.periodic_callbacks))
    assert len(callbacks) == 1
    for key, wanted in cluster_mod.QUIET.items():
        assert list(seen[key].values()) == [wanted], key
    assert "profile" not in next(iter(callbacks.values()))
    assert dask.config.get("distributed.worker.profile.enabled") == before  # this process's own configuration is back
