"""Is every structural mistake in a master notebook reported with its question and cell?"""

from __future__ import annotations

import nbformat
import pytest
from click.testing import CliRunner

from grader.assemble.master import read_master
from grader.cli import main
from grader.errors import GraderError

from pathlib import Path

MASTER = Path(__file__).resolve().parents[2] / "notebooks" / "mlp_mnist.ipynb"


def _edited(tmp_path, edit):
    nb = nbformat.read(MASTER, as_version=4)
    edit(nb.cells)
    path = tmp_path / "master.ipynb"
    nbformat.write(nb, path)
    return path


def _index(cells, text):
    return next(i for i, c in enumerate(cells) if c.cell_type == "raw" and c.source.startswith(text))


def test_does_the_real_master_notebook_read_cleanly():
    master = read_master(MASTER)
    names = [q.name for q in master.questions]
    assert names == ["q1", "q2", "q3", "q4", "q5", "q6", "q7", "q7_bias", "q8", "q9", "q10", "q11", "q12"]
    assert {q.name for q in master.questions if q.manual} == {"q6", "q7_bias"}
    assert all(q.hidden_tests > 0 for q in master.questions if not q.manual)


def test_is_a_malformed_config_reported_at_cell_1(tmp_path):
    path = _edited(tmp_path, lambda cells: setattr(cells[0], "source", cells[0].source + "\nfiles: [a, b"))
    with pytest.raises(GraderError, match=r"cell 1\).*not valid YAML"):
        read_master(path)


def test_is_an_unclosed_question_named(tmp_path):
    def drop_last_end_question(cells):
        i = max(i for i, c in enumerate(cells) if c.cell_type == "raw" and c.source.startswith("# END QUESTION"))
        del cells[i]
    with pytest.raises(GraderError, match=r"question q12, cell \d+\).*never closed"):
        read_master(_edited(tmp_path, drop_last_end_question))


def test_is_a_question_without_tests_named(tmp_path):
    def drop_q3_tests(cells):
        start = _index(cells, "# BEGIN QUESTION\nname: q3")
        begin = next(i for i in range(start, len(cells)) if cells[i].source.startswith("# BEGIN TESTS"))
        end = next(i for i in range(begin, len(cells)) if cells[i].source.startswith("# END TESTS"))
        del cells[begin:end + 1]
    with pytest.raises(GraderError, match=r"question q3, cell \d+\).*no test cell"):
        read_master(_edited(tmp_path, drop_q3_tests))


def test_is_a_duplicate_question_name_named(tmp_path):
    def rename_q3(cells):
        i = _index(cells, "# BEGIN QUESTION\nname: q3")
        cells[i].source = cells[i].source.replace("name: q3", "name: q2")
    with pytest.raises(GraderError, match=r"question q2, cell \d+\).*used twice"):
        read_master(_edited(tmp_path, rename_q3))


def test_is_an_end_without_begin_reported(tmp_path):
    def stray_end(cells):
        cells.insert(3, nbformat.v4.new_raw_cell("# END SOLUTION"))
    with pytest.raises(GraderError, match=r"cell 4\).*'# END SOLUTION' found but nothing is open"):
        read_master(_edited(tmp_path, stray_end))


def test_is_a_file_that_is_not_a_notebook_refused(tmp_path):
    path = tmp_path / "broken.ipynb"
    path.write_text("{ not json")
    with pytest.raises(GraderError, match="not a valid Jupyter notebook"):
        read_master(path)


def test_does_the_cli_exit_2_and_leave_no_dist_for_a_bad_master(tmp_path):
    path = _edited(tmp_path, lambda cells: setattr(cells[0], "source", "# ASSIGNMENT CONFIG\nname: [x"))
    out = tmp_path / "dist"
    result = CliRunner().invoke(main, ["build", str(path), "--data", str(tmp_path), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert "Error:" in result.output and "cell 1" in result.output
    assert not out.exists()


def test_is_a_reference_to_a_missing_answer_key_definition_named_with_its_cell(tmp_path):
    def misspell(cells):
        cell = next(c for c in cells if "# SOLUTION: solutions.network.feedforward" in c.source)
        cell.source = cell.source.replace("solutions.network.feedforward", "solutions.network.feedfoward")
    path = _edited(tmp_path, misspell)
    number = 1 + next(i for i, c in enumerate(nbformat.read(path, as_version=4).cells) if "feedfoward" in c.source)
    out = tmp_path / "dist"
    result = CliRunner().invoke(main, ["build", str(path), "--data", str(tmp_path), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert f"master.ipynb (cell {number}), line 4: 'solutions.network.feedfoward'" in result.output
    assert "defines no 'feedfoward'" in result.output and not out.exists()
