"""Do the hidden checks grade like a fair instructor? Fast: probe + verdict called directly.

Each submission below is notebook code (run in its own namespace, as in a kernel, so that
``train_NNet`` finds ``NNet``, ``feedforward`` and ``backpropagation`` among its globals),
written the way a student could fairly write it. The probes see only the probe INPUTS
(the ``inputs`` namespace, as in the sandbox); the verdicts get the reference values and labels.
Beside each check: whether that submission must pass it (True) or fail it (False).
"""

from __future__ import annotations

import io

import matplotlib
import nbformat
import numpy as np
import pytest

from grader.assemble.reference_values import reference_values
from grader.checks import load_copy

from pathlib import Path

matplotlib.use("Agg")
MASTER = Path(__file__).resolve().parents[2] / "notebooks" / "mlp_mnist.ipynb"

ARGS = {  # hidden check -> the notebook names its hidden test cell passes
    "check_random_images": ["display_random_images"],
    "check_extract_digits": ["extract_digits"],
    "check_vectorize_layout": ["vectorize_images"],
    "check_vectorize_scaling": ["vectorize_images"],
    "check_activations": ["sigmoid", "deriv_sigmoid", "ReLu", "deriv_ReLu"],
    "check_feedforward_hidden": ["feedforward", "NNet"],
    "check_feedforward_output": ["feedforward", "NNet"],
    "check_feedforward_any_batch": ["feedforward", "NNet"],
    "check_backpropagation": ["feedforward", "backpropagation", "NNet"],
    "check_gradient": ["feedforward", "backpropagation", "NNet"],
    "check_predict": ["predict", "NNet"],
    "check_training_shuffles": ["train_NNet"],
    "check_training_minibatches": ["train_NNet"],
    "check_learns_separable": ["train_NNet", "feedforward"],
    "check_training_plots": ["train_NNet"],
}

# --- the assignment's own signatures and conventions -------------------------------------
# No figure returned (plt.subplot + plt.show), per-column maximum without a guard for black
# images, sigmoid clipped at +-500, integer-valued deriv_ReLu, the class's uniform [-1, 1]
# weights, train_NNet(X, Y, epochs=20, batch_size=1000, eta=0.01) without any option, the mean
# cost of each batch recorded, and the weight changes kept as one list per layer.
ORIGINAL = '''
def display_random_images(X, y, n=5):
    chosen = np.random.choice(X.shape[0], size=n, replace=False)
    plt.figure(figsize=(10, 3))
    for k, i in enumerate(chosen):
        plt.subplot(1, n, k + 1)
        plt.imshow(X[i], cmap="gray")
        plt.title(f"Label: {y[i]}")
        plt.axis("off")
    plt.show()


def extract_digits(X, y, d1, d2):
    assert d1 in range(0, 10), "d1 should be a digit"
    assert d2 in range(0, 10), "d2 should be a digit"
    rows = np.where((y == d1) | (y == d2))[0]
    return (X[rows], y[rows])


def vectorize_images(X):
    columns = X.reshape(X.shape[0], -1).T
    return columns / np.max(columns, axis=0)


def sigmoid(Z):
    Z = np.clip(Z, -500, 500)
    return 1 / (1 + np.exp(-Z))


def deriv_sigmoid(Y):
    return Y * (1 - Y)


def ReLu(Z):
    return np.maximum(0, Z)


def deriv_ReLu(Y):
    return np.where(Y > 0, 1, 0)


def feedforward(model, X):
    A = X
    for l in range(len(model.W)):
        Z = model.W[l] @ np.vstack([A, np.ones((1, A.shape[1]))])
        A = sigmoid(Z) if l == len(model.W) - 1 else ReLu(Z)
        model.Z[l] = Z
        model.Y[l] = A
    return model


def backpropagation(model, X, Y, eta=0.01):
    L = len(model.W)
    grads = [None] * L
    dC_dY = model.Y[-1] - Y
    for l in reversed(range(L)):
        dC_dZ = (deriv_sigmoid(model.Y[l]) if l == L - 1 else deriv_ReLu(model.Y[l])) * dC_dY
        previous = X if l == 0 else model.Y[l - 1]
        grads[l] = dC_dZ @ np.vstack([previous, np.ones((1, previous.shape[1]))]).T
        dC_dY = model.W[l][:, :-1].T @ dC_dZ
    for l in range(L):
        model.W[l] -= eta * grads[l]
    return model


def train_NNet(X, Y, epochs=20, batch_size=1000, eta=0.01):
    model = NNet(input_size=X.shape[0], output_size=Y.shape[0], batch_size=batch_size)
    N = X.shape[1]
    costs, changes = [], [[] for _ in model.W]
    for epoch in range(epochs):
        order = np.random.permutation(N)
        X_shuffled, Y_shuffled = X[:, order], Y[:, order]
        for start in range(0, N, batch_size):
            X_batch = X_shuffled[:, start:start + batch_size]
            Y_batch = Y_shuffled[:, start:start + batch_size]
            before = [W.copy() for W in model.W]
            model = feedforward(model, X_batch)
            costs.append(0.5 * np.sum((model.Y[-1] - Y_batch) ** 2) / X_batch.shape[1])
            model = backpropagation(model, X_batch, Y_batch, eta)
            for l in range(len(model.W)):
                changes[l].append(np.linalg.norm(model.W[l] - before[l]))
    plt.figure(figsize=(12, 4))
    plt.subplot(1, 2, 1)
    plt.plot(costs)
    plt.title("Cost")
    plt.subplot(1, 2, 2)
    for l in range(len(changes)):
        plt.plot(changes[l], label=f"layer {l + 1}")
    plt.legend()
    plt.show()
    return model


def predict(model, test_images, d1, d2):
    out = feedforward(model, vectorize_images(test_images)).Y[-1]
    return np.where(out[0] >= 0.5, d2, d1)
'''

