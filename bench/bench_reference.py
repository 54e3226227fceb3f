"""Benchmark the reference MLP against scikit-learn on the two digit pairs.

For each pair (1 vs 5, 7 vs 9) and each seed, five models are fitted on the
training images of the pair and scored on the MNIST test images of the pair:

  reference        the answer key: solutions.HYPERPARAMS on the images plus their
                   one-pixel shifted copies (solutions.add_shifted_copies, 5x the data)
  guidance         solutions.models.GUIDANCE (plain advice a student can follow),
                   on the images alone
  sklearn          MLPClassifier, same hidden sizes as the reference, Adam, max_iter=20,
                   on the images alone
  sklearn-shifted  the same MLPClassifier on the reference's data (images + copies)
  logistic         LogisticRegression (a linear baseline), on the images alone

Fit times include making the shifted copies where a method uses them.

Example:
  MNIST_DIR=/path/to/mnist python bench/bench_reference.py --quick
  python bench/bench_reference.py --seeds 5 --out bench/results/reference.json
  python bench/bench_reference.py --blas-threads 1   # fairer on a busy 2-core machine

Prints a Markdown table (accuracy and fit time: mean, min, max over seeds) and
writes every measurement as JSON to --out.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

from grader.atomic import write_text
from grader.data import load_mnist
from solutions import (add_shifted_copies, extract_digits, predict, prepare_pair, train_NNet,
                       vectorize_images)
from solutions.models import GUIDANCE, HYPERPARAMS, train_reference

PAIRS = [(1, 5), (7, 9)]
METHODS = ["reference", "guidance", "sklearn", "sklearn-shifted", "logistic"]


def fit_method(method, pair, X, Y, seed):
    """Fit one model on X (784, N), Y (1, N); return a function images -> digits."""
    d1, d2 = pair
    if method in ("reference", "guidance"):
        model = (train_reference(f"{d1}_{d2}", X, Y, seed=seed) if method == "reference"
                 else train_NNet(X, Y, seed=seed, plot=False, **GUIDANCE))
        return lambda images: predict(model, images, d1, d2)
    if method == "sklearn-shifted":
        X, Y = add_shifted_copies(X, Y)
    if method.startswith("sklearn"):
        hidden = tuple(HYPERPARAMS[f"{d1}_{d2}"]["hidden_layers"])
        clf = MLPClassifier(hidden_layer_sizes=hidden, solver="adam", max_iter=20,
                            random_state=seed)
    else:
        clf = LogisticRegression(max_iter=200, random_state=seed)
    clf.fit(X.T, Y[0])
    return lambda images: np.where(clf.predict(vectorize_images(images).T) == 1, d2, d1)


def measure(data, pair, method, seed):
    """One fit and score: {"accuracy": percent, "errors": count, "fit_seconds": s}."""
    X, Y = prepare_pair(data["train_x"], data["train_y"], *pair)
    test_images, test_labels = extract_digits(data["test_x"], data["test_y"], *pair)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        classify = fit_method(method, pair, X, Y, seed)
    seconds = time.perf_counter() - start
    wrong = int(np.sum(classify(test_images) != test_labels))
    return {"accuracy": 100.0 * (1 - wrong / len(test_labels)), "errors": wrong,
            "n_test": int(len(test_labels)), "fit_seconds": seconds}


def summarize(runs):
    """Mean, min and max of accuracy and fit time over seeds, plus the worst seed."""
    acc = np.array([r["accuracy"] for r in runs])
    sec = np.array([r["fit_seconds"] for r in runs])
    return {"accuracy_mean": acc.mean(), "accuracy_min": acc.min(), "accuracy_max": acc.max(),
            "worst_seed": runs[int(acc.argmin())]["seed"],
            "seconds_mean": sec.mean(), "seconds_min": sec.min(), "seconds_max": sec.max()}


def markdown(summary):
    """The summary as a Markdown table, one row per (pair, method)."""
    lines = ["| pair | method | accuracy % mean [min, max] | worst seed | fit s mean [min, max] |",
             "| --- | --- | --- | --- | --- |"]
    for key, methods in summary.items():
        for method, s in methods.items():
            lines.append(
                f"| {key.replace('_', ' vs ')} | {method} "
                f"| {s['accuracy_mean']:.2f} [{s['accuracy_min']:.2f}, {s['accuracy_max']:.2f}] "
                f"| {s['worst_seed']} "
                f"| {s['seconds_mean']:.1f} [{s['seconds_min']:.1f}, {s['seconds_max']:.1f}] |")
    return "\n".join(lines)


def speed_lines(summary):
    """One line per pair: the reference's mean fit time against both scikit-learn MLPs."""
    lines = []
    for key, s in summary.items():
        ref, plain, same = (s[m]["seconds_mean"] for m in ("reference", "sklearn", "sklearn-shifted"))
        lines.append(f"- {key.replace('_', ' vs ')}: reference {ref:.1f} s; sklearn on the images alone "
                     f"{plain:.1f} s ({plain / ref:.2f}x the reference's time), on the reference's "
                     f"data {same:.1f} s ({same / ref:.2f}x)")
    return "\n".join(lines)


def main(*, mnist_dir, seeds, out):
    """Run every (pair, method, seed), print the table, write the JSON; return the summary."""
    data = load_mnist(mnist_dir)
    runs, summary = [], {}
    for pair in PAIRS:
        key = f"{pair[0]}_{pair[1]}"
        summary[key] = {}
        for method in METHODS:
            mine = [dict(measure(data, pair, method, seed), pair=key, method=method, seed=seed)
                    for seed in seeds]
            for run in mine:
                print(json.dumps(run), flush=True)
            runs.extend(mine)
            summary[key][method] = summarize(mine)
    table = markdown(summary) + "\n\n" + speed_lines(summary)
    print(table)
    report = {"seeds": list(seeds), "numpy": np.__version__, "hyperparams": HYPERPARAMS, "guidance": GUIDANCE,
              "runs": runs, "summary": summary, "table": table}
    write_text(out, json.dumps(report, indent=2, default=float) + "\n")
    return summary


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mnist-dir", default=os.environ.get("MNIST_DIR"),
                        help="folder with the four MNIST IDX gzip files (default: $MNIST_DIR)")
    parser.add_argument("--seeds", type=int, default=5, help="number of seeds 0..S-1 (default 5)")
    parser.add_argument("--quick", action="store_true", help="one seed only")
    parser.add_argument("--blas-threads", type=int, default=None,
                        help="limit BLAS threads for every method (default: leave as is)")
    parser.add_argument("--out", default="bench/results/reference.json",
                        help="JSON output (default bench/results/reference.json, git-ignored)")
    args = parser.parse_args(argv)
    if not args.mnist_dir:
        parser.error("no MNIST folder: pass --mnist-dir DIR or set MNIST_DIR")
    return args


if __name__ == "__main__":
    args = parse_args()
    with threadpool_limits(limits=args.blas_threads):
        main(mnist_dir=args.mnist_dir, seeds=range(1 if args.quick else args.seeds), out=args.out)
