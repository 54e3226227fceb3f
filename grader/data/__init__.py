"""MNIST preparation for the assignment (``mlp-course data``).

Pipeline, in order:

1. choose the source: ``--keras-npz`` or ``--mnist-dir`` (else ``$MNIST_DIR``), else the
   download cache (downloading what is missing); ``--dataset digits`` skips MNIST and
   ``--dataset auto`` falls back to it when MNIST cannot be had;
2. read and check it (SHA-256 before parsing, then IDX header, sizes, counts);
3. write ``train_mnist.npz`` and the held-out pair files, all-or-nothing.

Nothing is written before steps 1-2 have succeeded. Arrays: images (N, 28, 28) uint8,
labels (N,) uint8, with 60000 train and 10000 test images for MNIST.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader.data.digits import load_digits_as_mnist
from grader.data.download import MIRRORS, default_cache_dir, ensure_cached
from grader.data.outputs import PAIRS, dataset_of, heldout_path, train_path, write_outputs
from grader.data.sources import Loaded, from_directory, from_keras_npz
from grader.errors import GraderError

__all__ = ["PAIRS", "DATASETS", "dataset_of", "heldout_path", "train_path", "load_mnist", "main", "Summary"]

DATASETS = ("mnist", "digits", "auto")
MNIST_FLAGS = {"mnist_dir": "--mnist-dir", "keras_npz": "--keras-npz", "mirrors": "--mirror",
               "cache_dir": "--cache-dir"}

FALLBACK_NOTICE = """\
************************************************************************
NOTICE: MNIST could not be loaded, so the outputs hold the small
scikit-learn 'digits' data set (8x8 images enlarged to 28x28) instead.
Fine for trying the pipeline offline; NOT the real assignment data.
Reason: {reason}
To use MNIST: pass --mnist-dir DIR or --keras-npz FILE, or connect to
the network, and run again with --dataset mnist.
************************************************************************"""


def load_mnist(mnist_dir, *, verify: bool = True) -> dict[str, np.ndarray]:
    """Return ``{"train_x": (60000, 28, 28) uint8, "train_y": (60000,) uint8,
    "test_x": (10000, 28, 28) uint8, "test_y": (10000,) uint8}`` from the IDX files in
    ``mnist_dir``, checking each file's SHA-256 first unless ``verify`` is false."""
    return from_directory(mnist_dir, verify=verify).arrays


def find_mnist(*, mnist_dir=None, keras_npz=None, mirrors=None, cache_dir=None,
               **download) -> Loaded:
    """Load MNIST from the first source given: Keras npz, folder, ``$MNIST_DIR``, cache/download.

    ``download`` holds keyword options for ``ensure_cached`` (retries, backoff, timeout, progress).
    """
    if mnist_dir is not None and keras_npz is not None:
        raise GraderError("--mnist-dir and --keras-npz were both given; pass only one of them")
    if keras_npz is not None:
        return from_keras_npz(keras_npz)
    mnist_dir = mnist_dir if mnist_dir is not None else os.environ.get("MNIST_DIR") or None
    if mnist_dir is not None:
        return from_directory(mnist_dir)
    cache = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
    origin = ensure_cached(cache, mirrors=tuple(mirrors or MIRRORS), **download)
    fetched = sum(where != "cache" for where in origin.values())
    loaded = from_directory(cache)
    loaded.source = f"download cache {cache} ({fetched} of 4 files downloaded now)"
    return loaded


def load_dataset(*, dataset: str, seed: int, **mnist_options) -> Loaded:
    """Load the data set asked for; ``auto`` prints a notice on stderr when it falls back."""
    if dataset not in DATASETS:
        raise GraderError(f"unknown dataset {dataset!r}; choose one of {', '.join(DATASETS)}")
    if dataset == "digits":
        given = [flag for key, flag in MNIST_FLAGS.items() if mnist_options.get(key)]
        if given:
            raise GraderError(f"--dataset digits reads no MNIST files but {', '.join(given)} "
                              "was given; drop it or use --dataset mnist")
        return load_digits_as_mnist(seed=seed)
    try:
        return find_mnist(**mnist_options)
    except GraderError as exc:
        if dataset != "auto":
            raise
        print(FALLBACK_NOTICE.format(reason=exc), file=sys.stderr)
        return load_digits_as_mnist(seed=seed)


@dataclass
class Summary:
    """What ``main`` did: data set, source, ``{output path: images}`` and the time taken."""

    dataset: str
    source: str
    counts: dict[Path, int]
    seconds: float

    def text(self) -> str:
        """A few lines for the terminal."""
        lines = [f"Prepared '{self.dataset}' from {self.source} in {self.seconds:.1f} s:"]
        width = max(len(str(p)) for p in self.counts)
        for path, n in self.counts.items():
            role = "students" if path.name == train_path(".").name else "grader only"
            lines.append(f"  {str(path):<{width}}  {n:>6} images  ({role})")
        return "\n".join(lines)


def main(*, out="data", dataset: str = "mnist", mnist_dir=None, keras_npz=None, mirrors=None,
         cache_dir=None, seed: int = 0, compress: bool = True, progress: bool = True,
         retries: int = 3, backoff: float = 1.0, timeout: float = 30.0) -> Summary:
    """Prepare the assignment data into ``out``; see the module docstring for the steps."""
    start = time.perf_counter()
    loaded = load_dataset(dataset=dataset, seed=seed, mnist_dir=mnist_dir, keras_npz=keras_npz,
                          mirrors=mirrors, cache_dir=cache_dir, retries=retries,
                          backoff=backoff, timeout=timeout, progress=progress)
    counts = write_outputs(loaded.arrays, loaded.dataset, out, compress=compress)
    return Summary(loaded.dataset, loaded.source, counts, time.perf_counter() - start)
