"""Does the build give students exactly what they need, and the grader everything it needs?"""

from __future__ import annotations

import json
import re
import shutil
import zipfile

import nbformat
import pytest

from grader.assemble.expand import expand_notebook
from grader.assemble.steps import check_student, pin_numerics
from grader.errors import GraderError

from pathlib import Path

MASTER = Path(__file__).resolve().parents[2] / "notebooks" / "mlp_mnist.ipynb"
pytestmark = pytest.mark.slow


def _solution_lines() -> set[str]:
    """Code lines that only the solution has: marked '# SOLUTION' or inside SOLUTION NO PROMPT
    once the master is expanded (its solution code comes from solutions/), except the ``def``
    lines: the signatures are the assignment's, which the students' stubs show too."""
    lines, inside = set(), False
    for cell in expand_notebook(nbformat.read(MASTER, as_version=4), MASTER.name, MASTER.parent).cells:
        if cell.cell_type != "code":
            continue
        for line in cell.source.splitlines():
            text = line.strip()
            if text.startswith("# BEGIN SOLUTION"):
                inside = True
            elif text.startswith("# END SOLUTION"):
                inside = False
            elif (inside or text.endswith("# SOLUTION")) and len(text) > 12 and not text.startswith("def "):
                lines.add(text.replace("# SOLUTION", "").strip())
    return lines


def test_does_the_student_folder_hold_only_the_notebook_and_the_data(built):
    assert sorted(p.name for p in built.student_notebook.parent.iterdir()) == [
        "environment.yml", "mlp_mnist.ipynb", "requirements.txt", "train_mnist.npz"]


def test_does_the_student_notebook_start_with_the_friendly_set_up_cell(built):
    from grader.student_cells import INIT_CELL_SOURCE
    from grader.grade.pipeline import expected_name

    first = next(c for c in nbformat.read(built.student_notebook, as_version=4).cells if c.cell_type == "code")
    assert first.source == INIT_CELL_SOURCE.format(name="mlp_mnist.ipynb")
    assert expected_name(built.student_notebook) == "mlp_mnist.ipynb"


def test_does_the_student_notebook_hide_every_solution_line(built):
    student = nbformat.read(built.student_notebook, as_version=4)
    text = "\n".join(c.source for c in student.cells if c.cell_type == "code")
    leaked = [line for line in _solution_lines() if line in text]
    assert len(_solution_lines()) > 40
    assert leaked == []


def test_does_the_student_notebook_carry_public_tests_only(built):
    nb = nbformat.read(built.student_notebook, as_version=4)
    tests = nb.metadata["otter"]["tests"]
    assert set(tests) >= {"q1", "q2", "q3", "q5", "q7", "q8", "q9", "q10"}
    bodies = json.dumps(tests)
    assert "hidden=True" not in bodies and "hidden=False" in bodies
    for secret in ("mlp_hidden_checks", "mlp_reference", "heldout_", "check_gradient"):
        assert secret not in built.student_notebook.read_text(encoding="utf-8")


