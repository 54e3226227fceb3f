"""Small student notebooks for the integrity tests: a given notebook shaped like the built one
(prompts ``**Qn.**``, answer cells holding the given signatures and ``...``, given helper
cells, ``grader.check`` cells) and three solutions written independently, in different styles.

:func:`near_copy` turns a solution into what a student copying it would hand in: every local
name renamed and the functions of each cell in reverse order.
"""

from __future__ import annotations

import re

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

SETUP = "import numpy as np\nimport matplotlib.pyplot as plt\nfrom sklearn.metrics import accuracy_score"
NNET = '''class NNet:
    def __init__(self, input_size=784, output_size=1, batch_size=1000, hidden_layers=[512, 256, 64]):
        self.Y, self.Z, self.W = [], [], []
        layers = [input_size] + hidden_layers + [output_size]
        for i in range(1, len(hidden_layers) + 2):
            self.Y.append(np.zeros((layers[i], batch_size)))
            self.Z.append(np.zeros((layers[i], batch_size)))
            self.W.append(2 * (np.random.rand(layers[i], layers[i - 1] + 1) - 0.5))'''

#: question -> the given answer cell (signatures, docstrings, ``...``)
GIVEN = {
    2: 'def extract_digits(X, y, d1, d2):\n    """Images of X (N, 28, 28) and labels y (N,) of digit d1 or d2."""\n'
       '    assert d1 in range(0, 10), "d1 must be a digit between 0 and 9"\n    keep = ...\n    ...',
    3: 'def vectorize_images(X):\n    """Images X (N, 28, 28) -> columns (784, N), each scaled by its maximum."""\n    ...',
    5: 'def sigmoid(Z):\n    """Elementwise logistic function."""\n    ...\n\n\n'
       'def deriv_sigmoid(Y):\n    """Derivative of the sigmoid from its output Y."""\n    ...\n\n\n'
       'def ReLu(Z):\n    """Elementwise max(0, Z)."""\n    ...\n\n\n'
       'def deriv_ReLu(Y):\n    """Derivative of ReLU from its output Y."""\n    ...',
    7: 'def feedforward(model, X):\n    """Forward pass of X (D, N); stores Z[l], Y[l] (n_l, N), returns model."""\n'
       '    ...\n    return model',
    8: 'def backpropagation(model, X, Y, eta=0.01):\n    """One SGD step on the square loss; returns model."""\n'
       '    ...\n    return model',
    9: 'def train_NNet(X, Y, epochs=20, batch_size=1000, eta=0.01, hidden_layers=None):\n'
       '    """Mini-batch SGD on X (D, N), Y (1, N); returns the model."""\n    ...\n    return model',
    10: 'def predict(model, test_images, d1, d2):\n    """Digits d1 or d2 predicted for test_images (N, 28, 28)."""\n    ...',
    11: 'model_1_5 = ...',
}

