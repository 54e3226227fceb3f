"""Write ``mlp_reference.npz``: seeded probe inputs and the reference solution's outputs.

The file ships only inside the autograder; ``mlp_hidden_checks.py`` reads it through
``check_registry``. Every probe comes from ``np.random.default_rng(seed)``, so the same seed
gives the same file. Each part below returns two dicts, written as two namespaces
(``inputs/NAME``: may enter the student's process; ``expected/NAME``: reference outputs and
labels, never do; :func:`check_registry.namespaced`).

Names (columns are samples; outputs and labels are ``expected``, the rest ``inputs``):
- ``extract_X`` (60, 28, 28) uint8, ``extract_y`` (60,), ``extract_pairs`` (P, 2) and
  ``extract_{X,y}_{d1}_{d2}`` the reference outputs;
- ``vectorize_in`` (7, 28, 28) uint8 whose brightest pixels are ``VECTORIZE_MAXIMA`` (none
  all black), ``vectorize_out`` (784, 7);
- ``act_Z`` (4, 6), ``act_Y`` (4, 6) in (0, 1), ``act_relu_Y`` (4, 6) >= 0 and the four
  activation outputs;
- per probe network p: ``net{p}_layers``, ``net{p}_X`` (D, N), ``net{p}_Y`` (1, N),
  ``net{p}_eta``, ``net{p}_W{l}``, ``net{p}_Z{l}``, ``net{p}_A{l}``, ``net{p}_newW{l}``;
- gradient probe ``grad_layers``, ``grad_X``, ``grad_Y``, ``grad_W{l}``;
- ``predict_layers``, ``predict_W{l}``, ``predict_images`` (17, 28, 28), ``predict_out`` (17,);
- ``train_X`` (4, 64), ``train_Y`` (1, 64): a small separable problem for Q9;
  ``train_test_X`` (4, 96) held-back points of it and ``train_test_labels`` (1, 96), their
  classes (grader only).
"""

from __future__ import annotations

import numpy as np

import solutions
from grader.checks.check_registry import namespaced

NETS = (  # (layers, batch size, eta): several depths, widths and batch sizes
    ([3, 4, 1], 2, 0.5),
    ([6, 5, 4, 1], 7, 0.1),
    ([784, 16, 8, 1], 12, 0.01),
)
GRAD_LAYERS = [5, 4, 3, 1]
VECTORIZE_MAXIMA = (255, 254, 200, 128, 77, 31, 9)
HELD_BACK = 96  # held-back points of the Q9 problem (a multiple of the probe's batch size 16)
PREDICT_LAYERS = [784, 12, 1]


def _weights(rng, layers):
    return [rng.uniform(-1, 1, size=(layers[l + 1], layers[l] + 1)) for l in range(len(layers) - 1)]


def _model(layers, W, batch):
    model = solutions.NNet(input_size=layers[0], output_size=layers[-1], batch_size=batch,
                           hidden_layers=list(layers[1:-1]))
    model.W = [w.copy() for w in W]
    return model


def _data_probes(rng) -> tuple[dict, dict]:
    X = rng.integers(0, 256, size=(60, 28, 28), dtype=np.uint8)
    y = rng.integers(0, 10, size=60).astype(np.uint8)
    pairs = np.array([[1, 5], [7, 9], [0, 0]])
    inputs, expected = dict(extract_X=X, extract_y=y, extract_pairs=pairs), {}
    for d1, d2 in pairs:
        expected[f"extract_X_{d1}_{d2}"], expected[f"extract_y_{d1}_{d2}"] = solutions.extract_digits(X, y, d1, d2)
    V = rng.integers(0, 256, size=(7, 28, 28), dtype=np.uint8)
    # each image's brightest pixel is VECTORIZE_MAXIMA[k]: only a division by each image's own
    # maximum (not by 255) gives the reference; no image is all black (MNIST has none)
    V = np.minimum(V, np.array(VECTORIZE_MAXIMA, dtype=np.uint8)[:, None, None])
    inputs["vectorize_in"], expected["vectorize_out"] = V, solutions.vectorize_images(V)
    return inputs, expected


