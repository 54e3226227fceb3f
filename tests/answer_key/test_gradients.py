"""Do the backpropagated gradients agree with centred finite differences?"""

import numpy as np

from solutions import NNet, backpropagation, feedforward, gradients

STEP = 1e-6


def cost(model, X, Y):
    """C = 1/2 ||Y_L - Y||^2 summed over the batch."""
    return 0.5 * np.sum((feedforward(model, X).Y[-1] - Y) ** 2)


def numeric_gradient(model, X, Y, l):
    """Centred difference dC/dW[l], one weight (bias column included) at a time."""
    grad = np.zeros_like(model.W[l])
    for idx in np.ndindex(grad.shape):
        saved = model.W[l][idx]
        model.W[l][idx] = saved + STEP
        up = cost(model, X, Y)
        model.W[l][idx] = saved - STEP
        down = cost(model, X, Y)
        model.W[l][idx] = saved
        grad[idx] = (up - down) / (2 * STEP)
    return grad


def rel_error(a, b):
    return np.max(np.abs(a - b)) / max(np.max(np.abs(a) + np.abs(b)), 1e-12)


def small_problem():
    rng = np.random.default_rng(3)
    np.random.seed(3)
    model = NNet(input_size=5, output_size=1, batch_size=7, hidden_layers=[6, 4, 3])
    model.W = [0.8 * W for W in model.W]
    X = rng.random((5, 7))
    Y = rng.integers(0, 2, size=(1, 7)).astype(float)
    return model, X, Y


def test_do_backpropagated_gradients_match_finite_differences_in_every_layer():
    model, X, Y = small_problem()
    analytic = gradients(feedforward(model, X), X, Y)
    assert len(analytic) == 4
    for l, grad in enumerate(analytic):
        assert grad.shape == model.W[l].shape
        numeric = numeric_gradient(model, X, Y, l)
        assert np.any(numeric != 0), f"layer {l}: every ReLU is dead, pick another seed"
        assert rel_error(grad, numeric) < 1e-6, f"layer {l}"


def test_does_backpropagation_step_by_eta_times_the_gradient_taken_before_the_update():
    model, X, Y = small_problem()
    before = [W.copy() for W in model.W]
    expected = gradients(feedforward(model, X), X, Y)
    backpropagation(model, X, Y, eta=0.5)
    for W_old, W_new, grad in zip(before, model.W, expected):
        np.testing.assert_allclose(W_old - W_new, 0.5 * grad, rtol=1e-12, atol=1e-15)
