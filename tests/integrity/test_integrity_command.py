"""The ``mlp-course integrity`` command: what it prints, writes, and refuses."""

from __future__ import annotations

import csv

import nbformat
import pytest
from click.testing import CliRunner

from grader.cli import main
from submissions.integrity_notebooks import STYLE_A, STYLE_B, STYLE_C, near_copy, notebook


def run(*args):
    return CliRunner().invoke(main, ["integrity", *map(str, args)])


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "subs"
    path.mkdir()
    torch = {**STYLE_B, 8: STYLE_B[8].replace('"""One SGD', '"""(no torch.autograd here) One SGD')}
    torch[11] = "# import torch\n" + STYLE_B[11]
    sk = {**STYLE_C, 11: "import sklearn.neural_network as nn\nmodel_1_5 = nn.MLPClassifier()"}
    for sid, answers in {"ada": STYLE_A, "zoe": near_copy(STYLE_A), "ben": torch, "kim": sk}.items():
        nbformat.write(notebook(answers), path / f"{sid}.ipynb")
    nbformat.write(notebook(), tmp_path / "given.ipynb")
    return path


def test_does_help_show_an_example_the_layout_and_the_codes():
    result = run("--help")
    assert result.exit_code == 0
    for text in ("mlp-course integrity submissions/", "integrity.csv", "similarity.html", "lib:sklearn", "sim:"):
        assert text in result.output


def test_does_it_print_a_summary_and_write_one_row_per_submission(folder, tmp_path):
    result = run(folder, "--boilerplate", tmp_path / "given.ipynb", "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "4 submissions: 1 use a learning library, 1 pair(s) at or above similarity 0.5" in result.output
    assert "kim: lib:sklearn" in result.output and "similar: ada and zoe" in result.output
    with (tmp_path / "out" / "integrity.csv").open() as f:
        rows = {r["id"]: r for r in csv.DictReader(f)}
    assert sorted(rows) == ["ada", "ben", "kim", "zoe"] and rows["ben"]["integrity"] == ""
    cell = 1 + next(i for i, c in enumerate(nbformat.read(folder / "kim.ipynb", 4).cells) if "MLP" in c.source)
    assert rows["kim"]["details"] == (f"Q11 cell {cell} line 1: sklearn.neural_network; "
                                      f"Q11 cell {cell} line 2: sklearn.neural_network.MLPClassifier")
    assert rows["ada"]["details"].startswith("similar to zoe (")


def test_without_boilerplate_are_shared_cells_taken_as_given_and_said_so(folder, tmp_path):
    nbformat.write(notebook(), folder / "al.ipynb")
    nbformat.write(notebook(), folder / "bo.ipynb")
    result = run(folder, "-o", tmp_path / "out")
    assert result.exit_code == 0 and "no --boilerplate notebook" in result.output
    assert "similar: al and bo" not in result.output and "1 pair(s)" in result.output


@pytest.mark.parametrize("args, message", [
    (["--boilerplate", "nope.ipynb"], "--boilerplate nope.ipynb does not exist; pass the student notebook"),
    (["--boilerplate", "{folder}/notes.txt"], "--boilerplate {folder}/notes.txt: not a readable notebook"),
    (["--similarity-threshold", "1.5"], "--similarity-threshold 1.5: give a share of tokens in (0, 1]"),
    (["--similarity-threshold", "0"], "--similarity-threshold 0.0: give a share of tokens in (0, 1]"),
])
def test_is_bad_input_one_line_exit_2_and_nothing_written(folder, tmp_path, args, message):
    (folder / "notes.txt").write_text("not a notebook")
    args, message = [a.format(folder=folder) for a in args], message.format(folder=folder)
    result = run(folder, "-o", tmp_path / "out", *args)
    assert result.exit_code == 2 and result.output.startswith(f"Error: {message}")
    assert len(result.output.strip().splitlines()) == 1 and not (tmp_path / "out").exists()
