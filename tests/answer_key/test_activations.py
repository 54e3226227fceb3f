"""Are the activation functions right, and is sigmoid safe for huge inputs?"""

import warnings

import numpy as np
import pytest

from solutions import ReLu, deriv_ReLu, deriv_sigmoid, sigmoid


@pytest.mark.parametrize("z", [1e4, -1e4, 1e308, -1e308, 745.0, -745.0])
def test_is_sigmoid_warning_free_and_finite_for_extreme_inputs(z):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            y = sigmoid(np.array([z, 0.0]))
    assert np.all(np.isfinite(y))
    assert y[0] == pytest.approx(1.0 if z > 0 else 0.0, abs=1e-300)
    assert y[1] == 0.5


@pytest.mark.parametrize("z", [1e4, -1e4, 100.0, -100.0, 3e38, -3e38])
def test_does_sigmoid_keep_float32_and_stay_warning_free(z):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            y = sigmoid(np.array([z, 0.0], dtype=np.float32))
    assert y.dtype == np.float32  # float32 training must not drift back to float64
    assert y[0] == pytest.approx(1.0 if z > 0 else 0.0, abs=1e-37) and y[1] == 0.5
    assert sigmoid(np.array([2, -2])).dtype == np.float64  # integers give float64


def test_does_sigmoid_match_the_textbook_formula_on_moderate_inputs():
    z = np.linspace(-30, 30, 121).reshape(11, 11)
    np.testing.assert_allclose(sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-14)


def test_are_the_derivatives_written_with_the_activation_output():
    y = np.array([[0.0, 0.25, 0.5, 1.0]])
    np.testing.assert_allclose(deriv_sigmoid(y), [[0.0, 0.1875, 0.25, 0.0]])
    relu_prime = deriv_ReLu(ReLu(np.array([[-2.0, 0.0, 3.0]])))
    assert relu_prime.dtype.kind == "f"
    np.testing.assert_array_equal(relu_prime, [[0.0, 0.0, 1.0]])
