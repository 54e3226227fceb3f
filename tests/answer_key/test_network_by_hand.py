"""Does the network reproduce a forward and backward pass worked out by hand?

Network: 2 inputs -> 2 ReLU hidden units -> 1 sigmoid output, one sample.

    x = [1, 2]
    W0 = [[ 0.1, 0.2,  0.0],      (last column = bias)
          [-0.3, 0.1, -0.1]]
    W1 = [[ 0.5, -0.5, 0.0]]

Forward:
    Z0 = W0 @ [1, 2, 1] = [0.1 + 0.4 + 0, -0.3 + 0.2 - 0.1] = [0.5, -0.2]
    Y0 = ReLU(Z0) = [0.5, 0.0]
    Z1 = W1 @ [0.5, 0, 1] = 0.25
    Y1 = sigmoid(0.25) = 1 / (1 + e^-0.25) = 0.5621765008857981

Backward with target t = 1:
    dC/dY1 = Y1 - t              = -0.4378234991142019
    dC/dZ1 = Y1 (1 - Y1) dC/dY1  = 0.2461340827 * -0.4378234991 = -0.1077632854
    dC/dW1 = dC/dZ1 * [0.5, 0, 1] = [-0.0538816427, 0, -0.1077632854]
    dC/dY0 = W1[:, :2]^T dC/dZ1  = [-0.0538816427, 0.0538816427]
    dC/dZ0 = [1, 0] * dC/dY0      = [-0.0538816427, 0]   (ReLU' is 0 where Y0 = 0)
    dC/dW0 = dC/dZ0 [1, 2, 1]    = [[-0.0538816427, -0.1077632854, -0.0538816427],
                                    [0, 0, 0]]
With eta = 1, new W = W - dC/dW.
"""

import numpy as np
import pytest

from solutions import NNet, backpropagation, feedforward

X = np.array([[1.0], [2.0]])
TARGET = np.array([[1.0]])
W0 = np.array([[0.1, 0.2, 0.0], [-0.3, 0.1, -0.1]])
W1 = np.array([[0.5, -0.5, 0.0]])
G1 = -0.10776328535543979  # dC/dZ1 (from the docstring, written out in full)
NEW_W0 = W0 - np.array([[0.5 * G1, 1.0 * G1, 0.5 * G1], [0.0, 0.0, 0.0]])
NEW_W1 = W1 - np.array([[0.5 * G1, 0.0, G1]])


@pytest.fixture
def tiny():
    model = NNet(input_size=2, output_size=1, batch_size=1, hidden_layers=[2])
    model.W = [W0.copy(), W1.copy()]
    return model


def test_does_feedforward_match_the_hand_computed_values(tiny):
    feedforward(tiny, X)
    np.testing.assert_allclose(tiny.Z[0], [[0.5], [-0.2]], atol=1e-12)
    np.testing.assert_allclose(tiny.Y[0], [[0.5], [0.0]], atol=1e-12)
    np.testing.assert_allclose(tiny.Z[1], [[0.25]], atol=1e-12)
    np.testing.assert_allclose(tiny.Y[1], [[0.5621765008857981]], rtol=1e-12)


def test_does_backpropagation_match_the_hand_computed_weights(tiny):
    backpropagation(feedforward(tiny, X), X, TARGET, eta=1.0)
    np.testing.assert_allclose(tiny.W[1], NEW_W1, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(tiny.W[0], NEW_W0, rtol=1e-9, atol=1e-12)


def test_does_eta_scale_the_step(tiny):
    backpropagation(feedforward(tiny, X), X, TARGET, eta=0.01)
    np.testing.assert_allclose(tiny.W[1] - W1, 0.01 * (NEW_W1 - W1), rtol=1e-9, atol=1e-14)
