"""The notebook's answer cells that are statements rather than functions (Q4, Q11, Q12).

The body of each function is one answer cell of the master notebook, inserted there by a
``# SOLUTION BODY: solutions.cells.<name>`` line (``grader/assemble/expand.py``). Its
parameters are the notebook variables the cell reads; its final ``return`` (left out of the
notebook) names the variables the cell defines, so that tests can call it.

Symbols: N raw images (N, 28, 28) with labels (N,); n of them show one of the pair.
"""

from __future__ import annotations

import numpy as np

from .data_prep import add_shifted_copies, extract_digits, vectorize_images
from .training import train_NNet


def q4_pair_1_5(train_X, train_y):
    """Q4: the images of 1s and 5s X_1_5 (n, 28, 28), their columns train_X_1_5 (784, n) and
    their classes train_y_1_5 (n,): 0 for a 1, 1 for a 5."""
    X_1_5, y_1_5 = extract_digits(train_X, train_y, 1, 5)
    train_X_1_5 = vectorize_images(X_1_5)
    train_y_1_5 = np.where(y_1_5 == 1, 0, 1)
    return X_1_5, train_X_1_5, train_y_1_5


def q11_model_1_5(train_X_1_5, train_y_1_5):
    """Q11: model_1_5 trained with ``models.HYPERPARAMS["1_5"]`` on the shifted copies."""
    model_1_5 = train_NNet(*add_shifted_copies(train_X_1_5, train_y_1_5.reshape(1, -1)),
                           epochs=6, batch_size=128, eta=0.1, hidden_layers=[128, 64], init_scale=0.1,
                           warmup_epochs=1, eta_decay=True, max_step=0.5, seed=0)
    return model_1_5


def q12_model_7_9(train_X, train_y):
    """Q12: the 7 vs 9 data as in Q4 (7 is class 0; columns in float32, the type training
    uses) and model_7_9 trained with ``models.HYPERPARAMS["7_9"]`` on the shifted copies."""
    X_7_9, y_7_9 = extract_digits(train_X, train_y, 7, 9)
    train_X_7_9 = vectorize_images(X_7_9).astype(np.float32)
    train_y_7_9 = np.where(y_7_9 == 7, 0, 1)
    model_7_9 = train_NNet(*add_shifted_copies(train_X_7_9, train_y_7_9.reshape(1, -1)),
                           epochs=6, batch_size=128, eta=0.1, hidden_layers=[128, 64], init_scale=0.1,
                           warmup_epochs=1, eta_decay=True, max_step=0.5, seed=0)
    return X_7_9, train_X_7_9, train_y_7_9, model_7_9
