"""MNIST preparation for the assignment (``mlp-course data``).

Initial minimal version: ``load_mnist`` reads the four canonical IDX gzip files.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

FILES = {
    "train_x": "train-images-idx3-ubyte.gz",
    "train_y": "train-labels-idx1-ubyte.gz",
    "test_x": "t10k-images-idx3-ubyte.gz",
    "test_y": "t10k-labels-idx1-ubyte.gz",
}


def _read_idx(path: Path) -> np.ndarray:
    raw = gzip.decompress(path.read_bytes())
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load_mnist(mnist_dir) -> dict[str, np.ndarray]:
    """Return ``{"train_x": (60000, 28, 28) uint8, "train_y": (60000,) uint8,
    "test_x": (10000, 28, 28) uint8, "test_y": (10000,) uint8}``."""
    mnist_dir = Path(mnist_dir)
    return {key: _read_idx(mnist_dir / name) for key, name in FILES.items()}