EVERY_CHECK_PASSES = {name: True for name in ARGS}

# --- float32 throughout, as the Q9 prompt suggests -----------------------------------------
FLOAT32 = ORIGINAL + '''
def vectorize_images(X):
    columns = X.reshape(X.shape[0], -1).T.astype(np.float32)
    return columns / columns.max(axis=0, keepdims=True)


def deriv_ReLu(Y):
    return (Y > 0).astype(Y.dtype)


def feedforward(model, X):
    A = np.asarray(X, dtype=np.float32)
    for l, W in enumerate(model.W):
        W = np.asarray(W, dtype=np.float32)
        Z = W @ np.vstack([A, np.ones((1, A.shape[1]), dtype=np.float32)])
        A = sigmoid(Z) if l == len(model.W) - 1 else ReLu(Z)  # exp overflows to inf below -88: 0, right
        model.Z[l], model.Y[l] = Z, A
    return model


def backpropagation(model, X, Y, eta=0.01):
    X, Y = np.asarray(X, dtype=np.float32), np.asarray(Y, dtype=np.float32)
    W = [np.asarray(w, dtype=np.float32) for w in model.W]
    grads, dC_dY = [None] * len(W), model.Y[-1] - Y
    for l in reversed(range(len(W))):
        dC_dZ = (deriv_sigmoid if l == len(W) - 1 else deriv_ReLu)(model.Y[l]) * dC_dY
        previous = X if l == 0 else model.Y[l - 1]
        grads[l] = dC_dZ @ np.vstack([previous, np.ones((1, previous.shape[1]), dtype=np.float32)]).T
        dC_dY = W[l][:, :-1].T @ dC_dZ
    model.W = [w - np.float32(eta) * g for w, g in zip(W, grads)]
    return model


_train_float64 = train_NNet


def train_NNet(X, Y, epochs=20, batch_size=1000, eta=0.01):
    return _train_float64(np.asarray(X, dtype=np.float32), np.asarray(Y, dtype=np.float32), epochs,
                          batch_size, eta)
'''

