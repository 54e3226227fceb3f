"""Fixed numerics: one BLAS thread whatever ``--jobs``, and the seed set before every cell."""

from __future__ import annotations

import nbformat
import numpy as np
import pytest

import grade_toy as toy
from grade_toy import DRAW_CELL, read_gradebook
from grader.grade import main as grade_main
from grader.grade.engines import otter, sandboxed as safe
from grader.grade.autograder import load_autograder
from grader.numerics import GRADING_SEED, THREAD_VARIABLES, grading_seed, thread_env
from grader.grade.engines.probe_child import NO_EXIT, SEED_MODULES, cell_errors, grading_cells
from grader.grade.engines.contained import Finished

WRONG = {"return x * x": "return x * abs(x)", "sum(xs) / len(xs)": "sum(xs) // len(xs)"}


def write_batch(built, folder):
    """``good`` (all right, draws unseeded), ``wrong`` (q1, q2 wrong; draws, then a cell raises)."""
    folder.mkdir()
    toy.submission(built, folder / "good.ipynb", extra_cells=[DRAW_CELL])
    toy.submission(built, folder / "wrong.ipynb", replace=WRONG, extra_cells=[DRAW_CELL, "1 / 0"])
    return folder


@pytest.fixture(scope="module")
def two_runs(built, safe_ag, tmp_path_factory):
    """The same batch graded with ``--jobs 1`` and ``--jobs 2``: ``{jobs: (rows by id, in, out)}``."""
    runs = {}
    for jobs in (1, 2):
        folder, out = write_batch(built, tmp_path_factory.mktemp(f"in{jobs}") / "subs"), tmp_path_factory.mktemp("out")
        grade_main(folder, autograder=safe_ag, out=out, jobs=jobs, timeout=120, progress=False)
        rows = {r["id"]: {k: v for k, v in r.items() if k != "duration_s"}
                for r in read_gradebook(out / "gradebook.csv")}
        runs[jobs] = rows, folder, out
    return runs


def test_do_jobs_1_and_jobs_2_give_the_same_points_one_blas_thread_and_the_seeded_draw(two_runs):
    one, two = two_runs[1][0], two_runs[2][0]
    assert one == two
    # q4 passes only if the kernel saw OPENBLAS_NUM_THREADS=1 and both the cell's unseeded draw
    # and the probe cell's draw equal the first draw after seeding with GRADING_SEED
    assert [(r["q1"], r["q2"], r["q3"], r["q4"], r["total"]) for r in (one["good"], one["wrong"])] == \
        [("2.0", "3.0", "1.0", "1.0", "7.0"), ("0.0", "0.0", "1.0", "1.0", "2.0")]


def test_are_cell_errors_numbered_as_in_the_students_notebook(two_runs):
    _, folder, out = two_runs[2]
    raising = len(nbformat.read(folder / "wrong.ipynb", as_version=4).cells) - 1
    assert f"- cell {raising}: `ZeroDivisionError" in (out / "feedback" / "wrong.md").read_text()


def test_does_each_child_get_the_config_seed_and_one_blas_thread_whatever_jobs(built, tmp_path, monkeypatch):
    seeded = toy.safe_autograder(built, tmp_path / "seeded.zip", seed=7)
    seen = []
    monkeypatch.setattr(safe, "run_contained", lambda argv, env, **kw: seen.append((argv, env))
                        or Finished(0, False, 0.0, "", ""))
    folder = write_batch(built, tmp_path / "in")
    for jobs in (1, 2):
        grade_main(folder, autograder=seeded, out=tmp_path / f"out{jobs}", jobs=jobs, progress=False)
    assert load_autograder(seeded, "").seed == 7 and len(seen) == 4
    assert all(argv[argv.index("--seed") + 1] == "7" for argv, _ in seen)
    assert all({k: env[k] for k in THREAD_VARIABLES} == thread_env(1) for _, env in seen)


def test_does_the_otter_engine_child_get_one_blas_thread_whatever_jobs(built, tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr(otter, "run_contained", lambda cmd, env, **kw: seen.append(env)
                        or Finished(1, False, 0.0, "", "no results"))
    folder = write_batch(built, tmp_path / "in")
    for jobs in (1, 2):
        grade_main(folder, autograder=built.autograder, out=tmp_path / f"out{jobs}", jobs=jobs, progress=False)
    assert len(seen) == 4 and all(env["OPENBLAS_NUM_THREADS"] == "1" for env in seen)


def test_is_the_seed_the_configs_else_the_grading_seed():
    assert (grading_seed(None), grading_seed(7), GRADING_SEED) == (4144, 7, 4144)


def test_is_every_code_cell_seeded_as_otter_does_without_shifting_cell_numbers():
    code, md = nbformat.v4.new_code_cell, nbformat.v4.new_markdown_cell
    cells = [md("# title"), code("x = np.random.rand()"), code("%%time\ny = 1"), code("grader.export()"),
             code("1 / 0")]
    run, numbers = grading_cells(cells, [["check_x", []]], 4144)
    np_name, random_name = SEED_MODULES
    seed = f"{np_name}.random.seed(4144)\n{random_name}.seed(4144)\n"
    assert numbers == [None, 0, 1, 2, 4, 5]  # export cell 3 dropped; the probe cell comes last
    assert run[0].source == f"import numpy as {np_name}\nimport random as {random_name}\n{NO_EXIT}"
    assert [c.source for c in run[1:5]] == ["# title", seed + "x = np.random.rand()", "%%time\ny = 1", seed + "1 / 0"]
    assert run[5].source.startswith(seed) and "_mlp_run_probes([['check_x', []]])" in run[5].source


def test_does_a_seeded_cell_draw_the_same_value_every_time_it_runs():
    run, _ = grading_cells([nbformat.v4.new_code_cell("import numpy as np\nx = np.random.rand()")], [], 4144)
    namespace = {}
    exec(run[0].source, namespace)
    draws = [exec(run[1].source, namespace) or namespace["x"] for _ in range(2)]
    assert draws == [np.random.RandomState(4144).rand()] * 2


def test_are_cell_errors_reported_under_the_students_numbers():
    cells = [nbformat.v4.new_code_cell(s) for s in ("grader.export()", "1 / 0")]
    run, numbers = grading_cells(cells, [], 1)
    run[1].outputs = [nbformat.v4.new_output("error", ename="ZeroDivisionError", evalue="division by zero",
                                             traceback=[])]  # run = [seed imports, "1 / 0", probe cell]
    assert cell_errors(run, numbers) == [{"cell": 1, "ename": "ZeroDivisionError", "evalue": "division by zero"}]


def test_does_the_class_report_record_the_threads_and_the_seed(two_runs):
    html = (two_runs[1][2] / "report.html").read_text()
    assert "engine safe, sandbox " in html and "BLAS threads 1, seed 4144" in html
