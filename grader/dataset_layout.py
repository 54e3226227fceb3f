"""Where the prepared data lives: written by ``mlp-course data``, read by ``build`` and the tests.

Layout under a data folder ``DIR``::

    DIR/train_mnist.npz              x (N, 28, 28) uint8, y (N,) uint8, dataset
    DIR/heldout/heldout_1_5.npz      test-split images of 1 and 5: x, y (the digits), dataset, pair
    DIR/heldout/heldout_7_9.npz      same for 7 and 9

A layer of its own so that the verbs that read the data need not import the one that writes it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from grader.errors import GraderError

PAIRS = ((1, 5), (7, 9))
TRAIN_FILE = "train_mnist.npz"
HELDOUT_DIR = "heldout"


def train_path(data_dir) -> Path:
    """Path of the students' training file inside ``data_dir``."""
    return Path(data_dir) / TRAIN_FILE


def dataset_of(data_dir) -> str:
    """Which data set ``mlp-course data`` wrote into ``data_dir`` ("mnist" or "digits")."""
    if not train_path(data_dir).is_file():
        raise GraderError(f"{train_path(data_dir)}: missing data file; run "
                          f"'mlp-course data -o {data_dir}' first (or pass --data DIR).")
    with np.load(train_path(data_dir)) as data:
        return str(data["dataset"]) if "dataset" in data.files else "mnist"


def heldout_path(data_dir, d1: int, d2: int) -> Path:
    """Path of the held-out set for digits ``d1`` and ``d2`` inside ``data_dir``."""
    return Path(data_dir) / HELDOUT_DIR / f"heldout_{d1}_{d2}.npz"
