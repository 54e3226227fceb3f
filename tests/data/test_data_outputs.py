"""Questions about what ``grader.data.main`` writes, and about writing all-or-nothing."""

from __future__ import annotations

import numpy as np
import pytest

import grader.data.outputs as outputs
from grader.data import PAIRS, heldout_path, main, train_path
from grader.errors import GraderError


@pytest.fixture(scope="module")
def prepared(tmp_path_factory, mnist_dir):
    """One real run of the pipeline on MNIST (compressed, as students get it)."""
    out = tmp_path_factory.mktemp("prepared") / "data"
    summary = main(out=out, mnist_dir=mnist_dir)
    return out, summary


def test_does_the_student_file_hold_mnist_train_in_original_order(prepared, mnist_arrays):
    out, _ = prepared
    with np.load(train_path(out)) as data:
        assert data["x"].dtype == np.uint8 and data["x"].shape == (60000, 28, 28)
        assert data["y"].dtype == np.uint8 and data["y"].shape == (60000,)
        np.testing.assert_array_equal(data["y"], mnist_arrays["train_y"])
        np.testing.assert_array_equal(data["x"][:100], mnist_arrays["train_x"][:100])
        assert str(data["dataset"]) == "mnist"


def test_are_the_outputs_readable_by_others_like_any_new_file(prepared):
    out, _ = prepared
    for path in [train_path(out)] + [heldout_path(out, *pair) for pair in PAIRS]:
        assert path.stat().st_mode & 0o044 == 0o044, f"{path} is not group/other readable"


@pytest.mark.parametrize("pair, counts", [((1, 5), (1135, 892)), ((7, 9), (1028, 1009))])
def test_do_the_heldout_files_hold_exactly_the_test_images_of_their_pair(prepared, mnist_arrays, pair, counts):
    out, _ = prepared
    with np.load(heldout_path(out, *pair)) as data:
        assert data["x"].shape == (sum(counts), 28, 28) and data["x"].dtype == np.uint8
        assert [int((data["y"] == d).sum()) for d in pair] == list(counts)
        assert data["pair"].tolist() == list(pair) and str(data["dataset"]) == "mnist"
        keep = np.isin(mnist_arrays["test_y"], pair)
        np.testing.assert_array_equal(data["x"], mnist_arrays["test_x"][keep])


def test_does_the_summary_name_the_dataset_source_counts_and_paths(prepared, mnist_dir):
    out, summary = prepared
    text = summary.text()
    assert "'mnist'" in text and str(mnist_dir) in text and " s:" in text
    assert str(heldout_path(out, 7, 9)) in text and "2037 images" in text and "60000 images" in text


def test_is_the_pairs_constant_what_the_assignment_uses():
    assert PAIRS == ((1, 5), (7, 9))
    assert heldout_path("d", 1, 5).as_posix() == "d/heldout/heldout_1_5.npz"


TINY = {"train_x": np.zeros((4, 28, 28), np.uint8), "train_y": np.array([1, 5, 7, 9], np.uint8),
        "test_x": np.ones((4, 28, 28), np.uint8), "test_y": np.array([1, 5, 7, 9], np.uint8)}


def fail_third_save(monkeypatch) -> list:
    """Make the third ``np.savez`` call fail as a full disk would; returns the call log."""
    calls, real_save = [], np.savez

    def failing_save(handle, **content):
        calls.append(handle)
        if len(calls) == 3:
            raise OSError("disk full")
        real_save(handle, **content)

    monkeypatch.setattr(outputs.np, "savez", failing_save)
    return calls


def test_is_nothing_written_when_a_later_file_fails(tmp_path, monkeypatch):
    calls = fail_third_save(monkeypatch)
    with pytest.raises(OSError, match="disk full"):
        outputs.write_outputs(TINY, "mnist", tmp_path / "out", compress=False)
    assert len(calls) == 3 and not (tmp_path / "out").exists()


def test_are_previous_outputs_untouched_when_a_later_file_fails(tmp_path, monkeypatch, snapshot):
    outputs.write_outputs(TINY, "digits", tmp_path, compress=False)
    before = snapshot(tmp_path)
    fail_third_save(monkeypatch)
    with pytest.raises(OSError, match="disk full"):
        outputs.write_outputs(TINY, "mnist", tmp_path, compress=False)
    assert snapshot(tmp_path) == before


def test_are_previous_outputs_kept_intact_when_the_input_is_bad(tmp_path, small_mnist_dir, snapshot):
    out = tmp_path / "out"
    main(out=out, dataset="digits", compress=False)
    before = snapshot(out)
    assert len(before) == 4  # train file, heldout folder, two heldout files
    with pytest.raises(GraderError):
        main(out=out, mnist_dir=small_mnist_dir)  # fails the checksum
    assert snapshot(out) == before


def test_is_no_output_folder_created_when_the_input_is_bad(tmp_path, small_mnist_dir):
    with pytest.raises(GraderError):
        main(out=tmp_path / "out", mnist_dir=small_mnist_dir)
    assert list(tmp_path.iterdir()) == [small_mnist_dir]
