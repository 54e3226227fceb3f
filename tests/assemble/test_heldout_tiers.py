"""Are the held-out accuracy tiers applied as written on MNIST, and lowered on the stand-in?"""

from __future__ import annotations

import numpy as np
import pytest

from grader.checks import load_copy


@pytest.fixture(scope="module")
def checks():
    return load_copy("mlp_hidden_checks_tiers")


def graded(checks, dataset, wrong, n=90, threshold=0.99):
    """The verdict for predictions with ``wrong`` mistakes out of ``n`` (None when it passes)."""
    labels = np.array([1, 5] * (n // 2))
    pred = labels.copy()
    pred[:wrong] = np.where(pred[:wrong] == 1, 5, 1)
    ref = {"heldout_1_5_y": labels, "heldout_1_5_dataset": np.array(dataset)}
    try:
        flipped = np.where(pred == 1, 5, 1)  # an honest predict with the output layer negated
        checks.verdict_heldout_accuracy({"pred": pred, "pred_flipped": flipped}, ref, 1, 5, threshold)
    except AssertionError as exc:
        return str(exc)
    return None


def test_does_one_wrong_image_in_ninety_cost_the_99_percent_tier_on_mnist(checks):
    assert "below 99.00%" in graded(checks, "mnist", wrong=1)


def test_is_every_tier_lowered_on_the_digits_stand_in(checks):
    drop = checks.STANDIN_TIER_DROP
    assert graded(checks, "digits", wrong=1) is None
    assert graded(checks, "digits", wrong=int(90 * drop)) is None  # still within the lowered tier
    message = graded(checks, "digits", wrong=int(90 * drop) + 2)
    assert f"below {100 * (0.99 - drop):.2f}% (the tier for the 'digits' stand-in data)" in message


def test_is_a_reference_without_a_dataset_graded_as_mnist(checks):
    labels = np.array([1, 5] * 45)
    with pytest.raises(AssertionError, match=r"below 99\.00%\. See"):
        checks.verdict_heldout_accuracy({"pred": np.where(labels == 1, 5, 1)}, {"heldout_1_5_y": labels},
                                        1, 5, 0.99)
