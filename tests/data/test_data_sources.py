"""Questions about the MNIST sources: a folder of IDX files and a Keras ``mnist.npz``."""

from __future__ import annotations

import numpy as np
import pytest

from grader.data import find_mnist, load_mnist
from grader.data.checksums import FILES
from grader.data.sources import from_directory, from_keras_npz
from grader.errors import GraderError

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_does_a_folder_of_non_canonical_files_fail_the_checksum(small_mnist_dir):
    with pytest.raises(GraderError, match=r"train-images-idx3-ubyte\.gz: SHA-256 is .* expected 440fcabf73cc"):
        from_directory(small_mnist_dir)


def test_are_small_files_read_when_the_checksum_is_not_asked_for(small_mnist_dir):
    arrays = load_mnist(small_mnist_dir, verify=False)
    assert arrays["train_x"].shape == (6, 28, 28) and arrays["test_y"].shape == (4,)


def test_is_a_count_mismatch_between_images_and_labels_reported(small_mnist_dir, write_idx):
    write_idx(small_mnist_dir / FILES["test_y"], np.zeros(3, np.uint8))
    with pytest.raises(GraderError, match=r"t10k-images-idx3-ubyte\.gz and t10k-labels.*4 images but 3 labels"):
        from_directory(small_mnist_dir, verify=False)


def test_is_a_missing_file_in_the_folder_named(small_mnist_dir):
    (small_mnist_dir / FILES["test_x"]).unlink()
    with pytest.raises(GraderError, match=r"t10k-images-idx3-ubyte\.gz: file not found"):
        from_directory(small_mnist_dir, verify=False)


@pytest.mark.parametrize("make, message", [
    (lambda p: p, "does not exist"),
    (lambda p: (p.write_text("x"), p)[1], "is not a folder"),
])
def test_is_a_bad_mnist_folder_reported(tmp_path, make, message):
    with pytest.raises(GraderError, match=f"MNIST folder .*{message}"):
        from_directory(make(tmp_path / "mnist"))


def test_does_the_real_mnist_have_the_canonical_shapes_and_counts(mnist_arrays):
    a = mnist_arrays
    assert a["train_x"].shape == (60000, 28, 28) and a["test_x"].shape == (10000, 28, 28)
    assert all(v.dtype == np.uint8 for v in a.values())
    assert np.bincount(a["train_y"]).tolist() == TRAIN_COUNTS
    assert np.bincount(a["test_y"]).tolist() == TEST_COUNTS
    assert a["train_y"][:5].tolist() == [5, 0, 4, 1, 9]  # the original MNIST order


def test_is_mnist_dir_from_the_environment_used_when_no_option_is_given(mnist_dir, monkeypatch):
    monkeypatch.setenv("MNIST_DIR", str(mnist_dir))
    loaded = find_mnist()
    assert loaded.dataset == "mnist" and str(mnist_dir) in loaded.source


@pytest.fixture
def keras_npz(tmp_path, mnist_arrays):
    """A Keras-style mnist.npz holding the real arrays."""
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=mnist_arrays["train_x"], y_train=mnist_arrays["train_y"],
             x_test=mnist_arrays["test_x"], y_test=mnist_arrays["test_y"])
    return path


def test_does_the_keras_npz_give_the_same_arrays_as_the_idx_files(keras_npz, mnist_arrays):
    loaded = from_keras_npz(keras_npz)
    assert loaded.dataset == "mnist" and "Keras npz" in loaded.source
    for key, array in mnist_arrays.items():
        np.testing.assert_array_equal(loaded.arrays[key], array)


def test_is_a_keras_npz_with_missing_keys_reported(tmp_path):
    path = tmp_path / "partial.npz"
    np.savez(path, x_train=np.zeros((2, 28, 28), np.uint8), y_train=np.zeros(2, np.uint8))
    with pytest.raises(GraderError, match=r"partial\.npz: missing key\(s\) x_test, y_test"):
        from_keras_npz(path)


def test_is_a_keras_npz_with_wrong_shapes_reported(tmp_path):
    path = tmp_path / "flat.npz"
    np.savez(path, x_train=np.zeros((2, 784), np.uint8), y_train=np.zeros(2, np.uint8),
             x_test=np.zeros((1, 28, 28), np.uint8), y_test=np.zeros(1, np.uint8))
    with pytest.raises(GraderError, match=r"flat\.npz: x_train has shape \(2, 784\)"):
        from_keras_npz(path)


def test_is_a_file_that_is_not_an_npz_reported(tmp_path):
    path = tmp_path / "mnist.npz"
    path.write_bytes(b"PK\x03\x04 but not really a zip")
    with pytest.raises(GraderError, match=r"mnist\.npz: not a readable \.npz file"):
        from_keras_npz(path)


def test_are_both_sources_at_once_refused(tmp_path):
    with pytest.raises(GraderError, match="pass only one"):
        find_mnist(mnist_dir=tmp_path, keras_npz=tmp_path / "a.npz")


def test_is_an_unreadable_folder_reported(tmp_path, monkeypatch):
    def refuse(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("grader.data.sources.os.scandir", refuse)  # chmod does not stop root
    with pytest.raises(GraderError, match=r"MNIST folder .* cannot be read \(Permission denied\)"):
        from_directory(tmp_path)


def test_are_integer_arrays_of_a_keras_npz_turned_into_uint8(tmp_path):
    path = tmp_path / "ints.npz"
    np.savez(path, x_train=np.full((2, 28, 28), 255, np.int64), y_train=np.array([1, 5]),
             x_test=np.zeros((1, 28, 28), np.int32), y_test=np.array([7]))
    arrays = from_keras_npz(path).arrays
    assert all(a.dtype == np.uint8 for a in arrays.values()) and arrays["train_x"].max() == 255


def test_are_pixel_values_outside_0_to_255_refused_in_a_keras_npz(tmp_path):
    path = tmp_path / "floats.npz"
    np.savez(path, x_train=np.full((2, 28, 28), 0.5), y_train=np.array([1, 5]),
             x_test=np.zeros((1, 28, 28), np.uint8), y_test=np.array([7], np.uint8))
    with pytest.raises(GraderError, match=r"floats\.npz: x_train is not uint8"):
        from_keras_npz(path)
