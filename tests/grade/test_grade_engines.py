"""The engine contract on the default path, with no MNIST: does the sandboxed engine (real child,
real sandbox) grade the toy autograder, do its verdicts follow the probe outputs, and do both
engines give one submission the same points?"""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

import grade_toy as toy
from grader.grade.engines import ENGINES, CHOICES, isolation, named, resolve
from grader.grade.engines.base import Batch, Engine, Limits
from grader.grade.engines.otter import OtterEngine
from grader.grade.engines.sandboxed import SandboxedEngine, prepared, verdicts
from grader.grade.autograder import load_autograder
from grader.grade.pipeline import grade_one
from grader.submissions.discover import Submission

WRONG = {"return x * x": "return x * abs(x)", "sum(xs) / len(xs)": "sum(xs) // len(xs)"}


@pytest.fixture(scope="module")
def both_ag(built, tmp_path_factory):
    return toy.both_engines_autograder(built, tmp_path_factory.mktemp("both") / "toy-both-autograder.zip")


@pytest.fixture(scope="module")
def box():
    return isolation.sandbox_for("auto")  # bwrap where it works, as `mlp-course grade` picks


def graded(path, autograder_path, batch):
    autograder = load_autograder(autograder_path, "sha-" + autograder_path.name)
    return grade_one(Submission(path.stem, path, "sha-" + path.name), autograder, batch)


def test_is_every_engine_an_engine_named_as_the_cli_names_it():
    assert set(CHOICES) == {"auto", "safe", "otter"}
    assert {name: type(engine) for name, engine in ENGINES.items()} == {"safe": SandboxedEngine, "otter": OtterEngine}
    assert all(isinstance(engine, Engine) and named(name) is engine for name, engine in ENGINES.items())


def test_does_auto_pick_the_sandboxed_engine_only_for_an_autograder_with_hidden_checks(built, safe_ag):
    assert resolve(load_autograder(safe_ag, ""), "auto") == "safe"
    assert resolve(load_autograder(built.autograder, ""), "auto") == "otter"
    assert resolve(load_autograder(safe_ag, ""), "otter") == "otter"


def test_does_the_sandboxed_engine_grade_right_and_wrong_answers_in_a_real_sandbox(built, safe_ag, box, tmp_path):
    path = toy.submission(built, tmp_path / "half.ipynb", replace=WRONG, extra_cells=[toy.DRAW_CELL])
    outcome = graded(path, safe_ag, Batch("safe", Limits(timeout_s=120, memory_mb=2048), box))
    assert outcome.status == "graded", outcome.detail
    assert outcome.points == {"q1": 0.0, "q2": 0.0, "q3": 1.0, "q4": 1.0}
    messages = {f["question"]: f["message"] for f in outcome.failures}
    assert set(messages) == {"q1", "q2"} and "negative numbers" in messages["q1"]
    assert all(f["hidden"] for f in outcome.failures) and outcome.duration_s > 0


def test_do_both_engines_give_one_notebook_the_same_points(built, both_ag, box, tmp_path):
    path = toy.submission(built, tmp_path / "half.ipynb", replace=WRONG)
    safe = graded(path, both_ag, Batch("safe", Limits(timeout_s=120, memory_mb=2048), box))
    otter = graded(path, both_ag, Batch("otter", Limits(timeout_s=120, memory_mb=2048)))
    assert (safe.status, otter.status) == ("graded", "graded"), (safe.detail, otter.detail)
    assert safe.points == otter.points == {"q1": 0.0, "q2": 0.0, "q3": 1.0}
    assert [f["question"] for f in safe.failures] == [f["question"] for f in otter.failures] == ["q1", "q2"]


def test_is_a_zip_without_a_notebook_refused_by_the_sandboxed_engine_before_any_child(safe_ag, tmp_path,
                                                                                     monkeypatch):
    started = []
    monkeypatch.setattr(SandboxedEngine, "run", lambda self, job, on_start=None: started.append(job))
    path = tmp_path / "alice.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("notes.txt", "no notebook here")
    outcome = graded(path, safe_ag, Batch("safe", Limits(), isolation.sandbox_for("none", drop_uid=False)))
    assert outcome.status == "not-a-notebook" and started == []
    assert sum(outcome.points.values()) == 0


def test_do_verdicts_follow_the_probe_outputs_and_name_the_failed_test(safe_ag):
    autograder = load_autograder(safe_ag, "verdicts")
    prep = prepared(autograder.path, autograder.sha256, tuple(autograder.questions.items()))
    calls = prep.plan.probe_calls()
    index = {c.check: prep.plan.index(c.probe_id) for c in prep.plan.calls}
    draw = np.random.RandomState(4144).rand()
    outputs = [{} for _ in calls]
    outputs[index["check_square"]] = {"out": np.array([16, 0])}
    outputs[index["check_mean"]] = {"out": np.array(1.25)}  # wrong
    outputs[index["check_numerics"]] = {"threads": np.array("1"), "draw": np.array(draw),
                                       "probe_draw": np.array(draw)}
    errors = {str(index["check_answer"]): "Traceback...\nNameError: answer is not defined"}
    points, failures = verdicts(prep, outputs, errors)
    assert points == {"q1": 2.0, "q2": 0.0, "q3": 0.0, "q4": 1.0}
    assert [(f["question"], f["test"]) for f in failures] == [("q2", "test_q2_mean"), ("q3", "test_q3_answer")]
    assert failures[1]["message"] == "hidden test failed: NameError: answer is not defined"