STYLE_A = {
    2: '''def extract_digits(X, y, d1, d2):
    """Images of X (N, 28, 28) and labels y (N,) of digit d1 or d2."""
    assert d1 in range(0, 10), "d1 must be a digit between 0 and 9"
    keep = (y == d1) | (y == d2)
    return X[keep], y[keep]''',
    3: '''def vectorize_images(X):
    """Images X (N, 28, 28) -> columns (784, N), each scaled by its maximum."""
    flat = X.reshape(X.shape[0], -1).astype(np.float64)
    peak = flat.max(axis=1, keepdims=True)
    peak[peak == 0] = 1.0
    return (flat / peak).T''',
    5: '''def sigmoid(Z):
    """Elementwise logistic function."""
    Z = np.clip(Z, -500, 500)
    return 1.0 / (1.0 + np.exp(-Z))


def deriv_sigmoid(Y):
    return Y * (1.0 - Y)


def ReLu(Z):
    return np.maximum(Z, 0.0)


def deriv_ReLu(Y):
    return (Y > 0).astype(float)''',
    7: '''def feedforward(model, X):
    """Forward pass of X (D, N); stores Z[l], Y[l] (n_l, N), returns model."""
    activation = X
    last = len(model.W) - 1
    for layer, weights in enumerate(model.W):
        extended = np.vstack([activation, np.ones((1, activation.shape[1]))])
        model.Z[layer] = weights @ extended
        if layer == last:
            model.Y[layer] = sigmoid(model.Z[layer])
        else:
            model.Y[layer] = ReLu(model.Z[layer])
        activation = model.Y[layer]
    return model''',
    8: '''def backpropagation(model, X, Y, eta=0.01):
    """One SGD step on the square loss; returns model."""
    model = feedforward(model, X)
    count = X.shape[1]
    error = (model.Y[-1] - Y) * deriv_sigmoid(model.Y[-1])
    grads = [None] * len(model.W)
    for layer in range(len(model.W) - 1, -1, -1):
        below = X if layer == 0 else model.Y[layer - 1]
        extended = np.vstack([below, np.ones((1, count))])
        grads[layer] = error @ extended.T / count
        if layer > 0:
            error = (model.W[layer][:, :-1].T @ error) * deriv_ReLu(model.Y[layer - 1])
    for layer, grad in enumerate(grads):
        model.W[layer] -= eta * grad
    return model''',
    9: '''def train_NNet(X, Y, epochs=20, batch_size=1000, eta=0.01, hidden_layers=None):
    """Mini-batch SGD on X (D, N), Y (1, N); returns the model."""
    model = NNet(X.shape[0], 1, batch_size, hidden_layers or [64, 32])
    costs = []
    for epoch in range(epochs):
        order = np.random.permutation(X.shape[1])
        X, Y = X[:, order], Y[:, order]
        for start in range(0, X.shape[1], batch_size):
            model = backpropagation(model, X[:, start:start + batch_size], Y[:, start:start + batch_size], eta)
        costs.append(np.mean((feedforward(model, X).Y[-1] - Y) ** 2))
    plt.plot(costs)
    plt.xlabel("epoch")
    plt.show()
    return model''',
    10: '''def predict(model, test_images, d1, d2):
    """Digits d1 or d2 predicted for test_images (N, 28, 28)."""
    output = feedforward(model, vectorize_images(test_images)).Y[-1][0]
    return np.where(output > 0.5, d2, d1)''',
    11: '''X_a, y_a = extract_digits(train_X, train_y, 1, 5)
model_1_5 = train_NNet(vectorize_images(X_a), (y_a == 5).reshape(1, -1).astype(float), epochs=10, eta=0.5)''',
}

