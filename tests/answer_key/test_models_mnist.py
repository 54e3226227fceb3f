"""Do the answer key's models reach the targets on real held-out MNIST digits, whatever the rounding?

The grader trains with one BLAS thread, so the accuracy tests do too. A recipe on the edge
of divergence lands on 99.9 % with one rounding and 56 % with another (a different thread
count, CPU kernel or a 1e-7 change of the initial weights): the perturbation test catches it.
"""

import os

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from solutions import HYPERPARAMS, extract_digits, model_1_5, model_7_9, predict, prepare_pair
from solutions.models import train_reference


@pytest.fixture(scope="module")
def mnist():
    if not os.environ.get("MNIST_DIR"):
        pytest.skip("MNIST_DIR is not set: point it at the folder with the four MNIST IDX files")
    from grader.data import load_mnist

    return load_mnist(os.environ["MNIST_DIR"])


def test_do_both_pairs_have_every_hyperparameter_train_needs():
    for key in ("1_5", "7_9"):
        assert {"hidden_layers", "batch_size", "eta", "epochs"} <= set(HYPERPARAMS[key])


def held_out_accuracy(model, mnist, pair) -> float:
    images, labels = extract_digits(mnist["test_x"], mnist["test_y"], *pair)
    return float(np.mean(predict(model, images, *pair) == labels))


@pytest.mark.slow
@pytest.mark.parametrize("build, pair, target", [
    (model_1_5, (1, 5), 0.997),  # measured 99.85-100 % over seeds, threads, kernels (AVX2 and AVX-512):
    # bench/REFERENCE.md; 0.997 leaves 3 images of margin below the worst run
    (model_7_9, (7, 9), 0.994),  # measured 99.46-99.85 % over all seeds; seed 0: 99.61 % here
])
def test_does_the_model_reach_its_held_out_target_with_one_blas_thread(mnist, build, pair, target):
    with threadpool_limits(limits=1, user_api="blas"):
        model = build(mnist["train_x"], mnist["train_y"], seed=0)
    accuracy = held_out_accuracy(model, mnist, pair)
    assert accuracy >= target, f"{pair}: held-out accuracy {accuracy:.4f} < {target}"
    n_train = int(np.isin(mnist["train_y"], pair).sum())
    params = HYPERPARAMS[f"{pair[0]}_{pair[1]}"]
    # trained on the images and their four shifted copies
    assert len(model.cost_history) == params["epochs"] * -(-5 * n_train // params["batch_size"])


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_does_rounding_leave_the_1_5_recipe_where_it_was(mnist, seed):
    """Threads 1 and 2 and a 1e-7 jitter of the initial weights: every run learns (training
    accuracy >= 99 %) and the held-out accuracies stay within 10 test images of each other."""
    X, Y = prepare_pair(mnist["train_x"], mnist["train_y"], 1, 5)
    runs = {}
    for name, threads, jitter in (("1 thread", 1, 0.0), ("2 threads", 2, 0.0), ("jitter 1e-7", 1, 1e-7)):
        with threadpool_limits(limits=threads, user_api="blas"):
            model = train_reference("1_5", X, Y, seed=seed, init_jitter=jitter)
        train = float(np.mean((predict(model, mnist["train_x"][np.isin(mnist["train_y"], (1, 5))], 1, 5) == 5)
                              == (Y[0] == 1)))
        runs[name] = (train, held_out_accuracy(model, mnist, (1, 5)))
    assert all(train >= 0.99 for train, _ in runs.values()), f"seed {seed}: a run did not learn: {runs}"
    held = [acc for _, acc in runs.values()]
    assert max(held) - min(held) <= 10 / 2027, f"seed {seed}: rounding moved the outcome: {runs}"
