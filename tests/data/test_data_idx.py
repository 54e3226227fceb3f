"""Questions about reading IDX gzip files (``grader.data.idx``) on tiny files the tests write."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from grader.data.idx import check_pair, read_idx_gz
from grader.errors import GraderError


def test_are_images_read_back_with_their_shape_and_pixels(tmp_path, write_idx):
    images = np.random.default_rng(1).integers(0, 256, (5, 28, 28)).astype(np.uint8)
    got = read_idx_gz(write_idx(tmp_path / "im.gz", images), ndim=3)
    assert got.dtype == np.uint8 and got.shape == (5, 28, 28)
    np.testing.assert_array_equal(got, images)


def test_are_labels_read_back_in_order(tmp_path, write_idx):
    labels = np.array([3, 1, 4, 1, 5, 9, 2, 6], dtype=np.uint8)
    got = read_idx_gz(write_idx(tmp_path / "lab.gz", labels), ndim=1)
    np.testing.assert_array_equal(got, labels)


def test_is_an_error_raised_when_the_magic_number_is_wrong(tmp_path, write_idx):
    path = write_idx(tmp_path / "bad.gz", np.zeros(4, np.uint8), magic=b"\0\0\x09\x01")
    with pytest.raises(GraderError, match=r"bad\.gz: wrong IDX magic number 2305 \(expected 2049"):
        read_idx_gz(path, ndim=1)


def test_is_a_label_file_refused_where_images_are_expected(tmp_path, write_idx):
    path = write_idx(tmp_path / "labels-as-images.gz", np.zeros(4, np.uint8))
    with pytest.raises(GraderError, match="expected 2051"):
        read_idx_gz(path, ndim=3)


def test_is_an_error_raised_when_the_header_size_disagrees_with_the_data(tmp_path):
    raw = bytes([0, 0, 8, 1]) + (10).to_bytes(4, "big") + bytes(7)  # says 10 labels, holds 7
    path = tmp_path / "short.gz"
    path.write_bytes(gzip.compress(raw))
    with pytest.raises(GraderError, match=r"short\.gz: IDX header says shape \(10,\) .* holds 15 bytes"):
        read_idx_gz(path, ndim=1)


def test_is_an_error_raised_for_images_that_are_not_28_by_28(tmp_path, write_idx):
    path = write_idx(tmp_path / "small.gz", np.zeros((2, 8, 8), np.uint8))
    with pytest.raises(GraderError, match="8x8, expected 28x28"):
        read_idx_gz(path, ndim=3)


def test_is_a_truncated_gzip_reported_with_its_name_and_a_fix(tmp_path, write_idx):
    path = write_idx(tmp_path / "cut.gz", np.zeros((3, 28, 28), np.uint8))
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(GraderError, match=r"cut\.gz: not a readable gzip file .*download a fresh copy"):
        read_idx_gz(path, ndim=3)


def test_is_a_file_that_is_not_gzip_reported(tmp_path):
    path = tmp_path / "plain.gz"
    path.write_bytes(b"this is not gzip data at all")
    with pytest.raises(GraderError, match=r"plain\.gz: not a readable gzip file"):
        read_idx_gz(path, ndim=1)


def test_is_a_corrupted_gzip_body_reported(tmp_path, write_idx):
    path = write_idx(tmp_path / "flip.gz", np.arange(200, dtype=np.uint8))
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(GraderError, match=r"flip\.gz: not a readable gzip file"):
        read_idx_gz(path, ndim=1)


def test_is_a_missing_file_reported_with_the_fix(tmp_path):
    with pytest.raises(GraderError, match=r"nothere\.gz: file not found; put the four MNIST"):
        read_idx_gz(tmp_path / "nothere.gz", ndim=1)


def test_is_an_error_raised_when_image_and_label_counts_differ():
    with pytest.raises(GraderError, match="3 images but 2 labels"):
        check_pair(np.zeros((3, 28, 28), np.uint8), np.zeros(2, np.uint8), where="x")


def test_is_a_label_above_nine_refused():
    with pytest.raises(GraderError, match="label 12 is not a digit"):
        check_pair(np.zeros((2, 28, 28), np.uint8), np.array([1, 12], np.uint8), where="x")