STYLE_B = {
    2: '''def extract_digits(X, y, d1, d2):
    """Images of X (N, 28, 28) and labels y (N,) of digit d1 or d2."""
    assert d1 in range(0, 10), "d1 must be a digit between 0 and 9"
    keep = np.isin(y, [d1, d2])
    images = X[keep]
    labels = y[keep]
    return images, labels''',
    3: '''def vectorize_images(X):
    """Images X (N, 28, 28) -> columns (784, N), each scaled by its maximum."""
    columns = []
    for image in X:
        column = image.flatten() / max(image.max(), 1)
        columns.append(column)
    return np.array(columns, dtype=float).transpose()''',
    5: '''def sigmoid(Z):
    """Elementwise logistic function."""
    out = np.empty_like(Z, dtype=float)
    positive = Z >= 0
    out[positive] = 1 / (1 + np.exp(-Z[positive]))
    e = np.exp(Z[~positive])
    out[~positive] = e / (1 + e)
    return out


def deriv_sigmoid(Y):
    """Derivative of the sigmoid from its output Y."""
    return Y - Y ** 2


def ReLu(Z):
    """Elementwise max(0, Z)."""
    return Z * (Z > 0)


def deriv_ReLu(Y):
    """Derivative of ReLU from its output Y."""
    return np.where(Y > 0, 1.0, 0.0)''',
    7: '''def feedforward(model, X):
    """Forward pass of X (D, N); stores Z[l], Y[l] (n_l, N), returns model."""
    n = X.shape[1]
    inp = X
    for i in range(len(model.W)):
        z = np.dot(model.W[i], np.concatenate((inp, np.ones((1, n))), axis=0))
        y = sigmoid(z) if i + 1 == len(model.W) else ReLu(z)
        model.Z[i], model.Y[i] = z, y
        inp = y
    return model''',
    8: '''def backpropagation(model, X, Y, eta=0.01):
    """One SGD step on the square loss; returns model."""
    feedforward(model, X)
    n = X.shape[1]
    L = len(model.W)
    inputs = [X] + model.Y[:-1]
    delta = deriv_sigmoid(model.Y[L - 1]) * (model.Y[L - 1] - Y)
    new_weights = list(model.W)
    i = L - 1
    while i >= 0:
        a = np.concatenate((inputs[i], np.ones((1, n))), axis=0)
        new_weights[i] = model.W[i] - eta * np.dot(delta, a.T) / n
        if i:
            delta = np.dot(model.W[i][:, :-1].T, delta) * deriv_ReLu(inputs[i])
        i -= 1
    model.W = new_weights
    return model''',
    9: '''def train_NNet(X, Y, epochs=20, batch_size=1000, eta=0.01, hidden_layers=None):
    """Mini-batch SGD on X (D, N), Y (1, N); returns the model."""
    if hidden_layers is None:
        hidden_layers = [100]
    net = NNet(input_size=X.shape[0], output_size=1, batch_size=batch_size, hidden_layers=hidden_layers)
    history = {"cost": [], "change": []}
    n = X.shape[1]
    for _ in range(epochs):
        shuffle = np.random.permutation(n)
        Xs, Ys = X[:, shuffle], Y[:, shuffle]
        before = [w.copy() for w in net.W]
        batches = [(Xs[:, k:k + batch_size], Ys[:, k:k + batch_size]) for k in range(0, n, batch_size)]
        for xb, yb in batches:
            net = backpropagation(net, xb, yb, eta)
        history["cost"].append(float(((feedforward(net, X).Y[-1] - Y) ** 2).sum() / n))
        history["change"].append(sum(np.abs(w - b).sum() for w, b in zip(net.W, before)))
    fig, axes = plt.subplots(1, 2)
    axes[0].plot(history["cost"])
    axes[1].plot(history["change"])
    return net''',
    10: '''def predict(model, test_images, d1, d2):
    """Digits d1 or d2 predicted for test_images (N, 28, 28)."""
    probabilities = feedforward(model, vectorize_images(test_images)).Y[-1].ravel()
    labels = np.full(probabilities.shape, d1)
    labels[probabilities >= 0.5] = d2
    return labels''',
    11: '''ones_and_fives, digits = extract_digits(train_X, train_y, 1, 5)
targets = np.array([[1.0 if d == 5 else 0.0 for d in digits]])
model_1_5 = train_NNet(vectorize_images(ones_and_fives), targets, epochs=15, batch_size=500, eta=1.0)''',
}

