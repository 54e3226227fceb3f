"""Turn MNIST arrays into what the network eats.

Symbols: N images, D = 784 pixels per image. Raw images come as (N, 28, 28);
the network wants columns as samples, i.e. (D, N) float64 in [0, 1].
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def display_random_images(X, y, n=5, seed=None):
    """Show ``n`` random images of ``X`` (N, 28, 28) in grayscale, titled with
    their labels from ``y`` (N,). Without ``seed`` every call picks a new set;
    with a seed the same set. Returns the matplotlib Figure."""
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(X), size=n, replace=False)
    fig, axes = plt.subplots(1, n, figsize=(2 * n, 2.4), squeeze=False)
    for ax, i in zip(axes[0], picks):
        ax.imshow(X[i], cmap="gray")
        ax.set_title(str(y[i]))
        ax.axis("off")
    return fig


def extract_digits(X, y, d1, d2):
    """Keep the samples whose label is ``d1`` or ``d2``, in their original order.

    X: (N, ...) images, y: (N,) labels. Returns (X_extracted, y_extracted).
    """
    assert d1 in range(10), f"d1 must be a digit between 0 and 9, got {d1!r}"
    assert d2 in range(10), f"d2 must be a digit between 0 and 9, got {d2!r}"
    keep = np.where((y == d1) | (y == d2))[0]
    return X[keep], y[keep]


def vectorize_images(X):
    """(N, 28, 28) images -> (784, N) float64, each column divided by its max.

    An all-zero image has max 0; its column stays zero instead of 0/0 = NaN.
    """
    X = np.asarray(X, dtype=np.float64)
    flat = X.reshape(X.shape[0], int(np.prod(X.shape[1:]))).T
    col_max = flat.max(axis=0, keepdims=True, initial=0.0)
    return np.divide(flat, col_max, out=np.zeros_like(flat), where=col_max > 0)


def prepare_pair(train_X, train_y, d1, d2):
    """Training matrices for the pair (d1, d2).

    Returns X (784, N) float64 and Y (1, N) float64 with class 0 for d1, 1 for d2.
    """
    X_pair, y_pair = extract_digits(train_X, train_y, d1, d2)
    Y = np.where(y_pair == d1, 0.0, 1.0).reshape(1, -1)
    return vectorize_images(X_pair), Y



def add_shifted_copies(X, Y, dtype=np.float32):
    """The training set plus every image moved by one pixel up, down, left and right.

    X (784, N) image columns, Y (k, N) targets -> X (784, 5N) of type ``dtype``, Y (k, 5N):
    the N originals first, then one block of N copies per move (up, down, left, right),
    each with the targets of its original. Pixels entering at the border are 0.
    A digit written a pixel off-centre is still the same digit, so the copies
    teach the network to ignore small offsets.

    The copies are made once, directly in ``dtype`` (float32 by default, the type
    ``train_NNet`` trains in, so it uses them without another copy): about 190 MB for
    one MNIST pair, where float64 took twice that. Shifting only moves pixels, so the
    float32 copies hold exactly the values float64 copies would after conversion.
    The result keeps each column contiguous in memory (like ``vectorize_images``),
    which makes cutting mini-batches of random columns fast.
    """
    X = np.asarray(X)
    n = X.shape[1]
    images = X.T.reshape(n, 28, 28)  # a view: image j is column j of X
    out = np.zeros((5 * n, 28, 28), dtype=dtype)
    out[:n] = images
    out[n:2 * n, :-1] = images[:, 1:]  # up: row r takes row r + 1
    out[2 * n:3 * n, 1:] = images[:, :-1]  # down
    out[3 * n:4 * n, :, :-1] = images[:, :, 1:]  # left: column c takes column c + 1
    out[4 * n:, :, 1:] = images[:, :, :-1]  # right
    return out.reshape(5 * n, 784).T, np.tile(np.asarray(Y), (1, 5))
