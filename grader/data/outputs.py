"""Writing the prepared data: the students' training file and the grader's held-out sets.

Layout under the output folder ``DIR`` (:mod:`grader.dataset_layout`)::

    DIR/train_mnist.npz              x (N, 28, 28) uint8, y (N,) uint8, dataset
    DIR/heldout/heldout_1_5.npz      test-split images of 1 and 5: x, y (the digits), dataset, pair
    DIR/heldout/heldout_7_9.npz      same for 7 and 9

The held-out files are the public test images; ``mlp-course build`` derives the sets the
autograder ships from them with a secret (:mod:`grader.assemble.heldout`).

All files are written to temporaries first and renamed into place only once every
one of them is complete, so a failure leaves the previous outputs untouched.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np

from grader.atomic import atomic_path
from grader.dataset_layout import HELDOUT_DIR, PAIRS, TRAIN_FILE, dataset_of, heldout_path, train_path  # noqa: F401 (re-exported)

def heldout_arrays(test_x: np.ndarray, test_y: np.ndarray, pair) -> dict[str, np.ndarray]:
    """Test images (N, 28, 28) and labels (N,) of the two digits in ``pair``, in test order."""
    keep = np.isin(test_y, pair)
    return {"x": test_x[keep], "y": test_y[keep], "pair": np.array(pair, dtype=np.uint8)}


def planned_files(arrays: dict[str, np.ndarray], out_dir) -> dict[Path, dict[str, np.ndarray]]:
    """Map each output path to the arrays it will hold (without the ``dataset`` key)."""
    files = {train_path(out_dir): {"x": arrays["train_x"], "y": arrays["train_y"]}}
    for pair in PAIRS:
        held = heldout_arrays(arrays["test_x"], arrays["test_y"], pair)
        files[heldout_path(out_dir, *pair)] = held
    return files


def write_outputs(arrays: dict[str, np.ndarray], dataset: str, out_dir, *,
                  compress: bool = True) -> dict[Path, int]:
    """Write every output file all-or-nothing; return ``{path: number of images}``.

    ``arrays`` has ``train_x`` (N, 28, 28), ``train_y`` (N,), ``test_x``, ``test_y``.
    """
    save = np.savez_compressed if compress else np.savez
    files = planned_files(arrays, out_dir)
    new_dirs = [d for d in (Path(out_dir) / HELDOUT_DIR, Path(out_dir)) if not d.exists()]
    try:
        with contextlib.ExitStack() as stack:  # renames happen only once every file is written
            for path, content in files.items():
                tmp = stack.enter_context(atomic_path(path))
                with open(tmp, "wb") as handle:  # a handle: np.savez would rename a bare path
                    save(handle, dataset=np.array(dataset), **content)
    except BaseException:
        for folder in new_dirs:  # children first; only folders this call created, if empty
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    return {path: len(content["y"]) for path, content in files.items()}
