"""How long ``mlp-course data`` takes: reading MNIST from each source and writing the outputs.

Usage::

    MNIST_DIR=/path/to/mnist .venv/bin/python bench/bench_data.py [--repeat 3]

Prints one table: the three ways of reading the 70,000 images (a plain gzip +
np.frombuffer read as the baseline, the checked IDX-folder source, the Keras-npz
source), writing the outputs with and without compression (with the student file's
size), and the whole pipeline end to end. Times are the best and the median of
``--repeat`` runs; everything is written to a temporary folder.
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from grader.data import main, train_path
from grader.data.checksums import FILES
from grader.data.outputs import write_outputs
from grader.data.sources import from_directory, from_keras_npz


def baseline(mnist_dir: Path) -> dict[str, np.ndarray]:
    """The least a reader can do: gunzip each file and view it past its header."""
    arrays = {}
    for key, name in FILES.items():
        raw = gzip.decompress((mnist_dir / name).read_bytes())
        offset = 16 if key.endswith("_x") else 8
        arrays[key] = np.frombuffer(raw, np.uint8, offset=offset)
    return arrays


def timed(task, repeat: int) -> tuple[float, float]:
    """Best and median wall-clock seconds of ``task()`` over ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        task()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def cases(mnist_dir: Path, work: Path):
    """(label, task, note) for every row of the table, in order."""
    arrays = from_directory(mnist_dir).arrays
    keras = work / "mnist.npz"
    np.savez_compressed(keras, **{f"{k[-1]}_{k[:-2]}": v for k, v in arrays.items()})
    return [
        ("read: gzip + np.frombuffer (baseline)", lambda: baseline(mnist_dir), ""),
        ("read: IDX folder (SHA-256 + checks)", lambda: from_directory(mnist_dir), ""),
        ("read: Keras mnist.npz (compressed)", lambda: from_keras_npz(keras), ""),
        ("write: np.savez (uncompressed)", lambda: write_outputs(arrays, "mnist", work / "u", compress=False),
         f"{train_path(work / 'u')}"),
        ("write: np.savez_compressed", lambda: write_outputs(arrays, "mnist", work / "c"),
         f"{train_path(work / 'c')}"),
        ("end to end: main(mnist_dir=...)", lambda: main(out=work / "e", mnist_dir=mnist_dir), ""),
    ]


def run(mnist_dir: Path, repeat: int) -> None:
    """Print the table."""
    with tempfile.TemporaryDirectory() as tmp:
        rows = cases(mnist_dir, Path(tmp))
        print(f"{'step (70,000 images)':<40} {'best s':>7} {'median s':>9}  train file")
        for label, task, size_of in rows:
            best, median = timed(task, repeat)
            size = f"{Path(size_of).stat().st_size / 1e6:.1f} MB" if size_of else ""
            print(f"{label:<40} {best:7.2f} {median:9.2f}  {size}")
    print(f"({repeat} runs each, {os.cpu_count()} CPUs; MNIST from {mnist_dir})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist-dir", type=Path, default=os.environ.get("MNIST_DIR"),
                        help="folder of the four MNIST .gz files [default: $MNIST_DIR]")
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    if options.mnist_dir is None:
        parser.error("give --mnist-dir or set MNIST_DIR")
    run(options.mnist_dir, options.repeat)
