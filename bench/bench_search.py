"""The hyperparameter search behind ``solutions.HYPERPARAMS``, re-runnable.

Each setting trains ``train_NNet`` on the training images of one pair, with or
without ``add_shifted_copies``, for several seeds, and counts the errors on the
MNIST test images of the pair. Settings 1-12 are the best of what we tried on the
images alone (network size, batch size, learning rate, schedule, epochs, initial
scale); the last ones use the shifted copies, the answer key's choice among them.

Example (about 15 minutes for 7 vs 9 with two processes):
  MNIST_DIR=/path/to/mnist python bench/bench_search.py --pair 7 9 --seeds 5 --jobs 2

Prints one Markdown row per setting: errors per seed, mean and worst accuracy,
mean fit time (with ``--jobs 2`` two fits share the machine, so times are higher
than in ``bench_reference.py``).
"""

from __future__ import annotations

import argparse
import os
import time
from multiprocessing import Pool

import numpy as np

_BASE = {"hidden_layers": [128, 64], "init_scale": 0.1}
_SCHEDULE = {"warmup_epochs": 1, "eta_decay": True}

# (uses shifted copies, train_NNet options)
SETTINGS = [
    (False, dict(_BASE, batch_size=64, eta=0.05, epochs=20)),  # the students' guidance
    (False, dict(_BASE, batch_size=64, eta=0.1, epochs=15, **_SCHEDULE)),  # the previous answer key
    (False, dict(_BASE, batch_size=64, eta=0.1, epochs=20, warmup_epochs=1)),
    (False, dict(_BASE, batch_size=32, eta=0.05, epochs=20, warmup_epochs=1)),
    (False, dict(_BASE, batch_size=32, eta=0.1, epochs=20, warmup_epochs=1)),
    (False, dict(_BASE, batch_size=32, eta=0.1, epochs=30, warmup_epochs=1)),
    (False, dict(_BASE, batch_size=32, eta=0.1, epochs=45, warmup_epochs=1)),
    (False, dict(_BASE, batch_size=16, eta=0.1, epochs=20, warmup_epochs=1)),
    (False, dict(_BASE, batch_size=32, eta=0.2, epochs=20, warmup_epochs=1)),
    (False, dict(_BASE, batch_size=32, eta=0.1, epochs=30, init_scale="fan_in", warmup_epochs=1)),
    (False, dict(_BASE, hidden_layers=[256, 128], batch_size=32, eta=0.1, epochs=20, warmup_epochs=1)),
    (False, dict(_BASE, hidden_layers=[128, 128, 64], batch_size=32, eta=0.1, epochs=30,
                 warmup_epochs=1)),
    (True, dict(_BASE, batch_size=64, eta=0.1, epochs=6, **_SCHEDULE)),
    (True, dict(_BASE, batch_size=128, eta=0.1, epochs=5, **_SCHEDULE)),
    (True, dict(_BASE, batch_size=128, eta=0.1, epochs=6, **_SCHEDULE)),  # answer key, 7 vs 9
    (True, dict(_BASE, batch_size=128, eta=0.2, epochs=5, **_SCHEDULE)),  # answer key, 1 vs 5
    (True, dict(_BASE, batch_size=128, eta=0.2, epochs=6, **_SCHEDULE)),
]

_DATA = {}


def _fit(job):
    """Worker: (pair, shifted, options, seed) -> (test errors, test images, fit seconds)."""
    from threadpoolctl import threadpool_limits

    from grader.data import load_mnist
    from solutions import add_shifted_copies, extract_digits, predict, prepare_pair, train_NNet

    pair, shifted, options, seed = job
    if not _DATA:
        _DATA.update(load_mnist(os.environ["MNIST_DIR"]))
    X, Y = prepare_pair(_DATA["train_x"], _DATA["train_y"], *pair)
    images, labels = extract_digits(_DATA["test_x"], _DATA["test_y"], *pair)
    with threadpool_limits(limits=1):
        start = time.perf_counter()
        if shifted:
            X, Y = add_shifted_copies(X, Y)
        model = train_NNet(X, Y, seed=seed, plot=False, **options)
        seconds = time.perf_counter() - start
    return int(np.sum(predict(model, images, *pair) != labels)), len(labels), seconds


def main(*, pair, seeds, jobs):
    """Run every setting for every seed; print and return the Markdown table."""
    work = [(pair, shifted, options, seed) for shifted, options in SETTINGS for seed in seeds]
    with Pool(jobs) as pool:
        results = pool.map(_fit, work, chunksize=1)
    lines = ["| # | shifted copies | options | errors per seed | accuracy % mean | worst | fit s |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for i, (shifted, options) in enumerate(SETTINGS):
        runs = results[i * len(seeds):(i + 1) * len(seeds)]
        errors = [e for e, _, _ in runs]
        accuracy = 100.0 * (1 - np.array(errors) / runs[0][1])
        lines.append(f"| {i + 1} | {'yes' if shifted else 'no'} | {options} | {errors} "
                     f"| {accuracy.mean():.2f} | {accuracy.min():.2f} "
                     f"| {np.mean([s for _, _, s in runs]):.1f} |")
    table = "\n".join(lines)
    print(table, flush=True)
    return table


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mnist-dir", default=os.environ.get("MNIST_DIR"),
                        help="folder with the four MNIST IDX gzip files (default: $MNIST_DIR)")
    parser.add_argument("--pair", type=int, nargs=2, default=(7, 9), metavar=("D1", "D2"),
                        help="digit pair (default 7 9)")
    parser.add_argument("--seeds", type=int, default=5, help="number of seeds 0..S-1 (default 5)")
    parser.add_argument("--jobs", type=int, default=2, help="parallel fits (default 2)")
    args = parser.parse_args(argv)
    if not args.mnist_dir:
        parser.error("no MNIST folder: pass --mnist-dir DIR or set MNIST_DIR")
    os.environ["MNIST_DIR"] = args.mnist_dir
    return args


if __name__ == "__main__":
    args = parse_args()
    main(pair=tuple(args.pair), seeds=range(args.seeds), jobs=args.jobs)
