"""The export cell's logic without a front end: which notebook it exports (a duplicate, a
renamed copy), its refusal of a stale or unfinished save, and the set-up cell's sentences
(otter missing, notebook renamed). The build's step that puts that set-up cell in the student
notebook, and the setup files students get, are checked here too."""

from __future__ import annotations

import os
import sys
import tomllib
import types
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.assemble.steps import STUDENT_REQUIREMENTS, finish_student, student_setup_files
from grader.errors import GraderError
from grader.student_cells import (EXPORT_CELL_SOURCE, EXPORT_HELPERS, EXPORT_MAIN,
                                        INIT_CELL_SOURCE, init_cell_source)
from grader.grade.pipeline import expected_name
from grader.student_cells import NOTEBOOK_CALL

REPO = Path(__file__).resolve().parents[2]


def saved(path: Path, *answers: str, run: bool = True) -> Path:
    """A notebook on disk: the set-up cell, one code cell per answer, then the export cell
    (never run, as while it runs); ``run`` gives the other code cells an execution count."""
    cells = [new_code_cell('import otter\ngrader = otter.Notebook("mlp_mnist.ipynb")'),
             new_markdown_cell("## Q1")] + [new_code_cell(a) for a in answers] + [new_code_cell(EXPORT_CELL_SOURCE)]
    for count, cell in enumerate(cells[:-1], 1):
        if cell.cell_type == "code" and run:
            cell.execution_count = count
    nbformat.write(new_notebook(cells=cells), path)
    return path


class FakeGrader:
    """Records what the cell asks otter to export."""

    _grading_mode = False

    def __init__(self):
        self.exported = []

    def _resolve_nb_path(self, nb_path):
        return nb_path

    def export(self, nb_path=None, **kwargs):
        self.exported.append((nb_path, kwargs))


def fake_copy(path, kind):
    """Stands in for ``_write_copy`` (no LaTeX run): writes an empty copy and returns its name."""
    copy = Path(path).with_suffix("." + kind)
    copy.write_bytes(b"")
    return copy.name


def run_cell(folder: Path, monkeypatch, write_copy=fake_copy, **names) -> tuple[FakeGrader, str]:
    """Run the export cell in ``folder`` with a fake grader and TeX present; return what it did."""
    monkeypatch.chdir(folder)
    printed = []
    env = {"print": lambda *a, **k: printed.append(" ".join(map(str, a))), **names}
    exec(EXPORT_HELPERS, env)
    env["shutil"] = types.SimpleNamespace(which=lambda tool: f"/usr/bin/{tool}")
    env["_write_copy"] = write_copy
    env.setdefault("grader", FakeGrader())
    exec(EXPORT_MAIN, env)
    return env["grader"], "\n".join(printed)


def test_is_a_complete_save_exported_with_its_pdf(tmp_path, monkeypatch):
    saved(tmp_path / "mlp_mnist.ipynb", "x = 1", "ans_i = 'because'")
    grader, printed = run_cell(tmp_path, monkeypatch)
    assert grader.exported == [("mlp_mnist.ipynb", {"pdf": False, "files": ["mlp_mnist.pdf"]})]
    assert "No zip" not in printed and "No PDF" not in printed


def test_when_latex_fails_does_the_zip_get_the_html_copy_and_one_sentence_why(tmp_path, monkeypatch):
    from nbconvert.exporters.pdf import LatexFailed

    def no_pdf(path, kind):
        if kind == "pdf":
            raise LatexFailed("This is XeTeX\n! Undefined control sequence.\nl.12 $\\foo$")
        return fake_copy(path, kind)

    saved(tmp_path / "mlp_mnist.ipynb", "ans_i = 'because'")
    grader, printed = run_cell(tmp_path, monkeypatch, write_copy=no_pdf)
    assert grader.exported == [("mlp_mnist.ipynb", {"pdf": False, "files": ["mlp_mnist.html"]})]
    assert printed.startswith("No PDF was made because LaTeX failed on this notebook (Undefined "
                              "control sequence.)") and "mlp_mnist.html" in printed
    assert "\n" not in printed


