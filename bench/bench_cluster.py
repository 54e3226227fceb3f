"""Benchmark ``mlp-course grade --cluster`` against the local runner, and project a course of 600.

Same submissions, same machine, same run, each command run as an instructor would (a fresh
``mlp-course grade`` process into a fresh output folder):

1. two batch sizes, N1 and N (default 12 and 24), each graded by ``--jobs 2`` (local runner) and
   ``--cluster local:2``, in ``--rounds`` rounds (default 2) that alternate which path goes
   first, so that both see the same load. For each path, a least-squares line through its runs,

       wall(n) = s + n * c / 2           (2 slots: c is the slot time one submission costs)

   separates the fixed start ``s`` (process start, cluster start, worker preflight, closing)
   from the per-submission cost ``c``. The cluster overhead is ``o = c(cluster) - c(local)``
   per submission (goal <= 0.3 s), and ``s(cluster) - s(local)`` its extra start; a single
   batch size would spread the start over the submissions and count it as per-submission cost.
   The harness CPU seconds of each run are printed too (the grade process and the descendants
   reaped in turn: the Dask scheduler, nannies and workers, not the sandboxed children, which die
   with their namespace unreaped by us): unlike wall time, they barely move with the machine's load.
2. ``--cluster local:1`` and ``--cluster local:2`` on the N1 submissions: the step from one
   worker to two that fits on this machine (speed-up = wall(1) / wall(2));
3. the per-submission time distribution (``duration_s`` of the local runs' gradebooks) and the
   projection for 600 submissions on k = 1, 4, 16 one-thread workers, each on its own core:

       T(k) = s + 600 * c / k            (at most + t_max: the last one may start late)

   with ``c`` the cluster runs' mean child ``duration_s`` plus the traced time outside the child
   (step 4; without a trace, the wall fit's slope), ``s`` the cluster runs' mean ``wall - n * c / 2``
   and ``t_max`` the slowest submission; list scheduling never exceeds this bound (Graham).

4. traced runs of each path in this process (``--trace-rounds``, default 2): the per-submission time
   spent OUTSIDE the grading child, which is what the cluster path can add. Per slot (a pool
   thread of ``--jobs 2``; a Dask worker of ``local:2``, from the scheduler's task stream), each
   submission after the slot's first costs ``end - end of the slot's previous one`` (its own
   grading plus any wait for it to arrive); minus its child's ``duration_s`` that is its harness
   time. Unlike the wall-clock fit, this does not move with how fast the children ran: on a
   shared 2-core machine their times vary by 10-15 % from run to run, which is +-0.5 s on the
   fit's ``c``, more than the 0.3 s goal.

By default the submissions are the toy assignment's (tests/grade/fixtures): notebooks of three
behaviours (correct, wrong answers, a cell that raises) in turn, graded by the safe engine in the
sandbox. ``--autograder ZIP --samples DIR`` grades a real build's samples instead, each copied
under several ids (e.g. the 12 samples twice with ``--n 24``).

    .venv/bin/python bench/bench_cluster.py                       # toy, N=24, N1=12, 2 rounds
    .venv/bin/python bench/bench_cluster.py --autograder dist/autograder/mlp_mnist-autograder.zip \\
        --samples samples/submissions --n 24 --n1 12
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "grade"))
import grade_toy  # noqa: E402

COURSE = 600
WORKERS = (1, 4, 16)
SLOTS = 2  # --jobs 2 and local:2
PATHS = {"local": ("--jobs", "2"), "cluster": ("--cluster", "local:2")}


@dataclasses.dataclass
class Run:
    path: str  # "local" or "cluster"
    n: int
    wall: float
    cpu: float  # CPU seconds of the grade process and the descendants reaped in turn (not the sandboxed children)
    rows: list
    round: int = 0


def grade(folder: Path, autograder: Path, out: Path, *how: str) -> tuple[float, float, list[dict]]:
    """Wall time, CPU time and gradebook rows of one ``mlp-course grade`` run (every row must be graded)."""
    cmd = [sys.executable, "-m", "grader.cli", "grade", str(folder), "-a", str(autograder), "-o", str(out), *how]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    with (out / "gradebook.csv").open(newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["id"] != "POINTS POSSIBLE"]
    assert {r["status"] for r in rows} <= {"graded"}, [(r["id"], r["status"], r["detail"]) for r in rows]
    return wall, cpu, rows


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


def fit(runs: list[Run], what: str = "wall", slots: int = SLOTS) -> tuple[float, float]:
    """``(s, c)`` of the least-squares line ``what = s + n * c / slots`` through ``runs`` (two sizes at least)."""
    slope, intercept = statistics.linear_regression([r.n for r in runs], [getattr(r, what) for r in runs])
    return intercept, slope * slots


def report(runs: list[Run], n1: int, one: float, two: float, load: list[str]) -> None:
    by = {p: [r for r in runs if r.path == p] for p in PATHS}
    (s_local, c_local), (s_cluster, c_cluster) = fit(by["local"]), fit(by["cluster"])
    durations = sorted(float(row["duration_s"]) for r in by["local"] for row in r.rows)
    same = all({(x["id"], x["total"]) for x in a.rows} == {(x["id"], x["total"]) for x in b.rows}
               for a, b in zip(by["local"], by["cluster"]))
    print(f"runs in order (shared {SLOTS}-core machine; load average before/after: {load[0]} / {load[1]}):")
    print("| run | path | submissions | wall s | harness CPU s |")
    print("| ---: | --- | ---: | ---: | ---: |")
    for i, r in enumerate(runs, 1):
        print(f"| {i} | {' '.join(PATHS[r.path])} | {r.n} | {r.wall:.1f} | {r.cpu:.1f} |")
    print("same totals on both paths, every size and round:", same)
    print("pairs run back to back (same size, same round): cluster - local, per submission per slot:",
          ", ".join(f"{(c.wall - l.wall) * SLOTS / l.n:+.2f} s (n={l.n})" for l, c in zip(by["local"], by["cluster"])))
    print(f"fit wall(n) = s + n * c / {SLOTS}:  local s = {s_local:.1f} s, c = {c_local:.2f} s;  "
          f"cluster s = {s_cluster:.1f} s, c = {c_cluster:.2f} s")
    print(f"cluster overhead:  {c_cluster - c_local:+.2f} s per submission (goal <= 0.3), "
          f"{s_cluster - s_local:+.1f} s once per run (start, preflight, close)")
    rounds = sorted({r.round for r in runs})
    if len(rounds) > 1:  # how far one round's fit moves: the noise on c
        print("c fitted per round (its two sizes only):  " + ";  ".join(
            f"{p} " + ", ".join(f"{fit([r for r in rs if r.round == k])[1]:.2f}" for k in rounds) + " s"
            for p, rs in by.items()))
    cpu = {p: fit(rs, "cpu", 1) for p, rs in by.items()}
    print("harness CPU(n) = a + n * b:  " + ";  ".join(f"{p} a = {a:.1f} s, b = {b:.3f} s" for p, (a, b) in cpu.items()))
    q = statistics.quantiles(durations, n=10)
    mean, t_max = statistics.mean(durations), durations[-1]
    print(f"per-submission time (local runs' duration_s): min {durations[0]:.1f}  median "
          f"{statistics.median(durations):.1f}  mean {mean:.1f}  p90 {q[-1]:.1f}  max {t_max:.1f} s")
    child = {p: statistics.mean(float(row["duration_s"]) for r in rs for row in r.rows) for p, rs in by.items()}
    print("mean grading-child time per submission (gradebook duration_s): "
          + ";  ".join(f"{p} {t:.2f} s" for p, t in child.items())
          + f";  cluster - local {child['cluster'] - child['local']:+.2f} s")
    print(f"local:1 vs local:2 on {n1}: {one:.1f} s vs {two:.1f} s  speed-up {one / two:.2f}x")


def report_projection(runs: list[Run], outside: float | None) -> None:
    """The course of :data:`COURSE` on k workers: ``c`` = the cluster runs' mean child ``duration_s``
    plus the traced time ``outside`` it (None: the wall fit's ``c``), ``s`` = the cluster runs' mean
    ``wall - n * c / 2``, ``t_max`` = the slowest child."""
    mine = [r for r in runs if r.path == "cluster"]
    durations = [float(row["duration_s"]) for r in mine for row in r.rows]
    c = statistics.mean(durations) + outside if outside is not None else fit(mine)[1]
    s = statistics.mean(r.wall - r.n * c / SLOTS for r in mine)
    t_max = max(durations)
    how = "mean child duration_s + traced time outside it" if outside is not None else "the wall fit's slope"
    print(f"projection, {COURSE} submissions: T(k) = s + {COURSE} * c / k with c = {c:.2f} s ({how}), "
          f"s = {s:.1f} s (the cluster runs' mean wall - n * c / {SLOTS}); upper bound + t_max = {t_max:.1f} s")
    print("| workers | projected | upper bound |")
    print("| ---: | ---: | ---: |")
    for k in WORKERS:
        t = s + COURSE * c / k
        print(f"| {k} | {t / 60:.1f} min | {(t + t_max) / 60:.1f} min |")


def traced(path: str, folder: Path, autograder: Path, out: Path) -> list[tuple[str, float, float, float]]:
    """Grade ``folder`` in this process on ``path`` ("local": ``--jobs 2``, "cluster": ``local:2``);
    per submission ``(slot, start, end, child duration_s)``, times in seconds since the epoch."""
    from grader import grade
    from grader.grade import cluster, runner
    from grader.textsafe import short_hash

    spans, streams = [], []
    if path == "local":
        own = runner.grade_or_crashed_row

        def timed(*args):
            start = time.time()
            outcome = own(*args)
            spans.append((threading.current_thread().name, start, time.time(), outcome.duration_s))
            return outcome

        runner.grade_or_crashed_row = timed
        try:
            grade.main(folder, autograder=autograder, out=out, jobs=SLOTS, progress=False)
        finally:
            runner.grade_or_crashed_row = own
        return spans
    ship, close = cluster.DaskBatch._ship, cluster.DaskBatch.close

    def ship_and_trace(batch):
        ship(batch)
        batch.client.get_task_stream()  # installs the scheduler's task-stream plugin
        batch.traced_from = time.time()

    def close_with_stream(batch):
        if batch.client is not None and hasattr(batch, "traced_from"):
            streams.extend(batch.client.get_task_stream(start=batch.traced_from))
        close(batch)

    cluster.DaskBatch._ship, cluster.DaskBatch.close = ship_and_trace, close_with_stream
    try:
        grade.main(folder, autograder=autograder, out=out, cluster=f"local:{SLOTS}", progress=False)
    finally:
        cluster.DaskBatch._ship, cluster.DaskBatch.close = ship, close
    with (out / "gradebook.csv").open(newline="") as f:
        child = {short_hash(r["id"]): float(r["duration_s"]) for r in csv.DictReader(f) if r["id"] != "POINTS POSSIBLE"}
    for task in streams:
        compute = next(s for s in task["startstops"] if s["action"] == "compute")
        spans.append((task["worker"], compute["start"], compute["stop"], child[str(task["key"]).rsplit("-", 1)[1]]))
    return spans


def grading_span(spans) -> float:
    """Seconds from the first submission's start to the last one's end (start and close excluded)."""
    return max(end for _, _, end, _ in spans) - min(start for _, start, _, _ in spans)


def harness_times(spans) -> list[float]:
    """Per submission after its slot's first: ``end - previous end on the slot - child duration_s``."""
    by_slot = {}
    for slot, start, end, child in sorted(spans, key=lambda s: s[2]):
        by_slot.setdefault(slot, []).append((end, child))
    return [end - before - child for ends in by_slot.values() for (before, _), (end, child) in zip(ends, ends[1:])]


def report_trace(traces: dict[str, list[list[float]]], spans: dict[str, list[tuple[float, float]]]) -> float:
    """Print the harness time per submission of each path and their difference (the cluster overhead),
    with each run's grading span (first start to last end) and its children's summed ``duration_s``;
    returns the cluster path's mean time outside the child."""
    print("traced runs in this process: time per submission outside the grading child "
          "(end - previous end on the same slot - child duration_s):")
    print("| path | round | submissions | mean s | median s | max s | grading span s | children's sum s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for p, rounds in traces.items():
        for i, (h, (span, child)) in enumerate(zip(rounds, spans[p]), 1):
            print(f"| {' '.join(PATHS[p])} | {i} | {len(h)} | {statistics.mean(h):.3f} | "
                  f"{statistics.median(h):.3f} | {max(h):.3f} | {span:.1f} | {child:.1f} |")
    mean = {p: statistics.mean(x for h in rounds for x in h) for p, rounds in traces.items()}
    print(f"cluster overhead (traced): {mean['cluster'] - mean['local']:+.3f} s per submission (goal <= 0.3); "
          f"local {mean['local']:.3f} s, cluster {mean['cluster']:.3f} s outside the child")
    return mean["cluster"]


def idle_cpu(quiet: bool, seconds: float = 20.0) -> tuple[float, list[float]]:
    """Percent of a core an idle ``LocalCluster`` of 2 one-thread workers burns on Dask's own bookkeeping:
    (this process: client, scheduler and nannies; each worker process), with Dask's defaults or with
    :data:`grader.grade.cluster.QUIET` as ``--cluster local:N`` sets it."""
    import logging

    import dask
    import psutil
    from distributed import Client, LocalCluster

    from grader.grade.cluster import QUIET

    def cpu(proc) -> float:
        t = proc.cpu_times()
        return t.user + t.system

    with dask.config.set(QUIET if quiet else {}):
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                               silence_logs=logging.CRITICAL)
        client = Client(cluster)
    try:
        client.wait_for_workers(2)
        time.sleep(3)  # let the workers finish starting
        me = psutil.Process()
        workers = [p for p in me.children() if "spawn_main" in " ".join(p.cmdline())]
        before, start = [cpu(p) for p in (me, *workers)], time.perf_counter()
        time.sleep(seconds)
        after, wall = [cpu(p) for p in (me, *workers)], time.perf_counter() - start
    finally:
        client.close()
        cluster.close()
    used = [100 * (b - a) / wall for a, b in zip(before, after)]
    return used[0], used[1:]


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=24, help="the larger batch")
    parser.add_argument("--n1", type=int, default=12, help="the smaller batch (also the local:1 vs local:2 step)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of both sizes on both paths")
    parser.add_argument("--autograder", type=Path, help="a real build's autograder (with --samples)")
    parser.add_argument("--samples", type=Path, help="folder of submissions to copy under several ids")
    parser.add_argument("--trace-rounds", type=int, default=2,
                        help="traced in-process runs of the N submissions per path (0: none)")
    parser.add_argument("--idle", action="store_true",
                        help="only measure the CPU an idle local:2 cluster burns, with Dask's defaults and as "
                             "--cluster sets it (twice each, alternating)")
    args = parser.parse_args()
    if args.idle:
        print(f"idle LocalCluster(2), 20 s each (load average {load_average()}), percent of one core:")
        for quiet in (False, True, False, True):
            here, workers = idle_cpu(quiet)
            print(f"{'--cluster settings' if quiet else 'Dask defaults':18s}: client+scheduler+nannies {here:.1f} %, "
                  f"workers {', '.join(f'{w:.1f} %' for w in workers)}")
        return
    if not 0 < args.n1 < args.n:
        parser.error("--n1 must be between 1 and --n - 1: two batch sizes give the start and the per-submission cost")
    load = [load_average()]
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp:
        tmp = Path(tmp)
        if args.samples:
            folder, autograder = samples_folder(tmp, args.samples, args.n), args.autograder.resolve()
        else:
            folder, autograder = toy_folder(tmp, args.n)
        folders = {args.n: folder, args.n1: subset(folder, args.n1, tmp / "few")}
        runs = []
        for round_ in range(args.rounds):
            order = list(PATHS) if round_ % 2 == 0 else list(PATHS)[::-1]
            for n in (args.n1, args.n):
                for path in order:
                    out = tmp / f"{path}-{n}-{round_}"
                    runs.append(Run(path, n, *grade(folders[n], autograder, out, *PATHS[path]), round=round_))
                    shutil.rmtree(out)
        traces, spans_of = {p: [] for p in PATHS}, {p: [] for p in PATHS}
        for round_ in range(args.trace_rounds):
            for path in (list(PATHS) if round_ % 2 == 0 else list(PATHS)[::-1]):
                out = tmp / f"trace-{path}-{round_}"
                spans = traced(path, folder, autograder, out)
                traces[path].append(harness_times(spans))
                spans_of[path].append((grading_span(spans), sum(child for *_, child in spans)))
                shutil.rmtree(out)
        one = grade(folders[args.n1], autograder, tmp / "one", "--cluster", "local:1")[0]
        two = grade(folders[args.n1], autograder, tmp / "two", "--cluster", "local:2")[0]
        load.append(load_average())
        report(runs, args.n1, one, two, load)
        outside = report_trace(traces, spans_of) if args.trace_rounds else None
        report_projection(runs, outside)


if __name__ == "__main__":
    main()
