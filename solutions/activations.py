"""Activation functions and their derivatives, applied elementwise.

The derivatives take the activation OUTPUT ``Y`` (not ``Z``): during
backpropagation the outputs are already stored in the model, so no extra
evaluation of the activation is needed.
"""

from __future__ import annotations

import numpy as np

# exp(-700) is about 1e-304, still a normal float64: capping |Z| there keeps
# np.exp from underflowing (which numpy reports as a warning) for any finite Z.
_EXP_CAP = 700.0


def sigmoid(Z):
    """Logistic function 1 / (1 + exp(-Z)) of an array of any shape.

    Evaluated in float64 in a form that never overflows: with e = exp(-|Z|) in
    (0, 1], sigmoid(Z) = 1 / (1 + e) where Z >= 0 and e / (1 + e) where Z < 0.
    A float input keeps its dtype (so float32 training stays float32); other
    inputs give float64.
    """
    Z = np.asarray(Z)
    dtype = Z.dtype if Z.dtype.kind == "f" else np.float64
    Z = np.asarray(Z, dtype=np.float64)  # no copy if Z is float64 already
    e = np.exp(-np.minimum(np.abs(Z), _EXP_CAP))
    Y = np.where(Z >= 0, 1.0, e) / (1.0 + e)
    with np.errstate(under="ignore"):  # below float32's range (1e-38) is 0, as it should be
        return Y.astype(dtype, copy=False)


def deriv_sigmoid(Y):
    """Derivative of the sigmoid written with its output: Y * (1 - Y)."""
    return Y * (1 - Y)


def ReLu(Z):
    """Rectified linear unit max(0, Z), elementwise."""
    return np.maximum(Z, 0)


def deriv_ReLu(Y):
    """Derivative of ReLU from its output: 1.0 where Y > 0, else 0.0 (float array)."""
    Y = np.asarray(Y)
    return (Y > 0).astype(Y.dtype if Y.dtype.kind == "f" else float)
