"""Does the zip's Gradescope layer (grader/assemble/gradescope.py and the mlp_gradescope.py hook it
ships) do what Gradescope needs, without building anything?

The hook is run the way the zip's run_autograder runs it: as a script inside an
/autograder-shaped temporary folder (source/, submission/, results/).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from grader.assemble.gradescope import (HOOK_FILE, VISIBILITIES, gradescope_config, pinned_environment,
                                     run_autograder_script, run_otter_script)
from grader.assemble.master import read_master

MASTER = Path(__file__).resolve().parents[2] / "notebooks" / "mlp_mnist.ipynb"
OTTER_RUN_AUTOGRADER = ("#!/bin/bash\nexport PATH=/root/miniforge3/bin:$PATH\n"
                        'eval "$(mamba shell hook --shell bash)"\nmamba activate otter-env\n'
                        "python /autograder/source/run_otter.py\n")


@pytest.fixture
def autograder(tmp_path):
    """An /autograder-shaped folder holding the hook and the config the build writes."""
    for sub in ("source", "submission", "results"):
        (tmp_path / sub).mkdir()
    shutil.copy(HOOK_FILE, tmp_path / "source" / "mlp_gradescope.py")
    config = gradescope_config(read_master(MASTER), "after_published")
    (tmp_path / "source" / "mlp_gradescope.json").write_text(json.dumps(config))
    return tmp_path


def hook(root: Path, step: str) -> int:
    return subprocess.run([sys.executable, str(root / "source" / "mlp_gradescope.py"), step]).returncode


def results(root: Path) -> dict:
    return json.loads((root / "results" / "results.json").read_text())


def test_does_a_submission_without_a_notebook_get_one_clear_message_and_zero(autograder):
    (autograder / "submission" / "mlp_mnist.pdf").write_bytes(b"%PDF-1.4")
    (autograder / "submission" / "mlp_hidden_checks.py").write_text("# copied by otter\n")
    assert hook(autograder, "before") == 1  # run_autograder then skips otter
    assert hook(autograder, "after") == 0  # and leaves this result alone
    out = results(autograder)
    assert out["score"] == 0 and len(out["tests"]) == 1
    entry = out["tests"][0]
    assert entry["visibility"] == "visible" and entry["max_score"] == 90
    assert "No notebook was found" in entry["output"] and "mlp_mnist.pdf" in entry["output"]
    assert "mlp_mnist.ipynb" in entry["output"]


def test_is_the_zip_made_by_the_notebook_unpacked_if_left_packed(autograder):
    import zipfile

    with zipfile.ZipFile(autograder / "submission" / "mlp_mnist_2026.zip", "w") as zf:
        zf.writestr("mlp_mnist.ipynb", "{}")
        zf.writestr("mlp_mnist.pdf", "%PDF-1.4")
    assert hook(autograder, "before") == 0
    assert (autograder / "submission" / "mlp_mnist.ipynb").is_file()


def test_does_a_submission_with_a_notebook_go_on_to_otter(autograder):
    (autograder / "submission" / "mine.ipynb").write_text("{}")
    assert hook(autograder, "before") == 0
    assert not (autograder / "results" / "results.json").exists()


def test_are_otters_results_finished_in_a_stable_order_with_the_chosen_visibility(autograder):
    names = ["q12", "q6", "Public Tests", "q1", "q7_bias", "q10", "q2"]
    otter = {"tests": [{"name": n, "score": 1, "max_score": 1, "visibility": "hidden", "output": "ok"}
                       if n != "Public Tests" else {"name": n, "visibility": "visible", "output": "ok"}
                       for n in names]}
    (autograder / "results" / "results.json").write_text(json.dumps(otter))
    assert hook(autograder, "after") == 0
    tests = results(autograder)["tests"]
    assert [t["name"] for t in tests] == ["Public Tests", "q1", "q2", "q6", "q7_bias", "q10", "q12"]
    assert {t["visibility"] for t in tests} == {"visible", "after_published"}
    assert tests[0]["visibility"] == "visible"
    q6 = next(t for t in tests if t["name"] == "q6")
    assert "graded by hand (8 points" in q6["output"]


def test_does_a_run_that_wrote_no_results_still_tell_the_student(autograder):
    assert hook(autograder, "after") == 0  # otter's kernel was killed: no results.json
    out = results(autograder)
    assert out["score"] == 0 and "memory" in out["tests"][0]["output"]


def test_does_run_autograder_run_the_hook_around_otter_from_a_movable_root():
    script = run_autograder_script(OTTER_RUN_AUTOGRADER)
    assert 'ROOT="${MLP_AUTOGRADER_ROOT:-/autograder}"' in script
    lines = script.splitlines()
    before = lines.index('if python "$ROOT/source/mlp_gradescope.py" before; then')
    assert lines[before + 1].strip() == 'python "$ROOT/source/run_otter.py"'
    assert lines[-1] == 'python "$ROOT/source/mlp_gradescope.py" after'
    assert "python /autograder/source/run_otter.py" not in script
    otter = run_otter_script('if __name__ == "__main__":\n    run_autograder("/autograder")\n')
    assert 'os.environ.get("MLP_AUTOGRADER_ROOT", "/autograder")' in otter


def test_are_the_notebooks_packages_pinned_to_the_installed_versions():
    env = ("dependencies:\n  - python=3.13\n  - pip\n  - pip:\n      - otter-grader[grading,plugins]==7.0.0\n"
           "      - numpy>=1.24\n      - matplotlib>=3.7\n      - scikit-learn>=1.3\n")
    pinned = pinned_environment(env)
    for package in ("numpy", "matplotlib", "scikit-learn"):
        assert f"      - {package}=={version(package)}\n" in pinned
    assert "otter-grader[grading,plugins]==7.0.0" in pinned


def test_does_the_config_refuse_an_unknown_visibility():
    assert VISIBILITIES == ("hidden", "after_due_date", "after_published", "visible")
    with pytest.raises(ValueError, match="after_published"):
        gradescope_config(read_master(MASTER), "later")


def test_does_the_build_warn_with_the_gradescope_setting_only_above_the_budget():
    from grader.assemble.memory import MB, MEMORY_BUDGET, budget_warning

    assert budget_warning(MEMORY_BUDGET - MB) is None
    warning = budget_warning(1212 * MB)
    assert "1212 MB" in warning and "Autograder Settings" in warning and "1536 MB" in warning


def test_does_peak_memory_see_a_child_process_allocate():
    import subprocess

    from grader.assemble.memory import MB, PeakMemory

    child = subprocess.Popen([sys.executable, "-c", "import time; b = bytearray(150_000_000); "
                              "b[::4096] = b'x' * len(b[::4096]); time.sleep(1)"])
    peak = PeakMemory(match="bytearray")
    peak.watch(child.pid)
    child.wait()
    assert peak.stop() > 150 * MB and peak.peak_matched > 150 * MB