@pytest.mark.parametrize("answers, run, said", [
    (("x = 1", "y = 2"), False, "3 code cell(s) that did not run"),
    (("x = 1", "ans_i = ..."), True, "1 still holding ..."),
    (("def f(x):\n    ...\n    return x",), True, "1 still holding ..."),
])
def test_is_a_stale_or_unfinished_save_refused_in_one_sentence(tmp_path, monkeypatch, answers, run, said):
    saved(tmp_path / "mlp_mnist.ipynb", *answers, run=run)
    grader, printed = run_cell(tmp_path, monkeypatch)
    assert grader.exported == []
    assert printed.startswith("No zip was made because mlp_mnist.ipynb as saved has") and said in printed
    assert "\n" not in printed and "Restart Kernel and Run All Cells" in printed


def test_can_unfinished_work_be_handed_in_on_purpose(tmp_path, monkeypatch):
    saved(tmp_path / "mlp_mnist.ipynb", "ans_i = ...")
    monkeypatch.chdir(tmp_path)
    env = {"print": lambda *a, **k: None, "grader": FakeGrader()}
    exec(EXPORT_HELPERS, env)
    env["HAND_IN_UNFINISHED"] = True
    env["shutil"] = types.SimpleNamespace(which=lambda tool: tool)
    exec(EXPORT_MAIN, env)
    assert [path for path, _ in env["grader"].exported] == ["mlp_mnist.ipynb"]


def test_is_ellipsis_inside_code_not_taken_for_an_unanswered_cell(tmp_path):
    nb = saved(tmp_path / "nb.ipynb", "last = X[..., 0]\nprint('...')")
    env = {}
    exec(EXPORT_HELPERS, env)
    assert env["_unfinished"](str(nb)) == ([], [])


def test_does_a_duplicate_export_itself_not_the_original(tmp_path, monkeypatch):
    original = saved(tmp_path / "mlp_mnist.ipynb", "ans_i = ...", run=False)
    copy = saved(tmp_path / "mlp_mnist-Copy1.ipynb", "ans_i = 'done'")
    os.utime(original, (1, 1))
    grader, _ = run_cell(tmp_path, monkeypatch)
    assert [path for path, _ in grader.exported] == [copy.name]


def test_does_the_kernels_own_notebook_win_over_the_newest(tmp_path, monkeypatch):
    saved(tmp_path / "mlp_mnist.ipynb", "ans_i = 'mine'")
    saved(tmp_path / "mlp_mnist-Copy1.ipynb", "ans_i = 'newer'")
    os.utime(tmp_path / "mlp_mnist.ipynb", (1, 1))
    grader, _ = run_cell(tmp_path, monkeypatch, __session__=str(tmp_path / "mlp_mnist.ipynb"))
    assert [path for path, _ in grader.exported] == ["mlp_mnist.ipynb"]


def test_does_a_renamed_notebook_export_itself(tmp_path, monkeypatch):
    saved(tmp_path / "mlp_mnist (1).ipynb", "ans_i = 'done'")
    (tmp_path / "other.ipynb").write_text("{not json", encoding="utf-8")
    grader, _ = run_cell(tmp_path, monkeypatch)
    assert [path for path, _ in grader.exported] == ["mlp_mnist (1).ipynb"]


def test_without_its_notebook_or_set_up_does_the_cell_say_what_to_do(tmp_path, monkeypatch):
    grader, printed = run_cell(tmp_path, monkeypatch)
    assert grader.exported == [] and "save this notebook (Ctrl-S) as mlp_mnist.ipynb" in printed
    _, printed = run_cell(tmp_path, monkeypatch, grader=None)
    assert printed.startswith("Nothing was exported because the set-up cell at the top")


def test_in_grading_mode_does_the_cell_do_nothing(tmp_path, monkeypatch):
    grader = type("GradingGrader", (FakeGrader,), {"_grading_mode": True})()
    _, printed = run_cell(tmp_path, monkeypatch, grader=grader)
    assert grader.exported == [] and printed == ""