# --- loops where numpy would do: slow, but right --------------------------------------------
LOOPS = ORIGINAL + '''
def extract_digits(X, y, d1, d2):
    assert d1 in range(0, 10) and d2 in range(0, 10)
    keep = [i for i in range(len(y)) if y[i] == d1 or y[i] == d2]
    return X[keep], y[keep]


def vectorize_images(X):
    out = np.zeros((784, len(X)))
    for k in range(len(X)):
        out[:, k] = X[k].reshape(784) / X[k].max()
    return out


def feedforward(model, X):
    L, n = len(model.W), X.shape[1]
    model.Z = [np.zeros((W.shape[0], n)) for W in model.W]
    model.Y = [np.zeros((W.shape[0], n)) for W in model.W]
    for j in range(n):
        a = X[:, j]
        for l, W in enumerate(model.W):
            z = W[:, :-1] @ a + W[:, -1]
            a = sigmoid(z) if l == L - 1 else ReLu(z)
            model.Z[l][:, j], model.Y[l][:, j] = z, a
    return model


def backpropagation(model, X, Y, eta=0.01):
    L = len(model.W)
    grads = [np.zeros_like(W) for W in model.W]
    for j in range(X.shape[1]):
        d = model.Y[-1][:, j] - Y[:, j]
        for l in reversed(range(L)):
            dz = (deriv_sigmoid if l == L - 1 else deriv_ReLu)(model.Y[l][:, j]) * d
            a = X[:, j] if l == 0 else model.Y[l - 1][:, j]
            grads[l] += np.outer(dz, np.append(a, 1.0))
            d = model.W[l][:, :-1].T @ dz
    model.W = [W - eta * G for W, G in zip(model.W, grads)]
    return model
'''

# --- Q1 styles --------------------------------------------------------------------------
Q1_BINARY = '''
def display_random_images(X, y, n=5):
    fig, axes = plt.subplots(1, n)
    for ax, i in zip(axes, np.random.choice(len(X), n, replace=False)):
        ax.imshow(X[i], cmap="binary")
        ax.set_title(str(y[i]))
    return fig
'''
Q1_SCALED = '''
def display_random_images(X, y, n=5):
    fig, axes = plt.subplots(1, n)
    for ax, i in zip(axes, np.random.choice(len(X), n, replace=False)):
        ax.imshow(X[i] / 255.0, cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(f"digit {y[i]}")
    return fig
'''
Q1_COLOUR = Q1_BINARY.replace('cmap="binary"', 'cmap="viridis"')

# --- false positives of the old checks --------------------------------------------------
DIVIDE_BY_255 = '''
def vectorize_images(X):
    return X.reshape(X.shape[0], -1).T / 255.0
'''
FIXED_BATCH_FEEDFORWARD = '''
def feedforward(model, X):
    A = X
    for l in range(len(model.W)):
        Z = model.W[l] @ np.vstack([A, np.ones((1, model.batch_size))])
        A = sigmoid(Z) if l == len(model.W) - 1 else ReLu(Z)
        model.Z[l], model.Y[l] = Z, A
    return model
'''
_LOOP = "        for start in range(0, N, batch_size):\n"
FULL_BATCH = ORIGINAL.replace(_LOOP, "        for start in (0,):\n").replace(
    "start:start + batch_size]", "start:]")
UNSHUFFLED = ORIGINAL.replace("order = np.random.permutation(N)", "order = np.arange(N)")
Y_SHUFFLED_APART = ORIGINAL.replace("X[:, order], Y[:, order]", "X[:, order], Y[:, np.random.permutation(N)]")
PLOTS_PER_EPOCH = ORIGINAL.replace("    plt.figure(figsize=(12, 4))",
                                   "    costs = np.mean(np.reshape(costs, (epochs, -1)), axis=1)\n"
                                   "    changes = [np.mean(np.reshape(c, (epochs, -1)), axis=1) for c in changes]\n"
                                   "    plt.figure(figsize=(12, 4))")
X_SHUFFLED_ONLY = ORIGINAL.replace("X[:, order], Y[:, order]", "X[:, order], Y")
# Each layer updated as soon as its gradient is known, so the layer below is propagated
# through the already-updated W[l] (Q8 asks for every gradient with the weights before the step).
_DEFERRED_UPDATE = ("        dC_dY = model.W[l][:, :-1].T @ dC_dZ\n"
                    "    for l in range(L):\n"
                    "        model.W[l] -= eta * grads[l]\n")
UPDATED_W_PROPAGATED = ORIGINAL.replace(_DEFERRED_UPDATE, (
    "        model.W[l] -= eta * grads[l]\n"
    "        dC_dY = model.W[l][:, :-1].T @ dC_dZ\n"))
