"""Does training lower the cost, record its history and respect its options?"""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from solutions import NNet, feedforward, predict, train_NNet


def separable(n=200, seed=0):
    """Two blobs in 4 dimensions, classes 0 and 1: X (4, n), Y (1, n)."""
    rng = np.random.default_rng(seed)
    Y = (np.arange(n) % 2).reshape(1, -1).astype(float)
    X = rng.normal(0.0, 0.3, size=(4, n)) + np.where(Y == 1, 1.0, -1.0)
    return X, Y


def test_does_training_lower_the_cost_on_a_separable_problem():
    X, Y = separable()
    model = train_NNet(X, Y, epochs=15, batch_size=20, eta=0.05, hidden_layers=[8],
                       seed=0, plot=False, init_scale="fan_in")
    costs = model.cost_history
    assert len(costs) == 15 * 10
    assert np.mean(costs[-10:]) < 0.2 * np.mean(costs[:10])
    outputs = feedforward(model, X).Y[-1]
    assert np.mean((outputs >= 0.5) == (Y == 1)) == 1.0


def test_does_training_run_in_float32_from_start_to_end():
    X, Y = separable(n=60)
    model = train_NNet(X, Y, epochs=2, batch_size=16, eta=0.05, hidden_layers=[6, 4],
                       seed=0, plot=False, init_scale=0.1)
    assert [W.dtype for W in model.W] == [np.float32] * 3
    assert all(np.isfinite(W).all() for W in model.W)
    assert predict(model, np.zeros((3, 2, 2)), 1, 5).shape == (3,)  # float64 images still work


def test_does_train_record_one_norm_per_layer_and_a_smaller_last_batch():
    X, Y = separable(n=50)
    model = train_NNet(X, Y, epochs=2, batch_size=20, eta=0.01, hidden_layers=[5, 3],
                       seed=1, plot=False)
    assert model.hidden_layers == [5, 3]
    assert [W.shape for W in model.W] == [(5, 5), (3, 6), (1, 4)]
    assert len(model.cost_history) == 2 * 3
    assert all(len(norms) == 3 for norms in model.weight_change_history)
    assert all(isinstance(c, float) for c in model.cost_history)


def test_does_the_same_seed_give_the_same_model():
    X, Y = separable(n=60)
    a, b = (train_NNet(X, Y, epochs=2, batch_size=16, hidden_layers=[4], seed=7, plot=False)
            for _ in range(2))
    for Wa, Wb in zip(a.W, b.W):
        np.testing.assert_array_equal(Wa, Wb)


def test_does_plot_false_draw_nothing_and_plot_true_draw_two_labelled_axes():
    X, Y = separable(n=40)
    train_NNet(X, Y, epochs=1, batch_size=10, hidden_layers=[3], seed=0, plot=False)
    assert plt.get_fignums() == []
    train_NNet(X, Y, epochs=1, batch_size=10, hidden_layers=[3, 2], seed=0, plot=True)
    axes = plt.gcf().axes
    assert len(axes) == 2
    assert all(ax.get_title() and ax.get_xlabel() and ax.get_ylabel() for ax in axes)
    assert len(axes[1].get_legend().get_texts()) == 3


def test_does_nnet_keep_the_assignment_defaults_without_sharing_them():
    np.random.seed(0)
    a = NNet()
    a.hidden_layers.append(5)
    b = NNet(batch_size=10)
    assert b.hidden_layers == [512, 256, 64]
    assert [W.shape for W in b.W] == [(512, 785), (256, 513), (64, 257), (1, 65)]
    assert [Y.shape for Y in b.Y] == [(512, 10), (256, 10), (64, 10), (1, 10)]
    assert all(np.abs(W).max() <= 1 for W in b.W)


def test_does_feedforward_accept_a_batch_of_another_size():
    np.random.seed(0)
    model = NNet(input_size=6, batch_size=4, hidden_layers=[5])
    feedforward(model, np.random.rand(6, 9))
    assert [Y.shape for Y in model.Y] == [(5, 9), (1, 9)]
    assert [Z.shape for Z in model.Z] == [(5, 9), (1, 9)]


@pytest.mark.parametrize("n", [1, 13])
def test_does_predict_return_only_the_two_digits(n):
    np.random.seed(2)
    model = NNet(hidden_layers=[6], batch_size=3)
    images = np.random.default_rng(0).integers(0, 256, size=(n, 28, 28))
    predicted = predict(model, images, 7, 9)
    assert predicted.shape == (n,)
    assert set(np.unique(predicted)) <= {7, 9}


def test_does_predict_follow_the_sign_of_the_output():
    np.random.seed(2)
    model = NNet(hidden_layers=[3])
    model.W[0][:] = 0.0
    images = np.ones((4, 28, 28))
    model.W[1][:] = [0.0, 0.0, 0.0, 2.0]
    assert list(predict(model, images, 1, 5)) == [5] * 4
    model.W[1][:] = [0.0, 0.0, 0.0, -2.0]
    assert list(predict(model, images, 1, 5)) == [1] * 4


def test_does_the_schedule_warm_up_then_decay_to_zero():
    from solutions.training import _learning_rate

    rates = [_learning_rate(0.1, t, 100, 10, True) for t in range(100)]
    assert rates[0] == pytest.approx(0.1 * 0.1)
    assert rates[9] == pytest.approx(0.1 * 0.91)
    assert max(rates) == rates[9]
    assert all(a > b for a, b in zip(rates[9:], rates[10:]))
    assert rates[-1] == pytest.approx(0.1 / 100)
    assert _learning_rate(0.1, 50, 100, 0, False) == 0.1
