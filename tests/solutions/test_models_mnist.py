"""Does the answer key's 1-vs-5 model do well on real held-out MNIST digits?"""

import os

import numpy as np
import pytest

from solutions import HYPERPARAMS, extract_digits, model_1_5, predict


@pytest.fixture(scope="module")
def mnist():
    if not os.environ.get("MNIST_DIR"):
        pytest.skip("MNIST_DIR is not set: point it at the folder with the four MNIST IDX files")
    from grader.data import load_mnist

    return load_mnist(os.environ["MNIST_DIR"])


def test_do_both_pairs_have_every_hyperparameter_train_needs():
    for key in ("1_5", "7_9"):
        assert {"hidden_layers", "batch_size", "eta", "epochs"} <= set(HYPERPARAMS[key])


@pytest.mark.slow
def test_does_model_1_5_classify_held_out_ones_and_fives(mnist):
    model = model_1_5(mnist["train_x"], mnist["train_y"], seed=0)
    images, labels = extract_digits(mnist["test_x"], mnist["test_y"], 1, 5)
    accuracy = np.mean(predict(model, images, 1, 5) == labels)
    assert accuracy >= 0.995, f"held-out accuracy {accuracy:.4f}"
    n_train = int(np.isin(mnist["train_y"], [1, 5]).sum())
    params = HYPERPARAMS["1_5"]
    assert len(model.cost_history) == params["epochs"] * -(-n_train // params["batch_size"])