MEAN_GRADIENT = ORIGINAL.replace("model.W[l] -= eta * grads[l]", "model.W[l] -= eta * grads[l] / X.shape[1]")

Q9 = ("check_training_shuffles", "check_training_minibatches", "check_learns_separable", "check_training_plots")

SUBMISSIONS = {  # name -> (code, {check: must it pass?})
    "original": (ORIGINAL, EVERY_CHECK_PASSES),
    "float32": (FLOAT32, EVERY_CHECK_PASSES),
    "loops": (LOOPS, EVERY_CHECK_PASSES),
    "q1_binary": (ORIGINAL + Q1_BINARY, {"check_random_images": True}),
    "q1_scaled_gray_r": (ORIGINAL + Q1_SCALED, {"check_random_images": True}),
    "q1_colour": (ORIGINAL + Q1_COLOUR, {"check_random_images": False}),
    "divide_by_255": (ORIGINAL + DIVIDE_BY_255, {
        "check_vectorize_layout": True,        # one column per image, row by row
        "check_vectorize_scaling": False,      # images whose brightest pixel is below 255
        "check_predict": True,                 # its probe images all reach 255: Q3 alone pays for it
    }),
    "feedforward_fixed_batch": (ORIGINAL + FIXED_BATCH_FEEDFORWARD, {
        "check_feedforward_hidden": True,      # right whenever N == batch_size
        "check_feedforward_output": True,
        "check_feedforward_any_batch": False,  # N != batch_size raises
        "check_backpropagation": True,
        "check_gradient": True,
        "check_predict": True,                 # 17 images, batch_size 17
        **{name: True for name in Q9},         # every batch has batch_size columns
    }),
    "full_batch": (FULL_BATCH, {
        "check_training_shuffles": True,       # shuffled (pointlessly), X and Y together
        "check_training_minibatches": False,   # one step of 64 columns per epoch
        "check_learns_separable": True,        # full-batch descent still learns this problem
        "check_training_plots": True,          # one point per step it made
    }),
    "unshuffled": (UNSHUFFLED, {
        "check_training_shuffles": False,
        "check_training_minibatches": True,
        "check_learns_separable": True,
        "check_training_plots": True,
    }),
    "y_shuffled_apart": (Y_SHUFFLED_APART, {
        "check_training_shuffles": False,      # targets no longer belong to their columns
        "check_training_minibatches": True,
        "check_learns_separable": False,       # it learns noise
        "check_training_plots": True,
    }),
    "x_shuffled_y_not": (X_SHUFFLED_ONLY, {
        "check_training_shuffles": False,      # each target stays where its column was
        "check_training_minibatches": True,
    }),
    "updated_w_propagated": (UPDATED_W_PROPAGATED, {
        "check_backpropagation": False,        # the layers below get a gradient through the new W[l]
        "check_feedforward_hidden": True,
    }),
    "mean_gradient": (MEAN_GRADIENT, {         # Q8 asks for the summed loss's gradient...
        "check_backpropagation": False,
        "check_gradient": False,
        **{name: True for name in Q9},         # ...but Q9 does not charge it a second time
    }),
    "plots_per_epoch": (PLOTS_PER_EPOCH, {
        "check_training_shuffles": True,
        "check_training_minibatches": True,
        "check_training_plots": False,         # 3 points per curve for 12 iterations
    }),
}


def _given_class() -> str:
    """The NNet class the notebook gives (students do not write it)."""
    cells = nbformat.read(MASTER, as_version=4).cells
    return next(c.source for c in cells if c.cell_type == "code" and c.source.startswith("class NNet"))


def namespace(code: str) -> dict:
    import matplotlib.pyplot as plt

    ns = {"np": np, "plt": plt}
    exec(compile(_given_class(), "<given>", "exec"), ns)
    exec(compile(code, "<submission>", "exec"), ns)
    return ns


@pytest.fixture(scope="module")
def checks():
    """The hidden checks, their probes seeing only the probe inputs (as in the sandbox)."""
    module = load_copy("mlp_hidden_checks_fidelity")
    inputs, expected = reference_values()
    module.REGISTRY.values.use(inputs=inputs, reference={})  # a probe reading expected values fails
    return module, {**inputs, **expected}


