"""Shared fixtures for the reference-solution tests."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    """Start and end every test with no open figure."""
    plt.close("all")
    yield
    plt.close("all")
