"""Does ``mlp-course export`` refuse bad input with exit status 2 and an actionable message?"""

from __future__ import annotations

from click.testing import CliRunner

from grader.cli import main as cli


def test_is_a_file_that_is_not_a_notebook_refused_with_status_2(tmp_path):
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    result = CliRunner().invoke(cli, ["export", str(tmp_path / "notes.txt")])
    assert result.exit_code == 2
    assert "Error: notes.txt is neither .ipynb nor .zip" in result.output


def test_is_an_empty_folder_refused_with_status_2(tmp_path):
    result = CliRunner().invoke(cli, ["export", str(tmp_path)])
    assert result.exit_code == 2
    assert "no .ipynb or .zip files" in result.output


def test_is_a_missing_tex_engine_named_before_any_work(tmp_path, monkeypatch):
    (tmp_path / "alice.ipynb").write_text("{}", encoding="utf-8")
    monkeypatch.setenv("PATH", str(tmp_path))
    result = CliRunner().invoke(cli, ["export", str(tmp_path)])
    assert result.exit_code == 2
    assert "xelatex and pandoc not found on PATH" in result.output
    assert not list(tmp_path.glob("*.pdf"))


def test_does_help_show_an_example_and_the_layout():
    result = CliRunner().invoke(cli, ["export", "--help"])
    assert result.exit_code == 0
    assert "mlp-course export submissions/" in result.output and "alice.pdf" in result.output