def init_cell(folder: Path, monkeypatch) -> tuple[dict, list[str]]:
    monkeypatch.chdir(folder)
    printed = []
    env = {"print": lambda *a, **k: printed.append(" ".join(map(str, a)))}
    exec(INIT_CELL_SOURCE.format(name="mlp_mnist.ipynb"), env)
    return env, printed


def test_does_the_set_up_cell_name_a_renamed_notebook_and_keep_the_checks_answering(tmp_path, monkeypatch):
    saved(tmp_path / "mlp_mnist (1).ipynb")
    env, printed = init_cell(tmp_path, monkeypatch)
    env["grader"].check("q1")
    assert len(printed) == 2 and printed[0] == printed[1]
    assert "rename it to mlp_mnist.ipynb (File > Rename Notebook)" in printed[0] and "\n" not in printed[0]


def test_does_the_set_up_cell_name_a_missing_otter_with_the_install_command(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "otter", None)  # import otter -> ImportError
    env, printed = init_cell(tmp_path, monkeypatch)
    assert len(printed) == 1 and "pip install -r requirements.txt" in printed[0]
    env["grader"].export()
    assert printed[1] == printed[0]


def test_does_the_set_up_cell_load_otter_when_all_is_in_place(tmp_path, monkeypatch):
    saved(tmp_path / "mlp_mnist.ipynb")
    env, printed = init_cell(tmp_path, monkeypatch)
    assert printed == [] and type(env["grader"]).__name__ == "Notebook"


def test_does_the_build_put_the_set_up_cell_in_the_student_notebook(tmp_path):
    nb = new_notebook(cells=[new_code_cell('# Initialize Otter\nimport otter\ngrader = otter.Notebook("mlp_mnist.ipynb")'),
                             new_code_cell("x = 1")])
    nbformat.write(nb, tmp_path / "mlp_mnist.ipynb")
    finish_student(tmp_path / "mlp_mnist.ipynb")
    cells = nbformat.read(tmp_path / "mlp_mnist.ipynb", as_version=4).cells
    assert cells[0].source == INIT_CELL_SOURCE.format(name="mlp_mnist.ipynb") and cells[1].source == "x = 1"
    assert expected_name(tmp_path / "mlp_mnist.ipynb") == "mlp_mnist.ipynb"
    assert NOTEBOOK_CALL.search(cells[0].source)
    nbformat.write(new_notebook(cells=[new_code_cell("x = 1")]), tmp_path / "bare.ipynb")
    with pytest.raises(GraderError, match="init_cell: true"):
        finish_student(tmp_path / "bare.ipynb")
    assert init_cell_source("import otter\ngrader = otter.Notebook()") is None


def test_do_the_students_setup_files_carry_pyprojects_ranges_and_jupyterlab(tmp_path):
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    deps = set(pyproject["project"]["dependencies"])
    for pkg in ("numpy", "matplotlib", "scikit-learn", "otter-grader"):
        assert [r for r in STUDENT_REQUIREMENTS if r.split(">")[0] == pkg][0] in deps
    student_setup_files(tmp_path)
    requirements = (tmp_path / "requirements.txt").read_text(encoding="utf-8")
    assert [l for l in requirements.splitlines() if not l.startswith("#")] == list(STUDENT_REQUIREMENTS)
    assert any(r.startswith("jupyterlab") for r in STUDENT_REQUIREMENTS)
    import yaml

    env = yaml.safe_load((tmp_path / "environment.yml").read_text(encoding="utf-8"))
    assert "numpy>=1.24,<3" in env["dependencies"]
    assert {"pip": ["otter-grader>=7,<8"]} in env["dependencies"]


def test_does_the_notebooks_intro_say_how_to_set_up_in_a_short_paragraph():
    intro = next(c.source for c in nbformat.read(REPO / "notebooks" / "mlp_mnist.ipynb", as_version=4).cells
                 if c.cell_type == "markdown")
    setup = next(p for p in intro.split("\n\n") if p.startswith("**Setup.**"))
    for needed in ("requirements.txt", "environment.yml", "otter-grader", "jupyter lab", "train_mnist.npz"):
        assert needed in setup, needed
    assert len(setup.splitlines()) <= 4