def outcome(checks, ns: dict, name: str):
    """None if ``name`` passes for the submission ``ns``, else its message. Like the safe
    engine: the probe's arrays go through an npz (no pickle), an error in the probe fails."""
    module, values = checks
    registry = module.REGISTRY
    np.random.seed(4144)  # the grading seed, set before the probe cell
    try:
        _, probe, arguments = registry.probe_call(name, tuple(ns[a] for a in ARGS[name]))
        found = registry.run_probe(probe, arguments)
    except Exception as exc:  # noqa: BLE001 - as the sandbox: a failed probe fails the test
        return f"probe raised {type(exc).__name__}: {exc}"
    buffer = io.BytesIO()
    np.savez(buffer, **{k: np.asarray(v) for k, v in found.items()})
    buffer.seek(0)
    with np.load(buffer, allow_pickle=False) as data:
        found = {k: data[k] for k in data.files}
    try:
        registry.run_verdict(name, found, {}, ref=values)
    except AssertionError as exc:
        return str(exc) or "failed"
    return None


def test_does_the_check_list_match_the_notebooks_hidden_cells():
    cells = [c.source for c in nbformat.read(MASTER, as_version=4).cells
             if c.cell_type == "code" and "hidden: true" in c.source]
    called = {name for name in ARGS if any(f"{name}(" in source for source in cells)}
    assert called == set(ARGS)
    for name, args in ARGS.items():
        assert any(f"{name}({', '.join(args)})" in source for source in cells), name


@pytest.mark.parametrize("submission", SUBMISSIONS, ids=list(SUBMISSIONS))
def test_does_each_submission_pass_exactly_the_checks_it_should(checks, submission):
    code, expected = SUBMISSIONS[submission]
    ns = namespace(code)
    got = {name: outcome(checks, ns, name) for name in expected}
    wrong = {name: (message or "passed") for name, message in got.items() if (message is None) != expected[name]}
    assert not wrong, wrong


def test_do_the_two_bugs_the_public_checks_miss_really_change_the_code():
    assert X_SHUFFLED_ONLY != ORIGINAL and UPDATED_W_PROPAGATED != ORIGINAL


def test_does_the_original_submission_fill_every_hidden_check():
    assert set(SUBMISSIONS["original"][1]) == set(ARGS)


def test_do_the_messages_teach_without_blaming_precision(checks):
    """A failure names the function and the probe; a float32-accurate float64 result is told
    it is a precision matter, not sent back to the definition."""
    ns = namespace(ORIGINAL + DIVIDE_BY_255 + '''
def feedforward(model, X):
    A = np.asarray(X, dtype=np.float32)
    for l, W in enumerate(model.W):
        Z = np.asarray(W, dtype=np.float32) @ np.vstack([A, np.ones((1, A.shape[1]), dtype=np.float32)])
        Z = Z.astype(np.float64) * (1 + 3e-6)  # float32 rounding, handed back as float64
        A = sigmoid(Z) if l == len(model.W) - 1 else ReLu(Z)
        model.Z[l], model.Y[l] = Z, A
    return model
''')
    message = outcome(checks, ns, "check_vectorize_scaling")
    assert message.startswith("vectorize_images on 7 probe images") and "divided by 255" in message
    message = outcome(checks, ns, "check_feedforward_hidden")
    assert "single-precision" in message and "Re-read" not in message


def test_are_the_held_back_labels_kept_from_the_probes(checks):
    module, values = checks
    inputs = module.REGISTRY.values.inputs()
    assert "train_test_X" in inputs and "train_test_labels" not in inputs
    assert not any(k.endswith(("_out", "_labels")) or "newW" in k for k in inputs)


def test_is_a_float32_exp_overflow_in_the_forward_pass_no_error(checks):
    """In float32, exp(88.8) overflows to inf and the sigmoid correctly gives 0: the forward
    and backward probes allow that warning (Q5 still requires a sigmoid safe in float64)."""
    module, _ = checks
    sigmoid = namespace(ORIGINAL)["sigmoid"]
    with module._strict(over="ignore"):
        assert sigmoid(np.array([-100.0], dtype=np.float32))[0] == 0
    with pytest.raises(FloatingPointError), module._strict():
        sigmoid(np.array([-100.0], dtype=np.float32))
