"""Does ``grade`` fill the gradebook's ``integrity`` column, keep it on resume, and never change a score?

The runner is replaced by a stand-in returning fixed points, so only the integrity path runs.
"""

from __future__ import annotations

import csv
import json

import nbformat
import pytest

from grade_toy import read_gradebook
from grader.grade import main as grade_main
from grader.grade import runner
from grader.grade.engines.base import Outcome
from submissions.integrity_notebooks import STYLE_A, STYLE_B, near_copy, notebook


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "subs"
    path.mkdir()
    sk = {**STYLE_B, 11: "from sklearn.neural_network import MLPClassifier\nmodel_1_5 = MLPClassifier()"}
    for sid, answers in {"ada": STYLE_A, "ben": sk, "zoe": near_copy(STYLE_A), "al": None}.items():
        nbformat.write(notebook(answers), path / f"{sid}.ipynb")
    nbformat.write(notebook(), tmp_path / "given.ipynb")
    return path


@pytest.fixture
def graded(monkeypatch):
    calls = []

    def fake(submission, autograder, batch, on_start):
        calls.append(submission.id)
        outcome = Outcome(id=submission.id, status="graded", points={"q1": 2.0, "q2": 3.0, "q3": 1.0})
        if submission.id == "ben":  # as the dynamic probe reports it
            outcome.integrity_flags = ("model:MLPClassifier", "lib:sklearn")
        return outcome

    monkeypatch.setattr(runner, "grade_one", fake)
    return calls


def grade(built, folder, out):
    return grade_main(folder, autograder=built.autograder, out=out, progress=False, jobs=1,
                      boilerplate=folder.parent / "given.ipynb")


def integrity(out):
    return {r["id"]: r["integrity"] for r in read_gradebook(out / "gradebook.csv")}


def test_are_the_codes_in_the_integrity_column_and_the_scores_untouched(built, folder, graded, tmp_path):
    summary = grade(built, folder, tmp_path / "out")
    rows = read_gradebook(tmp_path / "out" / "gradebook.csv")
    header = list(rows[0])
    assert header.index("integrity") == header.index("possible") + 1 == header.index("duration_s") - 1
    codes = integrity(tmp_path / "out")
    (pair,) = summary["integrity"].pairs
    assert (pair.a, pair.b) == ("ada", "zoe")
    assert codes == {"POINTS POSSIBLE": "", "al": "", "ada": pair.code, "zoe": pair.code,
                     "ben": "model:MLPClassifier lib:sklearn"}
    assert {r["total"] for r in rows[1:]} == {"6.0"}
    assert (tmp_path / "out" / "integrity.csv").is_file() and (tmp_path / "out" / "similarity.html").is_file()


def test_does_a_rerun_add_the_column_to_an_old_gradebook_without_losing_rows(built, folder, graded, tmp_path):
    out = tmp_path / "out"
    grade(built, folder, out)
    state = json.loads((out / ".state.json").read_text())
    for entry in state["submissions"].values():  # as an older version wrote them
        entry["row"].pop("integrity")
    (out / ".state.json").write_text(json.dumps(state))
    with (out / "gradebook.csv").open() as f:
        old = [{k: v for k, v in r.items() if k != "integrity"} for r in csv.DictReader(f)]
    with (out / "gradebook.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(old[0]))
        writer.writeheader()
        writer.writerows(old)
    graded.clear()
    summary = grade(built, folder, out)
    assert graded == [] and summary["skipped"] == 4  # nothing regraded
    codes = integrity(out)
    assert len(codes) == 5 and codes["ben"] == "lib:sklearn" and codes["ada"].startswith("sim:ada,zoe(")


def test_does_the_cli_print_the_integrity_line_and_refuse_a_bad_threshold(built, folder, graded, tmp_path):
    from click.testing import CliRunner

    from grader.cli import main

    args = ["grade", str(folder), "-a", str(built.autograder), "--boilerplate", str(tmp_path / "given.ipynb")]
    bad = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "bad"), "--similarity-threshold", "0"])
    assert bad.exit_code == 2 and "--similarity-threshold 0.0: give a share" in bad.output
    assert not (tmp_path / "bad").exists() and graded == []
    gone = CliRunner().invoke(main, ["grade", str(folder), "-a", str(built.autograder), "-o", str(tmp_path / "bad"),
                                     "--boilerplate", str(tmp_path / "nope.ipynb")])
    assert gone.exit_code == 2 and "nope.ipynb does not exist; pass the student notebook" in gone.output
    assert not (tmp_path / "bad").exists() and graded == []
    good = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "out"), "--jobs", "1"])
    assert good.exit_code == 0, good.output
    assert "integrity: 3 submission(s) with codes, 1 similar pair(s)" in good.output
