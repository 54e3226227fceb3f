"""Does the data preparation extract, reshape, scale and show images correctly?"""

import warnings

import numpy as np
import pytest

from solutions import (add_shifted_copies, display_random_images, extract_digits, prepare_pair,
                       vectorize_images)


def fake_images(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    y = (np.arange(n) % 10).astype(np.uint8)
    return X, y


@pytest.mark.parametrize("d1, d2", [(10, 1), (1, -1), (3.5, 2)])
def test_does_extract_digits_reject_non_digits(d1, d2):
    X, y = fake_images()
    with pytest.raises(AssertionError):
        extract_digits(X, y, d1, d2)


def test_does_extract_digits_keep_only_the_pair_in_original_order():
    X, y = fake_images()
    X_pair, y_pair = extract_digits(X, y, 7, 2)
    keep = [i for i in range(len(y)) if y[i] in (2, 7)]
    np.testing.assert_array_equal(y_pair, y[keep])
    np.testing.assert_array_equal(X_pair, X[keep])


def test_does_vectorize_give_max_scaled_columns_and_a_zero_column_for_a_blank_image():
    X, _ = fake_images(n=3)
    X[1] = 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        V = vectorize_images(X)
    assert V.shape == (784, 3) and V.dtype == np.float64
    np.testing.assert_array_equal(V[:, 1], 0.0)
    np.testing.assert_allclose(V[:, 0], X[0].ravel() / X[0].max())
    assert V[:, 2].max() == 1.0


def test_does_prepare_pair_map_d1_to_class_0_and_d2_to_class_1():
    X, y = fake_images()
    Xp, Yp = prepare_pair(X, y, 3, 8)
    assert Xp.shape == (784, 8) and Yp.shape == (1, 8)
    np.testing.assert_array_equal(Yp[0], np.where(y[np.isin(y, [3, 8])] == 3, 0, 1))



def test_does_add_shifted_copies_move_each_image_one_pixel_up_down_left_and_right():
    X, y = fake_images(n=4)
    V, Y = vectorize_images(X), np.arange(4.0).reshape(1, 4)
    Xs, Ys = add_shifted_copies(V, Y)
    assert Xs.shape == (784, 20) and Ys.shape == (1, 20) and Xs.dtype == np.float32
    np.testing.assert_array_equal(Ys[0], np.tile(np.arange(4.0), 5))
    image = lambda j: Xs[:, j].reshape(28, 28)
    original = V[:, 2].reshape(28, 28).astype(np.float32)
    np.testing.assert_array_equal(image(2), original)
    up, down, left, right = (image(4 * k + 2) for k in range(1, 5))
    np.testing.assert_array_equal(up[:-1], original[1:])
    np.testing.assert_array_equal(down[1:], original[:-1])
    np.testing.assert_array_equal(left[:, :-1], original[:, 1:])
    np.testing.assert_array_equal(right[:, 1:], original[:, :-1])
    for edge in (up[-1], down[0], left[:, -1], right[:, 0]):  # the entering pixels are blank
        np.testing.assert_array_equal(edge, 0.0)


def shown(fig):
    """(labels, images) of each axis of a figure from display_random_images."""
    return [(ax.get_title(), ax.images[0].get_array().data.copy()) for ax in fig.axes]


def test_does_display_show_five_grayscale_images_titled_with_their_labels():
    X, y = fake_images()
    items = shown(display_random_images(X, y))
    fig = display_random_images(X, y, seed=1)
    assert len(fig.axes) == 5
    for ax in fig.axes:
        assert ax.images[0].get_cmap().name == "gray"
        assert not ax.axison
    for title, image in items:
        index = [i for i in range(len(X)) if np.array_equal(X[i], image)][0]
        assert title == str(y[index])


def test_do_unseeded_displays_differ_and_seeded_displays_repeat():
    X, y = fake_images()
    first, second = (shown(display_random_images(X, y)) for _ in range(2))
    assert any(not np.array_equal(a[1], b[1]) for a, b in zip(first, second))
    again = [shown(display_random_images(X, y, seed=4)) for _ in range(2)]
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(*again))


def test_are_the_float32_copies_exactly_the_float64_copies_rounded_once():
    """The copies are made in float32 (half the memory); train_NNet trains in float32, so the
    model is the one that float64 copies, converted by train_NNet, gave before."""
    V = vectorize_images(fake_images(n=6)[0])
    Y = np.ones((1, 6))
    X32, _ = add_shifted_copies(V, Y)
    X64, _ = add_shifted_copies(V, Y, dtype=np.float64)
    assert X32.dtype == np.float32 and X64.dtype == np.float64
    np.testing.assert_array_equal(X32, X64.astype(np.float32))
    assert X32.T.flags["C_CONTIGUOUS"]  # each column in one piece: fast mini-batches
