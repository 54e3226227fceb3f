"""Does the built zip grade on Gradescope as an instructor expects?

The zip is the session's build of the master notebook (``built``, tests/conftest.py), run by
``emulate.py`` as Gradescope runs it: its own ``run_autograder``, unmodified, in an
/autograder-shaped temporary folder, inside a fresh virtualenv of this machine's Python made
from the zip's own environment.yml (see emulate.py; pip's cache makes it quick after the first).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from emulate import make_venv, run  # noqa: E402

from grader.assemble.gradescope import VISIBILITIES  # noqa: E402
from grader.assemble.memory import MB, MEMORY_BUDGET  # noqa: E402

pytestmark = pytest.mark.slow
# Gradescope's autograder specification: the keys of results.json and of each of its tests.
RESULT_KEYS = {"score", "execution_time", "output", "output_format", "test_output_format",
               "test_name_format", "visibility", "stdout_visibility", "extra_data", "tests",
               "leaderboard"}
TEST_KEYS = {"score", "max_score", "status", "name", "name_format", "number", "output",
             "output_format", "tags", "visibility", "extra_data"}


@pytest.fixture(scope="module")
def venv(built, tmp_path_factory):
    return make_venv(built.autograder_zip, tmp_path_factory.mktemp("env") / "venv")


def check_schema(results: dict) -> None:
    assert set(results) <= RESULT_KEYS, set(results) - RESULT_KEYS
    assert results["tests"], "results.json holds no test"
    for test in results["tests"]:
        assert set(test) <= TEST_KEYS, set(test) - TEST_KEYS
        assert isinstance(test["name"], str) and isinstance(test.get("output", ""), str)
        assert test.get("visibility", "visible") in VISIBILITIES
        assert test.get("status", "passed") in ("passed", "failed")
        for key in ("score", "max_score"):
            assert isinstance(test.get(key, 0), (int, float))
    assert isinstance(results.get("score", 0), (int, float))


def test_does_the_solution_earn_full_points_within_the_memory_budget(built, venv):
    done = run(built.autograder_zip, [built.solution_notebook], venv)
    check_schema(done.results)
    graded = {t["name"]: t for t in done.results["tests"] if "max_score" in t}
    assert sum(t["score"] for t in graded.values()) == 90, done.stdout[-3000:]
    assert sum(t["max_score"] for t in graded.values()) == 90
    assert graded["q11"]["visibility"] == "after_published"  # the build's default
    assert "graded by hand (8 points" in graded["q6"]["output"]
    names = [t["name"] for t in done.results["tests"]]
    assert names[0] == "Public Tests" and names.index("q2") < names.index("q10")
    print(f"\nemulated Gradescope run: {done.seconds:.0f} s, peak {done.peak_bytes / MB:.0f} MB "
          f"(kernel {done.kernel_peak_bytes / MB:.0f} MB), Python {sys.version_info[:2]} virtualenv")
    assert done.kernel_peak_bytes > 100 * MB  # the kernel was seen
    assert done.kernel_peak_bytes < MEMORY_BUDGET


def test_does_a_pdf_only_submission_get_the_no_notebook_message(built, venv, tmp_path):
    pdf = tmp_path / "mlp_mnist.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    done = run(built.autograder_zip, [pdf], venv)
    check_schema(done.results)
    assert done.results["score"] == 0
    [entry] = done.results["tests"]
    assert entry["visibility"] == "visible" and "No notebook was found" in entry["output"]
    assert "NoneType" not in done.stdout and "mlp_hidden_checks" not in entry["output"]
