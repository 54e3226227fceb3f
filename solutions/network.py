"""The multi-layer perceptron: its parameters, forward pass and backward pass.

Symbols: N samples (columns), D = 784 inputs, L = number of weight layers,
layers = [D, H_1, ..., H_{L-1}, 1]. ``W[l]`` has shape (layers[l+1], layers[l] + 1):
its last column holds the biases, which multiply a row of ones appended as the
last row of the layer input. Hidden layers use ReLU, the output a sigmoid, and
the cost of a batch is C = 1/2 * ||Y_L - Y||^2 (a sum over the batch).
"""

from __future__ import annotations

import numpy as np

from .activations import ReLu, deriv_ReLu, deriv_sigmoid, sigmoid


class NNet:
    """MLP parameters and per-layer storage.

    ``Y[l]`` and ``Z[l]`` (layers[l+1], batch) hold the outputs and
    pre-activations of layer l+1 after a feedforward; ``W[l]`` its weights,
    uniform in [-1, 1], drawn from numpy's global RNG in layer order.
    """

    def __init__(self, input_size=784, output_size=1, batch_size=1000,
                 hidden_layers=(512, 256, 64)):
        self.Y = []
        self.Z = []
        self.W = []
        self.input_size = input_size
        self.output_size = output_size
        self.batch_size = batch_size
        self.hidden_layers = list(hidden_layers)  # a fresh list: no shared default

        layers = [input_size] + self.hidden_layers + [output_size]
        for n_in, n_out in zip(layers[:-1], layers[1:]):
            self.Y.append(np.zeros((n_out, batch_size)))
            self.Z.append(np.zeros((n_out, batch_size)))
            self.W.append(2 * (np.random.rand(n_out, n_in + 1) - 0.5))


def with_bias_row(A):
    """(n, N) -> (n + 1, N): ``A`` with a row of ones appended as its last row."""
    return np.vstack([A, np.ones((1, A.shape[1]), dtype=A.dtype)])


def feedforward(model, X):
    """Forward pass of X (D, N), any N. Stores Z[l], Y[l] (layers[l+1], N); returns model."""
    A = X
    last = len(model.W) - 1
    for l, W in enumerate(model.W):
        Z = W @ with_bias_row(A)
        A = sigmoid(Z) if l == last else ReLu(Z)
        model.Z[l] = Z
        model.Y[l] = A
    return model


def gradients(model, X, Y):
    """dC/dW[l] for every layer, from the Y/Z stored by ``feedforward(model, X)``.

    X (D, N) inputs, Y (output_size, N) targets. Returns a list shaped like ``model.W``.
    """
    L = len(model.W)
    grads = [None] * L
    dC_dY = model.Y[-1] - Y
    for l in reversed(range(L)):
        deriv = deriv_sigmoid if l == L - 1 else deriv_ReLu
        dC_dZ = deriv(model.Y[l]) * dC_dY
        Y_prev = X if l == 0 else model.Y[l - 1]
        grads[l] = dC_dZ @ with_bias_row(Y_prev).T
        if l > 0:
            dC_dY = model.W[l][:, :-1].T @ dC_dZ  # the bias column feeds no earlier layer
    return grads


def backpropagation(model, X, Y, eta=0.01):
    """One gradient step W[l] <- W[l] - eta * dC/dW[l] on every layer; returns model.

    All gradients are taken at the current weights before any is updated.
    """
    grads = gradients(model, X, Y)
    model.W = [W - eta * G for W, G in zip(model.W, grads)]
    return model
