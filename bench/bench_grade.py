"""Benchmark ``mlp-course grade --jobs N`` with each engine against a sequential loop of ``otter run``.

All grade the same N copies of the toy assignment's solution (tests/grade/fixtures) with one
toy autograder both engines grade (``grade_toy.both_engines_autograder``), on the same
machine, in the same run: ``--engine safe`` (the default engine: the notebook in the sandbox,
then the probes; verdicts in the grader) and ``--engine otter`` (``otter run`` in a contained
child). Printed per engine: the wall time, the speed-up, and the harness overhead per submission:

* ``overhead (contended)`` = ours_wall * jobs / N - sequential_wall / N: extra time a job
  slot spends per submission compared with a plain ``otter run`` (includes startup,
  class report and the slow-down of running ``jobs`` notebooks on shared cores);
* ``overhead (jobs 1)``, with ``--jobs1``: (ours_wall_at_jobs_1 - sequential_wall) / N,
  the harness alone;
* ``parent overhead`` = (ours_wall * jobs - sum of the children's durations) / N: time
  spent outside the grading children (startup, checks, copies, records, report), which
  load drift on a shared machine hardly affects.

The machine's load drifts, so the sequential loop is split in two halves run before and
after ours (and ``--jobs 1``, sandboxed engine, runs between ours and the second half).

    .venv/bin/python bench/bench_grade.py --n 20 --jobs 2 --jobs1
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "grade"))
import grade_toy  # noqa: E402
from grader.grade.record import read_gradebook  # noqa: E402


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def sequential(subs: list[Path], autograder: Path, out: Path) -> float:
    """Plain ``otter run`` on each submission, one after the other; returns the wall time."""
    otter = str(Path(sys.executable).with_name("otter"))
    total = 0.0
    for sub in subs:
        (out / sub.stem).mkdir(parents=True)
        total += timed([otter, "run", "-a", str(autograder), "-o", str(out / sub.stem), "--no-logo", str(sub)])
    return total


def ours(folder: Path, autograder: Path, out: Path, jobs: int, engine: str) -> tuple[float, float]:
    """``mlp-course grade --engine ENGINE`` on the folder; checks every row is graded with full points.

    Returns (wall time, sum of the children's durations from the gradebook)."""
    cli = [sys.executable, "-m", "grader.cli"]
    wall = timed([*cli, "grade", str(folder), "-a", str(autograder), "-o", str(out), "--jobs", str(jobs),
                  "--engine", engine])
    rows = [r for sid, r in read_gradebook(out / "gradebook.csv").items() if sid != "POINTS POSSIBLE"]
    assert all(r["status"] == "graded" and float(r["total"]) == float(r["possible"]) for r in rows), rows
    return wall, sum(float(r["duration_s"]) for r in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--jobs1", action="store_true", help="also time --jobs 1 (harness overhead alone)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as tmp:
        tmp = Path(tmp)
        toy = grade_toy.build(tmp / "dist")
        autograder = grade_toy.both_engines_autograder(toy, tmp / "toy-both-autograder.zip")
        folder = tmp / "subs"
        folder.mkdir()
        for i in range(args.n):
            grade_toy.submission(toy, folder / f"student{i:03d}.ipynb")
        subs = sorted(folder.glob("*.ipynb"))
        half = len(subs) // 2
        seq = sequential(subs[:half], autograder, tmp / "seq")
        timings = {engine: ours(folder, autograder, tmp / engine, args.jobs, engine) for engine in ("safe", "otter")}
        one = ours(folder, autograder, tmp / "safe1", 1, "safe")[0] if args.jobs1 else None
        seq += sequential(subs[half:], autograder, tmp / "seq")
        n = args.n
        print(f"{n} submissions, {args.jobs} jobs (shared machine, other engineers' load: timings are noisy)")
        print(f"sequential otter run:  {seq:7.1f} s  ({seq / n:.2f} s each)")
        for engine, (par, children) in timings.items():
            label = "sandboxed (default)" if engine == "safe" else "otter"
            print(f"--engine {engine:<5} -j{args.jobs}: {par:7.1f} s  ({par / n:.2f} s each, {label}) "
                  f"speed-up {seq / par:.2f}x")
            print(f"   overhead (contended): {par * args.jobs / n - seq / n:+.2f} s, "
                  f"parent overhead: {(par * args.jobs - children) / n:+.2f} s per submission")
        if one is not None:
            print(f"--engine safe  -j1: {one:7.1f} s  overhead (jobs 1): {(one - seq) / n:+.2f} s per submission")


if __name__ == "__main__":
    main()
