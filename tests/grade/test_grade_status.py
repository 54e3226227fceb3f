"""One status module and one child toolkit serve both engines."""

from __future__ import annotations

import shutil
import subprocess
import sys
import types

import pytest

from grader.grade.engines import child_toolkit, otter_child as child, probe_child, sandboxed as safe
from grader.grade.engines.status import crash_status, limit_status, memory_cell_status

LIMITS = types.SimpleNamespace(memory_mb=1500, timeout_s=60, output_mb=1)


def finished(stderr="", returncode=1, timed_out=False):
    return types.SimpleNamespace(stderr=stderr, stdout="", returncode=returncode, timed_out=timed_out)


@pytest.mark.parametrize("returncode, status", [(child_toolkit.CELL_TIMEOUT_EXIT, "timeout"),
                                                (child_toolkit.OUTPUT_LIMIT_EXIT, "output-limit"),
                                                (-25, "output-limit"), (0, None), (1, None)])
def test_does_one_classifier_read_both_childrens_exit_codes(returncode, status):
    found = limit_status(finished("output limit: cell 3 pushed output past 99 bytes\n", returncode), LIMITS)
    assert (found and found[0]) == status


def test_does_a_timed_out_child_say_which_limit():
    assert limit_status(finished(timed_out=True, returncode=-9), LIMITS) == (
        "timeout", "stopped after the 60 s wall-clock limit")


def test_does_each_engine_give_its_own_words_without_rewriting_the_others():
    memory, crash = finished("MemoryError\n", -9), finished("Traceback\nValueError: bad\n", 1)
    assert crash_status(memory, LIMITS) == ("memory", "ran out of memory (limit 1500 MB): MemoryError")
    assert crash_status(crash, LIMITS) == ("crashed", "otter failed (exit 1): ValueError: bad")
    assert crash_status(finished(""), LIMITS) == ("crashed", "otter failed (exit 1): no output")
    lead = safe.NO_RESULTS
    assert crash_status(memory, LIMITS, lead=lead) == ("memory", f"{lead}: MemoryError")
    assert crash_status(crash, LIMITS, lead=lead) == ("crashed", f"{lead}: ValueError: bad")
    assert crash_status(finished(""), LIMITS, lead=lead) == ("crashed", f"{lead}: no output")


def test_is_a_memory_error_in_one_cell_a_memory_status_with_points_kept():
    errors = [{"cell": 4, "ename": "ValueError"}, {"cell": 7, "ename": "MemoryError"}]
    assert memory_cell_status(errors, LIMITS) == (
        "memory", "cell 7 raised MemoryError (limit 1500 MB); points are those the rest of the notebook earned")
    assert memory_cell_status(errors[:1], LIMITS) is None


def test_do_both_children_take_their_helpers_from_the_one_toolkit():
    for name in ("limit_self", "cap_output", "cell_errors"):
        assert getattr(probe_child, name) is getattr(child_toolkit, name)
    assert child.cap_output is child_toolkit.cap_output and child.cell_errors is child_toolkit.cell_errors


def test_does_cell_errors_number_cells_as_the_student_does():
    cells = [{"outputs": [{"output_type": "error", "ename": "E", "evalue": "x" * 900}]},
             {"outputs": [{"output_type": "stream"}]},
             {"outputs": [{"output_type": "error", "ename": "F", "evalue": 3}]}]
    assert child_toolkit.cell_errors(cells) == [{"cell": 0, "ename": "E", "evalue": "x" * 500},
                                                {"cell": 2, "ename": "F", "evalue": "3"}]
    assert child_toolkit.cell_errors(cells, [None, 5, 9]) == [{"cell": 9, "ename": "F", "evalue": "3"}]


def test_does_the_output_cap_count_every_call_on_a_class_and_on_an_instance():
    def client():
        return type("Client", (), {"output": lambda self, outs, msg, display_id, cell_index: cell_index})

    patched, on_class, on_instance = client(), [0], [0]
    child_toolkit.cap_output(patched, 1000, sent=on_class)  # the otter child: otter makes the client
    instance = client()()
    child_toolkit.cap_output(instance, 1000, sent=on_instance)  # the sandboxed child: its own client
    assert patched().output([], {"content": "abc"}, None, 4) == 4
    assert patched().output([], {"content": "de"}, None, 5) == 5
    assert instance.output([], {"content": "abcd"}, None, 6) == 6
    assert (on_class, on_instance) == ([5], [4])


def test_does_the_sandboxed_child_start_from_a_folder_holding_only_its_files(tmp_path):
    alone, both = tmp_path / "alone", tmp_path / "both"
    alone.mkdir(), both.mkdir()
    shutil.copy(safe.CHILD, alone / safe.CHILD.name)
    for path in safe.CHILD_FILES:
        shutil.copy(path, both / path.name)
    run = [sys.executable, "-E", "-s", safe.CHILD.name, "--help"]  # as the sandbox starts it, no PYTHONPATH
    missing = subprocess.run(run, cwd=alone, capture_output=True, text=True)
    assert missing.returncode != 0 and "child_toolkit" in missing.stderr
    started = subprocess.run(run, cwd=both, capture_output=True, text=True)
    assert started.returncode == 0 and "--calls" in started.stdout, started.stderr
