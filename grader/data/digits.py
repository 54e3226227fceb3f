"""Offline stand-in for MNIST: scikit-learn's bundled handwritten digits, made MNIST-shaped.

``load_digits`` ships 1,797 images of 8x8 pixels with values 0..16. Each is enlarged
3x by pixel repetition to 24x24, padded by 2 pixels of background to 28x28 (MNIST
also keeps a blank border round the digit) and scaled to 0..255 uint8. A seeded,
stratified split keeps a quarter of the images as the test split.

The training split is then enlarged to about MNIST's size (``TRAIN_PER_DIGIT`` images of
each digit): every added image is a training image moved by up to ``MAX_SHIFT`` pixels
in each direction. The assignment's recipes count on MNIST-sized training sets (a few
epochs of thousands of images); on the 1,348 training images alone they take too few
steps to learn. The test split keeps only the original images.
"""

from __future__ import annotations

import numpy as np

from grader.data.sources import Loaded

SCALE = 3
PAD = 2
TEST_FRACTION = 0.25
TRAIN_PER_DIGIT = 6000
MAX_SHIFT = 2


def upscale(images: np.ndarray) -> np.ndarray:
    """(N, 8, 8) values 0..16 -> (N, 28, 28) uint8 values 0..255."""
    big = images.repeat(SCALE, axis=1).repeat(SCALE, axis=2)
    big = np.pad(big, ((0, 0), (PAD, PAD), (PAD, PAD)))
    return np.rint(big * (255 / 16)).astype(np.uint8)


def load_digits_as_mnist(*, seed: int = 0) -> Loaded:
    """Return the digits data split into train/test like MNIST (same keys, shapes (N, 28, 28))."""
    from sklearn.datasets import load_digits  # imported here: scikit-learn takes ~2 s to import
    from sklearn.model_selection import train_test_split

    bunch = load_digits()
    x = upscale(bunch.images)
    y = bunch.target.astype(np.uint8)
    train_x, test_x, train_y, test_y = train_test_split(
        x, y, test_size=TEST_FRACTION, random_state=seed, stratify=y
    )
    train_x, train_y = enlarge(train_x, train_y, np.random.default_rng(seed))
    arrays = {"train_x": train_x, "train_y": train_y, "test_x": test_x, "test_y": test_y}
    return Loaded(arrays, "digits", f"scikit-learn load_digits (seed {seed})")


def enlarge(x: np.ndarray, y: np.ndarray, rng, per_digit: int = TRAIN_PER_DIGIT) -> tuple[np.ndarray, np.ndarray]:
    """(N, 28, 28), (N,) -> (M, 28, 28), (M,) holding ``per_digit`` images of each digit
    present in ``y`` (M = 10 * per_digit for the digits data): the originals, then shifted
    copies of randomly chosen originals of the same digit, shuffled together."""
    xs, ys = [x], [y]
    for digit in np.unique(y):
        mine = np.flatnonzero(y == digit)
        picks = rng.choice(mine, size=max(0, per_digit - len(mine)))
        shifts = rng.integers(-MAX_SHIFT, MAX_SHIFT + 1, size=(len(picks), 2))
        xs.append(np.stack([np.roll(x[i], tuple(d), axis=(0, 1)) for i, d in zip(picks, shifts)]))
        ys.append(np.full(len(picks), digit, dtype=y.dtype))
    order = rng.permutation(sum(len(part) for part in ys))
    return np.concatenate(xs)[order], np.concatenate(ys)[order]
