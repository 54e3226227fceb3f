"""Questions about the offline stand-in (scikit-learn digits) and the ``auto`` fallback."""

from __future__ import annotations

import numpy as np
import pytest

from grader.data import heldout_path, main, train_path
from grader.data.digits import MAX_SHIFT, enlarge, load_digits_as_mnist, upscale
from grader.errors import GraderError


def test_is_an_8x8_image_enlarged_to_28x28_with_a_blank_border():
    image = np.zeros((1, 8, 8))
    image[0, 0, 0] = 16
    image[0, 7, 7] = 8
    big = upscale(image)
    assert big.shape == (1, 28, 28) and big.dtype == np.uint8
    assert big[0, 2:5, 2:5].tolist() == [[255] * 3] * 3 and big[0, 23:26, 23:26].min() == 128
    assert big[0, :2].max() == 0 and big[0, :, 26:].max() == 0 and big.sum() == 9 * (255 + 128)


def test_is_the_digits_split_deterministic_and_complete():
    a, b = load_digits_as_mnist(seed=3), load_digits_as_mnist(seed=3)
    for key in a.arrays:
        np.testing.assert_array_equal(a.arrays[key], b.arrays[key])
    assert len(a.arrays["test_y"]) == 450  # a quarter of the 1,797 originals, never enlarged
    assert not np.array_equal(load_digits_as_mnist(seed=4).arrays["test_y"], a.arrays["test_y"])


def test_is_the_digits_training_split_enlarged_with_shifted_copies_of_the_same_digit():
    rng = np.random.default_rng(0)
    x = np.zeros((4, 28, 28), dtype=np.uint8)
    x[:, 10:18, 10:18] = 255  # a block well inside the 2-pixel border
    x[2:, 12, :] = 255
    y = np.array([1, 1, 5, 5], dtype=np.uint8)
    big_x, big_y = enlarge(x, y, rng, per_digit=20)
    assert sorted(np.unique(big_y, return_counts=True)[1]) == [20, 20]  # absent digits get none
    assert any(np.array_equal(image, x[0]) for image in big_x)  # the originals stay
    for image, label in zip(big_x, big_y):
        sources = x[y == label]
        assert any(np.array_equal(image, np.roll(s, (dy, dx), axis=(0, 1))) for s in sources
                   for dy in range(-MAX_SHIFT, MAX_SHIFT + 1) for dx in range(-MAX_SHIFT, MAX_SHIFT + 1)), label


def test_do_digits_outputs_say_they_hold_digits(tmp_path):
    main(out=tmp_path, dataset="digits", compress=False)
    with np.load(train_path(tmp_path)) as data:
        assert str(data["dataset"]) == "digits" and data["x"].shape[1:] == (28, 28)
    with np.load(heldout_path(tmp_path, 1, 5)) as data:
        assert set(data["y"].tolist()) == {1, 5} and str(data["dataset"]) == "digits"


def test_does_auto_fall_back_to_digits_with_a_notice(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("MNIST_DIR", raising=False)
    summary = main(out=tmp_path / "out", dataset="auto", cache_dir=tmp_path / "cache",
                   mirrors=["http://127.0.0.1:9/"], retries=1, backoff=0, progress=False)
    err = capsys.readouterr().err
    assert summary.dataset == "digits"
    assert "NOTICE: MNIST could not be loaded" in err and "127.0.0.1:9" in err
    assert len(err.splitlines()) >= 5


def test_does_auto_use_mnist_when_it_is_there(tmp_path, mnist_dir, capsys):
    summary = main(out=tmp_path, dataset="auto", mnist_dir=mnist_dir, compress=False)
    assert summary.dataset == "mnist" and "NOTICE" not in capsys.readouterr().err


def test_is_a_mnist_source_with_digits_refused(tmp_path):
    with pytest.raises(GraderError, match="--dataset digits reads no MNIST files but --mnist-dir was given"):
        main(out=tmp_path, dataset="digits", mnist_dir=tmp_path)