STYLE_C = {
    2: '''def extract_digits(X, y, d1, d2):
    """Images of X (N, 28, 28) and labels y (N,) of digit d1 or d2."""
    assert d1 in range(0, 10), "d1 must be a digit between 0 and 9"
    keep = np.flatnonzero(np.logical_or(y == d1, y == d2))
    return np.take(X, keep, axis=0), np.take(y, keep)''',
    3: '''def vectorize_images(X):
    """Images X (N, 28, 28) -> columns (784, N), each scaled by its maximum."""
    M = np.asarray(X, dtype=np.float32).reshape(len(X), 28 * 28).T
    return M / np.maximum(M.max(axis=0), 1e-12)''',
    5: '''sigmoid = lambda Z: 0.5 * (1.0 + np.tanh(0.5 * Z))
deriv_sigmoid = lambda Y: Y * (1 - Y)
ReLu = lambda Z: np.where(Z > 0, Z, 0.0)
deriv_ReLu = lambda Y: np.heaviside(Y, 0.0)''',
    7: '''def feedforward(model, X):
    """Forward pass of X (D, N); stores Z[l], Y[l] (n_l, N), returns model."""
    acts = [ReLu] * (len(model.W) - 1) + [sigmoid]
    prev = X
    for k, (W, act) in enumerate(zip(model.W, acts)):
        model.Z[k] = W[:, :-1] @ prev + W[:, -1:]
        model.Y[k] = act(model.Z[k])
        prev = model.Y[k]
    return model''',
    8: '''def backpropagation(model, X, Y, eta=0.01):
    """One SGD step on the square loss; returns model."""
    model = feedforward(model, X)
    m = X.shape[1]
    g = (model.Y[-1] - Y) * model.Y[-1] * (1 - model.Y[-1])
    for k in reversed(range(len(model.W))):
        prev = model.Y[k - 1] if k > 0 else X
        dW = g @ prev.T / m
        db = g.sum(axis=1, keepdims=True) / m
        if k > 0:
            g = model.W[k][:, :-1].T @ g * (prev > 0)
        model.W[k] = model.W[k] - eta * np.hstack([dW, db])
    return model''',
    9: '''def train_NNet(X, Y, epochs=20, batch_size=1000, eta=0.01, hidden_layers=None):
    """Mini-batch SGD on X (D, N), Y (1, N); returns the model."""
    rng = np.random.default_rng()
    model = NNet(X.shape[0], Y.shape[0], batch_size, list(hidden_layers or [128, 16]))
    J = np.zeros(epochs)
    for e in range(epochs):
        idx = rng.permutation(X.shape[1])
        for part in np.array_split(idx, max(1, X.shape[1] // batch_size)):
            backpropagation(model, X[:, part], Y[:, part], eta)
        J[e] = 0.5 * np.square(feedforward(model, X).Y[-1] - Y).mean()
    plt.figure()
    plt.semilogy(np.arange(1, epochs + 1), J, marker="o")
    plt.title("cost per epoch")
    return model''',
    10: '''def predict(model, test_images, d1, d2):
    """Digits d1 or d2 predicted for test_images (N, 28, 28)."""
    scores = feedforward(model, vectorize_images(test_images)).Y[-1]
    return np.array([d2 if s > 0.5 else d1 for s in scores.flat])''',
    11: '''Xp, yp = extract_digits(train_X, train_y, 1, 5)
model_1_5 = train_NNet(vectorize_images(Xp), (yp == 5)[None, :] * 1.0, 12, 256, 0.8, [64])''',
}

STYLES = {"ada": STYLE_A, "ben": STYLE_B, "cyd": STYLE_C}


def notebook(answers: dict[int, str] | None = None) -> nbformat.NotebookNode:
    """The given notebook with ``answers`` (question -> code) in place of the given answer cells."""
    answers = answers or {}
    cells = [new_code_cell('import otter\ngrader = otter.Notebook("mlp_mnist.ipynb")'),
             new_markdown_cell("# Building a multi-layer perceptron"), new_code_cell(SETUP),
             new_code_cell('data = np.load("train_mnist.npz")\ntrain_X = data["x"]\ntrain_y = data["y"]')]
    for q, given in GIVEN.items():
        cells += [new_markdown_cell(f"**Q{q}.** Write the code of question {q}."),
                  new_code_cell(answers.get(q, given)), new_code_cell(f'grader.check("q{q}")')]
        if q == 5:
            cells += [new_markdown_cell("**The network class** (given)."), new_code_cell(NNET)]
    return new_notebook(cells=cells)


def near_copy(answers: dict[int, str], suffix: str = "_x") -> dict[int, str]:
    """``answers`` with every assigned or parameter name renamed and each cell's functions reversed."""
    code = "\n\n\n".join(answers.values())
    names = set(re.findall(r"^\s*(?:for\s+)?(\w+)(?:\s*,\s*\w+)*\s*(?:=|in\b)", code, re.M))
    names -= {"return", "if", "model", "def", "else"} | {n for n in names if n.startswith("model_")}
    rename = re.compile(r"(?<!\.)\b(" + "|".join(sorted(names, key=len, reverse=True)) + r")\b")
    copied = {}
    for q, cell in answers.items():
        renamed = rename.sub(lambda m: m.group(1) + suffix, cell)
        copied[q] = "\n\n\n".join(reversed(re.split(r"\n\n\n(?=def )", renamed)))
    return copied
