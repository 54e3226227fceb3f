"""Crash details name the cause, not the kernel's log noise; the report counts first failures."""

from __future__ import annotations

import types

from grader.grade.autograder import Autograder
from grader.grade.report import first_failures, most_common_failures
from grader.grade.engines.status import crash_status

TCP = ("[IPKernelApp] WARNING | Kernel is running over TCP without encryption. All communication "
       "(including code and outputs) is sent in plain text and is susceptible to eavesdropping.")
LIMITS = types.SimpleNamespace(memory_mb=1500, timeout_s=60, output_mb=1)


def finished(stderr, returncode=1):
    return types.SimpleNamespace(stderr=stderr, stdout="", returncode=returncode, timed_out=False)


def test_does_a_crash_detail_skip_the_kernels_tcp_warning():
    stderr = f"Traceback (most recent call last):\nValueError: assignment name mismatch\n{TCP}\n"
    assert crash_status(finished(stderr), LIMITS) == (
        "crashed", "otter failed (exit 1): ValueError: assignment name mismatch")


def test_does_a_crash_detail_skip_other_kernel_warnings_but_keep_real_lines():
    stderr = "RuntimeError: kernel died\n[IPKernelApp] WARNING | Unknown message type: 'x'\n"
    assert crash_status(finished(stderr), LIMITS)[1].endswith("RuntimeError: kernel died")
    assert crash_status(finished(TCP + "\n"), LIMITS)[1] == "otter failed (exit 1): no output"


def failure(question, message):
    return {"question": question, "test": "t", "hidden": True, "message": message}


def test_does_the_report_count_only_each_students_first_failure_of_a_question():
    ag = Autograder(path=None, sha256="", questions={"q1": 2.0})
    root, other = "AssertionError: shape (10, 1) expected", "AssertionError: weights are all zero"
    symptom = "AssertionError: loss did not decrease"  # fails whenever anything before it did
    entries = [{"failures": [failure("q1", root), failure("q1", symptom)]},
               {"failures": [failure("q1", "Traceback:\n" + root), failure("q1", symptom)]},
               {"failures": [failure("q1", other), failure("q1", symptom)]}]
    assert first_failures(entries[1]["failures"]) == {"q1": root}
    assert most_common_failures(entries, ag) == {"q1": (root, 2)}  # not (symptom, 3)
