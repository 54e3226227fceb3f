"""Mini-batch stochastic gradient descent for ``NNet``.

Symbols: N samples (columns of X), D = 784 inputs, L weight layers.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .network import NNet, backpropagation, feedforward


def train_NNet(X, Y, epochs=20, batch_size=1000, eta=0.01, hidden_layers=None,
               seed=None, plot=True, *, init_scale=1.0, eta_decay=False, warmup_epochs=0,
               dtype=np.float32, init_jitter=0.0, max_step=None):
    """Train an ``NNet`` on X (D, N) with targets Y (1, N) in {0, 1}.

    Each epoch shuffles the columns, then runs feedforward + backpropagation on
    consecutive mini-batches (the last one may be smaller). Per iteration it
    records the batch cost C = 1/2 ||Y_L - Y||^2 and the Frobenius norm of each
    layer's weight change; they are attached as ``model.cost_history`` (list of
    floats) and ``model.weight_change_history`` (one list of L norms per
    iteration) and, unless ``plot=False``, drawn at the end.

    Training runs in ``dtype``, float32 by default (X, Y and the weights are
    converted): half the memory of float64 and about twice the speed of its
    matrix products, with no loss of accuracy at this scale. The returned
    weights have that dtype.

    Options:
      hidden_layers: hidden sizes; None keeps the NNet default.
      seed: seeds numpy's global RNG (initial weights and shuffles) for a
        reproducible run.
      init_scale: a number multiplies every initial weight by it; "fan_in"
        multiplies layer l's weights by sqrt(6 / fan_in), fan_in = layers[l],
        so that every layer starts with outputs about as large as its inputs
        (the uniform [-1, 1] weights of NNet otherwise blow activations up layer
        after layer and saturate the output sigmoid).
      eta_decay: if True, the learning rate falls linearly from ``eta`` to 0
        over the run so the last steps fine-tune instead of jumping around.
      warmup_epochs: the learning rate rises linearly from about 0 to ``eta``
        over this many epochs, so that no large early step, taken while the
        weights are still random, can switch off every ReLU for good.
      max_step: when a step changes the weights by more than this (the
        Frobenius norm of all layers' changes together), the change is scaled
        down to this length. A rare batch can ask for a step a hundred times the
        usual one; taken whole, it can push every output into the flat end of the
        sigmoid (or switch off every ReLU) for good, so the network stops
        learning and predicts one class. None takes every step whole.
      init_jitter: adds uniform noise in [-init_jitter, init_jitter] to every
        initial weight, drawn from its own generator (seeded by ``seed``) so the
        shuffles stay the same; 0 adds nothing. Used to check that a recipe is
        stable: a tiny jitter must not change how training ends.
    """
    if seed is not None:
        np.random.seed(seed)
    X = np.asarray(X, dtype=dtype)
    Y = np.asarray(Y, dtype=dtype).reshape(-1, X.shape[1])
    options = {} if hidden_layers is None else {"hidden_layers": hidden_layers}
    model = NNet(input_size=X.shape[0], output_size=Y.shape[0], batch_size=batch_size, **options)
    jitter = np.random.default_rng(seed)
    model.W = [(W * _initial_scale(W, init_scale)
                + (jitter.uniform(-init_jitter, init_jitter, W.shape) if init_jitter else 0.0)).astype(dtype)
               for W in model.W]

    n_samples = X.shape[1]
    batches_per_epoch = -(-n_samples // batch_size)
    n_iterations = epochs * batches_per_epoch
    warmup = warmup_epochs * batches_per_epoch
    costs, changes = [], []
    for epoch in range(epochs):
        order = np.random.permutation(n_samples)
        for start in range(0, n_samples, batch_size):
            cols = order[start:start + batch_size]
            rate = _learning_rate(eta, len(costs), n_iterations, warmup, eta_decay)
            cost, change = _sgd_step(model, X[:, cols], Y[:, cols], rate, max_step)
            costs.append(cost)
            changes.append(change)

    model.cost_history = costs
    model.weight_change_history = changes
    # Drop the training data before plotting: drawing leaves this call's frame in a reference
    # cycle that only the garbage collector frees, and X can be the 190 MB of shifted copies.
    del X, Y
    if plot:
        plot_training(costs, changes)
    return model


def _initial_scale(W, init_scale):
    """Factor for the initial weights W (n_out, fan_in + 1); see ``train_NNet``."""
    if init_scale == "fan_in":
        return np.sqrt(6.0 / (W.shape[1] - 1))
    return float(init_scale)


def _learning_rate(eta, iteration, n_iterations, warmup, decay):
    """Step size at ``iteration`` (0-based): ``eta``, ramped up over the first
    ``warmup`` iterations and, if ``decay``, scaled down linearly to 0 at the end."""
    rate = eta * min(1.0, (iteration + 1) / warmup) if warmup else eta
    return rate * (1 - iteration / n_iterations) if decay else rate


def _sgd_step(model, X_batch, Y_batch, eta, max_step=None):
    """One feedforward + backpropagation, its change shortened to ``max_step`` if longer;
    returns (batch cost, [||dW_l||_F for each l])."""
    before = model.W
    feedforward(model, X_batch)
    cost = 0.5 * float(np.sum((model.Y[-1] - Y_batch) ** 2))
    backpropagation(model, X_batch, Y_batch, eta)
    changes = [float(np.linalg.norm(new - old)) for new, old in zip(model.W, before)]
    length = float(np.sqrt(np.sum(np.square(changes))))
    if max_step is not None and length > max_step:
        shrink = max_step / length
        model.W = [old + (new - old) * np.asarray(shrink, dtype=new.dtype) for new, old in zip(model.W, before)]
        changes = [c * shrink for c in changes]
    return cost, changes


def plot_training(costs, changes):
    """Cost per iteration and each layer's weight-change norm per iteration, side by side."""
    fig, (ax_cost, ax_change) = plt.subplots(1, 2, figsize=(12, 4))
    ax_cost.plot(costs)
    ax_cost.set(title="Cost of each mini-batch", xlabel="iteration",
                ylabel="C = 1/2 ||Y_L - Y||^2")
    ax_cost.set_yscale("log")
    per_layer = np.asarray(changes)
    for l in range(per_layer.shape[1]):
        ax_change.plot(per_layer[:, l], label=f"layer {l + 1}")
    ax_change.set(title="Size of each weight update", xlabel="iteration",
                  ylabel="||W_new - W_old||_F")
    ax_change.set_yscale("log")
    ax_change.legend()
    fig.tight_layout()
    return fig
