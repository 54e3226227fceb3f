"""Benchmark ``mlp-course grade --cluster`` against the local runner, and project a course of 600.

Same submissions, same machine, same run, each command run as an instructor would (a fresh
``mlp-course grade`` process into a fresh output folder):

1. ``--jobs 2`` (local runner) and ``--cluster local:2`` on all N submissions, in that order;
   ``cluster overhead`` = (cluster wall - local wall) * 2 / N: the extra time a worker slot spends
   per submission, cluster start and worker preflight included (the goal is <= 0.3 s);
2. ``--cluster local:1`` and ``--cluster local:2`` on the first N1 submissions: the step from
   one worker to two that fits on this machine (speed-up = wall(1) / wall(2));
3. the per-submission time distribution (``duration_s`` of the local run's gradebook) and the
   projection for 600 submissions on k = 1, 4, 16 one-thread workers, each on its own core:

       T(k) = s + 600 * (t + o) / k          (at most + t_max: the last one may start late)

   where ``t`` is the measured mean time per submission, ``o`` the measured cluster overhead per
   submission (0 if negative), ``s`` the measured fixed start (``local:2`` wall minus
   N * (t + o) / 2, at least 0), ``t_max`` the slowest submission; list scheduling never
   exceeds this bound (Graham), and the scheduler's own cost (milliseconds a task) is in ``o``.

By default the submissions are the toy assignment's (tests/grade/fixtures): 24 notebooks, three
behaviours (correct, wrong answers, a cell that raises) eight times each, graded by the safe
engine in the sandbox. ``--autograder ZIP --samples DIR`` grades a real build's samples instead,
each copied under several ids (e.g. the 12 samples twice with ``--n 24``).

    .venv/bin/python bench/bench_cluster.py                       # toy, N=24, N1=12
    .venv/bin/python bench/bench_cluster.py --autograder dist/autograder/mlp_mnist-autograder.zip \\
        --samples samples/submissions --n 24 --n1 12
"""

from __future__ import annotations

import argparse
import csv
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "grade"))
import grade_toy  # noqa: E402

COURSE = 600
WORKERS = (1, 4, 16)


def grade(folder: Path, autograder: Path, out: Path, *how: str) -> tuple[float, list[dict]]:
    """Wall time of one ``mlp-course grade`` run and its gradebook rows (every row must be graded)."""
    cmd = [sys.executable, "-m", "grader.cli", "grade", str(folder), "-a", str(autograder), "-o", str(out), *how]
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    wall = time.perf_counter() - start
    with (out / "gradebook.csv").open(newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["id"] != "POINTS POSSIBLE"]
    assert {r["status"] for r in rows} <= {"graded"}, [(r["id"], r["status"], r["detail"]) for r in rows]
    return wall, rows


def toy_folder(tmp: Path, n: int) -> tuple[Path, Path]:
    toy = grade_toy.build(tmp / "dist")
    autograder = grade_toy.safe_autograder(toy, tmp / "toy-safe-autograder.zip")
    folder = tmp / "subs"
    folder.mkdir()
    kinds = ("good", "wrong", "raises")
    for i in range(n):
        grade_toy.BATCH[kinds[i % 3]][1](toy, folder / f"student{i:03d}.ipynb")
    return folder, autograder


def samples_folder(tmp: Path, samples: Path, n: int) -> Path:
    files = sorted(p for p in samples.iterdir() if p.suffix in (".ipynb", ".zip"))
    folder = tmp / "subs"
    folder.mkdir()
    for i in range(n):
        src = files[i % len(files)]
        shutil.copy(src, folder / f"{src.stem}-copy{i // len(files)}{src.suffix}")
    return folder


def subset(folder: Path, n: int, dest: Path) -> Path:
    dest.mkdir()
    for path in sorted(folder.iterdir())[:n]:
        shutil.copy(path, dest / path.name)
    return dest


def report(n: int, n1: int, local: tuple, cluster: tuple, one: float, two: float) -> None:
    (local_wall, rows), (cluster_wall, cluster_rows) = local, cluster
    durations = sorted(float(r["duration_s"]) for r in rows)
    same = {(r["id"], r["total"]) for r in rows} == {(r["id"], r["total"]) for r in cluster_rows}
    overhead = (cluster_wall - local_wall) * 2 / n
    mean, t_max = statistics.mean(durations), durations[-1]
    start = max(0.0, cluster_wall - n * (mean + max(overhead, 0.0)) / 2)
    q = statistics.quantiles(durations, n=10)
    print(f"{n} submissions (shared 2-core machine: timings are noisy)")
    print(f"local runner --jobs 2:   {local_wall:7.1f} s  ({local_wall / n:.2f} s per submission)")
    print(f"--cluster local:2:       {cluster_wall:7.1f} s  ({cluster_wall / n:.2f} s per submission); "
          f"same totals as local: {same}")
    print(f"cluster overhead:        {overhead:+.2f} s per submission per slot (goal <= 0.3)")
    print(f"per-submission time:     min {durations[0]:.1f}  median {statistics.median(durations):.1f}  "
          f"mean {mean:.1f}  p90 {q[-1]:.1f}  max {t_max:.1f} s")
    print(f"local:1 vs local:2 on {n1}: {one:.1f} s vs {two:.1f} s  speed-up {one / two:.2f}x")
    print(f"projection, {COURSE} submissions: T(k) = s + {COURSE} * (t + o) / k, s = {start:.1f} s, "
          f"t = {mean:.2f} s, o = {max(overhead, 0.0):.2f} s, bound + t_max = {t_max:.1f} s")
    print("| workers | projected | upper bound |")
    print("| ---: | ---: | ---: |")
    for k in WORKERS:
        t = start + COURSE * (mean + max(overhead, 0.0)) / k
        print(f"| {k} | {t / 60:.1f} min | {(t + t_max) / 60:.1f} min |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=24)
    parser.add_argument("--n1", type=int, default=12, help="submissions of the local:1 vs local:2 step")
    parser.add_argument("--autograder", type=Path, help="a real build's autograder (with --samples)")
    parser.add_argument("--samples", type=Path, help="folder of submissions to copy under several ids")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp:
        tmp = Path(tmp)
        if args.samples:
            folder, autograder = samples_folder(tmp, args.samples, args.n), args.autograder.resolve()
        else:
            folder, autograder = toy_folder(tmp, args.n)
        local = grade(folder, autograder, tmp / "local", "--jobs", "2")
        cluster = grade(folder, autograder, tmp / "cluster", "--cluster", "local:2")
        few = subset(folder, args.n1, tmp / "few")
        one = grade(few, autograder, tmp / "one", "--cluster", "local:1")[0]
        two = grade(few, autograder, tmp / "two", "--cluster", "local:2")[0]
        report(args.n, args.n1, local, cluster, one, two)


if __name__ == "__main__":
    main()