def test_does_each_question_end_with_its_check_and_the_notebook_with_the_export(built):
    from grader.student_cells import EXPORT_CELL_SOURCE

    nb = nbformat.read(built.student_notebook, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    checks = re.findall(r'grader\.check\("(\w+)"\)', code)
    assert checks == ["q1", "q2", "q3", "q4", "q5", "q6", "q7", "q7_bias", "q8", "q9", "q10", "q11", "q12"]
    assert nb.cells[-1].source == EXPORT_CELL_SOURCE


def test_does_the_autograder_zip_carry_heldout_sets_reference_values_and_checks(built):
    with zipfile.ZipFile(built.autograder_zip) as z:
        names = set(z.namelist())
    for needed in ("files/heldout_1_5.npz", "files/heldout_7_9.npz", "files/mlp_reference.npz",
                   "files/mlp_hidden_checks.py", "files/check_registry.py", "files/train_mnist.npz",
                   "otter_config.json",
                   "run_autograder", "environment.yml"):
        assert needed in names, f"{needed} missing from {sorted(names)}"
    with zipfile.ZipFile(built.autograder_zip) as z:
        environment = z.read("environment.yml").decode()
    assert all(pkg in environment for pkg in ("numpy", "matplotlib", "scikit-learn"))
    assert any(n.startswith("tests/q8") for n in names)


def test_does_the_solution_earn_every_automatic_point_through_otter_run(built):
    from grader.assemble.master import read_master

    expected = {q.name: q.points for q in read_master(MASTER).questions if not q.manual}
    assert {q: built.earned[q] for q in expected} == expected
    assert sum(expected.values()) == 90


def test_is_the_solution_notebook_executed_with_its_plots(built):
    nb = nbformat.read(built.solution_notebook, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 3  # Q1 and the two Q9 runs


def test_does_the_leak_check_catch_a_hidden_check_in_the_student_notebook(tmp_path):
    leaky = tmp_path / "student.ipynb"
    leaky.write_text('{"cells": [{"source": "from mlp_hidden_checks import check_gradient"}]}')
    with pytest.raises(GraderError, match="mlp_hidden_checks"):
        check_student(leaky)


def test_does_the_build_refuse_a_student_cell_that_is_not_valid_python(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("%matplotlib inline\nx = 1"),
                nbformat.v4.new_code_cell("model = ...\n    epochs=5, eta=0.1)")]
    broken = tmp_path / "student.ipynb"
    nbformat.write(nb, broken)
    with pytest.raises(GraderError, match=r"cell 1: the student's starting code is not valid Python"):
        check_student(broken)


def _repo_copy(tmp_path, edit_file, old, new) -> Path:
    """The master and a copy of solutions/ in ``tmp_path`` (the build takes the answer key
    from beside the master), ``old`` replaced by ``new`` in solutions/``edit_file``."""
    shutil.copytree(MASTER.parents[1] / "solutions", tmp_path / "solutions")
    (tmp_path / "notebooks").mkdir()
    shutil.copy(MASTER, tmp_path / "notebooks" / MASTER.name)
    path = tmp_path / "solutions" / edit_file
    assert path.read_text().count(old) == 1
    path.write_text(path.read_text().replace(old, new))
    return tmp_path / "notebooks" / MASTER.name


def test_does_a_solution_that_loses_points_stop_the_build_naming_the_question(data_dir, tmp_path):
    import grader.assemble

    broken = _repo_copy(tmp_path, "data_prep.py", "np.where((y == d1) | (y == d2))[0]", "np.where(y == d1)[0]")
    out = tmp_path / "dist"
    with pytest.raises(GraderError, match=r"the solution fails q2 \(0(\.0)?/6"):
        grader.assemble.main(master=broken, data_dir=data_dir, out=out, log=lambda *a: None,
                          execute_solution=False)
    assert not out.exists()


def test_do_the_built_notebooks_follow_an_edit_of_the_answer_key(tmp_path):
    """solutions/ is the one place a solution line is written: edit a copy, build, and the
    solution notebook has the edit while the student notebook keeps its stub."""
    import grader.assemble
    import grader.data

    master = _repo_copy(tmp_path, "activations.py", "return np.maximum(Z, 0)",
                        "return np.maximum(Z, 0.0)  # edited in a copy of the answer key")
    grader.data.main(out=tmp_path / "data", dataset="digits", progress=False)
    result = grader.assemble.main(master=master, data_dir=tmp_path / "data", out=tmp_path / "dist",
                               log=lambda *a: None, execute_solution=False)
    def relu_cell(notebook):
        cells = nbformat.read(notebook, as_version=4).cells
        return next(c.source for c in cells if c.cell_type == "code" and "def ReLu(" in c.source)

    solution = relu_cell(result.solution_notebook)
    assert "return np.maximum(Z, 0.0)  # edited in a copy of the answer key" in solution
    assert "return np.maximum(Z, 0)\n" not in solution
    student = relu_cell(result.student_notebook)
    assert 'def ReLu(Z):\n    """Elementwise max(0, Z)."""\n    ...\n' in student
    assert "maximum" not in student and "edited" not in result.student_notebook.read_text()


def test_does_a_build_on_the_digits_stand_in_go_on_with_a_notice(tmp_path):
    import grader.assemble
    import grader.data

    grader.data.main(out=tmp_path / "data", dataset="digits", progress=False)
    said = []
    result = grader.assemble.main(master=MASTER, data_dir=tmp_path / "data", out=tmp_path / "dist",
                               log=said.append, execute_solution=False)
    assert result.autograder_zip.is_file()
    assert any("stand-in data, not MNIST" in line for line in said)
    # the stand-in's enlarged training split and lowered tiers give the answer key every point
    assert not any("loses points" in line for line in said), said


def test_is_a_missing_data_folder_reported_with_the_fix(tmp_path):
    import grader.assemble

    with pytest.raises(GraderError, match="run 'mlp-course data -o"):
        grader.assemble.main(master=MASTER, data_dir=tmp_path / "nowhere", out=tmp_path / "dist",
                          log=lambda *a: None)
    assert not (tmp_path / "dist").exists()


def test_does_the_gradescope_zip_run_with_the_grading_thread_count(tmp_path):
    import zipfile

    from grader.numerics import GRADING_THREADS

    zip_path = tmp_path / "autograder.zip"
    with zipfile.ZipFile(zip_path, "w") as zf:
        zf.writestr("run_autograder", "#!/bin/bash\nmamba activate otter-env\npython /autograder/source/run_otter.py\n")
        zf.writestr("otter_config.json", "{}")
    pin_numerics(zip_path)
    with zipfile.ZipFile(zip_path) as zf:
        script = zf.read("run_autograder").decode()
        assert zf.read("otter_config.json") == b"{}"
    assert script.startswith("#!/bin/bash\n")
    assert script.index(f"export OPENBLAS_NUM_THREADS={GRADING_THREADS}") < script.index("python /autograder")


def test_is_each_answer_skeleton_one_valid_line_per_name(built):
    nb = nbformat.read(built.student_notebook, as_version=4)
    answers = [c.source for c in nb.cells if c.cell_type == "code" and re.search(r"^\S.* = \.\.\.$", c.source, re.M)
               and "def " not in c.source]
    assert len(answers) >= 5  # Q4, Q6, Q7 (bias), Q11, Q12
    for source in answers:
        lines = [l for l in source.splitlines() if l.strip() and not l.lstrip().startswith("#")]
        bad = [l for l in lines if not re.fullmatch(r"[A-Za-z_][\w, ]* = \.\.\.", l)]
        assert bad == [], f"answer cell with lines that are not 'name = ...': {bad}"
        compile(source, "<answer cell>", "exec")


def test_does_the_executed_solution_stay_within_the_memory_budget(built):
    from grader.assemble.memory import MB, MEMORY_BUDGET

    assert 100 * MB < built.peak_memory < MEMORY_BUDGET, f"{built.peak_memory / MB:.0f} MB"


def test_is_the_zip_ready_for_gradescope(built):
    """Pinned packages, the before/after hook at the zip's root (never in files/, which otter
    copies into the student's folder) and its config."""
    from importlib.metadata import version

    with zipfile.ZipFile(built.autograder_zip) as z:
        names = set(z.namelist())
        environment = z.read("environment.yml").decode()
        config = json.loads(z.read("mlp_gradescope.json"))
        run_autograder = z.read("run_autograder").decode()
    assert {"mlp_gradescope.py", "mlp_gradescope.json"} <= names
    assert not [n for n in names if n.startswith("files/") and n.endswith(".py")
                and n not in ("files/mlp_hidden_checks.py", "files/check_registry.py")]
    for package in ("numpy", "matplotlib", "scikit-learn"):
        assert f"{package}=={version(package)}" in environment
    assert config["manual"] == {"q6": 8, "q7_bias": 2} and config["points_possible"] == 90
    assert "OPENBLAS_NUM_THREADS=1" in run_autograder and "mlp_gradescope.py\" before" in run_autograder
