"""Predicting digits with a trained network."""

from __future__ import annotations

import numpy as np

from .data_prep import vectorize_images
from .network import feedforward


def predict(model, test_images, d1, d2):
    """Raw images (N, 28, 28) -> predicted digits (N,), each either d1 or d2.

    Class 1 (sigmoid output >= 0.5) means d2, class 0 means d1.
    """
    X = vectorize_images(test_images)
    output = feedforward(model, X).Y[-1][0]
    return np.where(output >= 0.5, d2, d1)