def _activation_probes(rng) -> tuple[dict, dict]:
    Z = rng.normal(0, 3, size=(4, 6))
    Z[0, :3] = [1e4, -1e4, 0.0]
    Y = rng.uniform(0, 1, size=(4, 6))
    R = np.maximum(rng.normal(size=(4, 6)), 0)
    return dict(act_Z=Z, act_Y=Y, act_relu_Y=R), dict(
        sigmoid_out=solutions.sigmoid(Z), relu_out=solutions.ReLu(Z), deriv_sigmoid_out=solutions.deriv_sigmoid(Y),
        deriv_relu_out=solutions.deriv_ReLu(R))


def _network_probes(rng) -> tuple[dict, dict]:
    out, expected = {"net_count": np.array(len(NETS))}, {}
    for p, (layers, n, eta) in enumerate(NETS):
        W = _weights(rng, layers)
        X = rng.uniform(0, 1, size=(layers[0], n))
        Y = rng.integers(0, 2, size=(1, n)).astype(float)
        model = solutions.feedforward(_model(layers, W, n), X)
        out.update({f"net{p}_layers": np.array(layers), f"net{p}_X": X, f"net{p}_Y": Y,
                    f"net{p}_eta": np.array(eta)})
        for l in range(len(W)):
            out[f"net{p}_W{l}"], expected[f"net{p}_Z{l}"], expected[f"net{p}_A{l}"] = W[l], model.Z[l], model.Y[l]
        model = solutions.backpropagation(model, X, Y, eta)
        expected.update({f"net{p}_newW{l}": model.W[l] for l in range(len(W))})
    return out, expected


def _gradient_and_predict_probes(rng) -> tuple[dict, dict]:
    out = {"grad_layers": np.array(GRAD_LAYERS), "grad_X": rng.normal(size=(GRAD_LAYERS[0], 6)),
           "grad_Y": rng.integers(0, 2, size=(1, 6)).astype(float)}
    out.update({f"grad_W{l}": w for l, w in enumerate(_weights(rng, GRAD_LAYERS))})
    images = rng.integers(0, 256, size=(17, 28, 28), dtype=np.uint8)
    W = [w * 0.2 for w in _weights(rng, PREDICT_LAYERS)]
    # centre the output unit on these images so that both digits are predicted
    hidden = solutions.ReLu(W[0] @ np.vstack([solutions.vectorize_images(images), np.ones((1, 17))]))
    W[1][0, -1] = -float(np.median(W[1][:, :-1] @ hidden)) + 1e-3
    out.update({f"predict_W{l}": w for l, w in enumerate(W)})
    out.update(predict_layers=np.array(PREDICT_LAYERS), predict_images=images)
    expected = {"predict_out": solutions.predict(_model(PREDICT_LAYERS, W, 17), images, 3, 8)}
    X = rng.uniform(-1, 1, size=(4, 64))
    out.update(train_X=X, train_Y=(X[:1] + X[1:2] > 0).astype(float))
    # held-back points of the same problem (at least 0.1 from the boundary): the probe gets the
    # points, the labels stay with the grader (in the expected namespace)
    T = rng.uniform(-1, 1, size=(4, 400))
    T = T[:, np.abs(T[0] + T[1]) > 0.1][:, :HELD_BACK]
    out["train_test_X"], expected["train_test_labels"] = T, (T[:1] + T[1:2] > 0).astype(float)
    return out, expected


def reference_values(seed: int = 4144) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """``(inputs, expected)``: the probe inputs, and the reference outputs and labels."""
    rng = np.random.default_rng(seed)
    inputs, expected = {}, {}
    for part in (_data_probes, _activation_probes, _network_probes, _gradient_and_predict_probes):
        more_inputs, more_expected = part(rng)
        inputs.update(more_inputs)
        expected.update(more_expected)
    return inputs, expected


def write_reference_values(path, seed: int = 4144) -> None:
    """Write :func:`reference_values` to ``path`` as an uncompressed npz of two namespaces."""
    with open(path, "wb") as f:
        np.savez(f, **namespaced(*reference_values(seed)))
