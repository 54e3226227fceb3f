"""Questions about ``mlp-course data`` on the command line (click's CliRunner)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.data import heldout_path, train_path
from grader.data.checksums import FILES


def run(*args, env=None):
    return CliRunner().invoke(main, ["data", *map(str, args)], env=env)


def test_does_help_show_an_example_and_the_output_layout():
    result = run("--help")
    assert result.exit_code == 0
    assert "mlp-course data --mnist-dir" in result.output
    assert "heldout_1_5.npz" in result.output and "train_mnist.npz" in result.output


def test_does_a_real_run_exit_0_and_print_the_summary(tmp_path, mnist_dir):
    result = run("--mnist-dir", mnist_dir, "-o", tmp_path / "out", "--no-compress")
    assert result.exit_code == 0, result.output
    assert "Prepared 'mnist'" in result.stdout and str(heldout_path(tmp_path / "out", 1, 5)) in result.stdout
    with np.load(train_path(tmp_path / "out")) as data:
        assert data["x"].shape == (60000, 28, 28)


def test_is_mnist_dir_taken_from_the_environment(tmp_path, mnist_dir):
    result = run("-o", tmp_path / "out", "--no-compress", env={"MNIST_DIR": str(mnist_dir)})
    assert result.exit_code == 0 and str(mnist_dir) in result.stdout


def corrupt_copy(folder, mnist_dir):
    """A copy of the MNIST folder whose test-label file has one byte changed."""
    folder.mkdir()
    for name in FILES.values():
        data = bytearray((mnist_dir / name).read_bytes())
        if name == FILES["test_y"]:
            data[-10] ^= 1
        (folder / name).write_bytes(bytes(data))
    return folder


@pytest.mark.parametrize("make_args, message", [
    (lambda tmp, m: ["--mnist-dir", corrupt_copy(tmp / "bad", m)], r"t10k-labels-idx1-ubyte\.gz: SHA-256 is"),
    (lambda tmp, m: ["--mnist-dir", tmp / "nowhere"], r"MNIST folder .*nowhere does not exist"),
    (lambda tmp, m: ["--keras-npz", tmp / "none.npz"], r"none\.npz: file not found"),
    (lambda tmp, m: ["--dataset", "digits", "--mnist-dir", m], "--dataset digits reads no MNIST files"),
])
def test_does_bad_input_exit_2_with_one_error_line_and_no_output(tmp_path, mnist_dir, make_args, message):
    result = run(*make_args(tmp_path, mnist_dir), "-o", tmp_path / "out")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    assert re.search(message, lines[0])
    assert not (tmp_path / "out").exists()


def test_is_an_unknown_dataset_a_usage_error():
    result = run("--dataset", "cifar")
    assert result.exit_code == 2 and "cifar" in result.stderr


def test_does_auto_print_the_notice_and_still_succeed(tmp_path):
    result = run("--dataset", "auto", "--cache-dir", tmp_path / "cache", "--mirror", "http://127.0.0.1:9/",
                 "--retries", 1, "--no-progress", "-o", tmp_path / "out", env={"MNIST_DIR": ""})
    assert result.exit_code == 0, result.output
    assert "NOTICE" in result.stderr and "Prepared 'digits'" in result.stdout
