"""Where the MNIST arrays come from: a folder of IDX files, a Keras ``mnist.npz``,
or the download cache.

Each loader returns a ``Loaded``: the four arrays plus which dataset and source
they came from, so that outputs and the summary can say so. Arrays:
``train_x`` (60000, 28, 28) uint8, ``train_y`` (60000,) uint8,
``test_x`` (10000, 28, 28) uint8, ``test_y`` (10000,) uint8 (other N for other data).
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader.data.checksums import FILES, check_canonical
from grader.data.idx import check_pair, read_bytes, read_idx_gz
from grader.errors import GraderError

KERAS_KEYS = {"train_x": "x_train", "train_y": "y_train", "test_x": "x_test", "test_y": "y_test"}


@dataclass
class Loaded:
    """The four arrays (keys of ``FILES``), the dataset name and a human-readable source."""

    arrays: dict[str, np.ndarray]
    dataset: str
    source: str


def check_folder(folder: Path, *, what: str) -> None:
    """Raise ``GraderError`` unless ``folder`` is a folder this process can list."""
    if not folder.exists():
        raise GraderError(f"{what} {folder} does not exist; check the path")
    if not folder.is_dir():
        raise GraderError(
            f"{what} {folder} is not a folder; give the folder that holds the four .gz files"
        )
    try:
        next(os.scandir(folder), None)
    except OSError as exc:
        raise GraderError(
            f"{what} {folder} cannot be read ({exc.strerror}); check its permissions"
        ) from None


def read_split_files(folder: Path, *, verify: bool, fix: str) -> dict[str, np.ndarray]:
    """Read the four IDX gzip files of ``folder``, checking SHA-256 first when ``verify``."""
    arrays = {}
    for key, name in FILES.items():
        path = folder / name
        data = read_bytes(path)
        if verify:
            check_canonical(path, data, fix=fix)
        arrays[key] = read_idx_gz(path, data, ndim=3 if key.endswith("_x") else 1)
    for images, labels in (("train_x", "train_y"), ("test_x", "test_y")):
        where = f"{folder / FILES[images]} and {FILES[labels]}"
        check_pair(arrays[images], arrays[labels], where=where)
    return arrays


def from_directory(folder, *, verify: bool = True) -> Loaded:
    """Load MNIST from a folder holding the four canonical IDX gzip files."""
    folder = Path(folder).expanduser()
    check_folder(folder, what="MNIST folder")
    fix = "replace it with the canonical file, or remove --mnist-dir/MNIST_DIR to download it"
    arrays = read_split_files(folder, verify=verify, fix=fix)
    return Loaded(arrays, "mnist", f"IDX files in {folder}")


def from_keras_npz(path) -> Loaded:
    """Load MNIST from a Keras-style ``mnist.npz`` (keys x_train, y_train, x_test, y_test)."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise GraderError(
            f"{path}: file not found; give the path of a Keras mnist.npz, or use --mnist-dir"
        )
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [k for k in KERAS_KEYS.values() if k not in npz.files]
            if missing:
                has = ", ".join(npz.files) or "none"
                raise GraderError(
                    f"{path}: missing key(s) {', '.join(missing)} (has {has}); "
                    "a Keras mnist.npz holds x_train, y_train, x_test, y_test"
                )
            arrays = {key: npz[k] for key, k in KERAS_KEYS.items()}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise GraderError(
            f"{path}: not a readable .npz file ({exc}); download mnist.npz again or use --mnist-dir"
        ) from None
    return Loaded(check_keras_arrays(path, arrays), "mnist", f"Keras npz {path}")


def check_keras_arrays(path: Path, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Check shapes and value ranges of arrays read from a Keras npz; return them as uint8."""
    for key, a in arrays.items():
        ndim = 3 if key.endswith("_x") else 1
        if a.ndim != ndim or (ndim == 3 and a.shape[1:] != (28, 28)):
            raise GraderError(
                f"{path}: {KERAS_KEYS[key]} has shape {a.shape}, expected "
                f"{'(N, 28, 28)' if ndim == 3 else '(N,)'}; use an MNIST npz saved by Keras"
            )
        if a.dtype != np.uint8:
            if a.dtype.kind not in "iu" or (a.size and (a.min() < 0 or a.max() > 255)):
                raise GraderError(f"{path}: {KERAS_KEYS[key]} is not uint8 pixel/label data; "
                                  "use an MNIST npz saved by Keras")
            arrays[key] = a.astype(np.uint8)
    for split in ("train", "test"):
        check_pair(arrays[f"{split}_x"], arrays[f"{split}_y"], where=f"{path} ({split} split)")
    return arrays
