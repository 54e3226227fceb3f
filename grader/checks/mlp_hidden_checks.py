"""Hidden checks of the MLP assignment, grouped by question, registered in :data:`REGISTRY`.

Each check is a probe (runs the student's functions on probe INPUTS, in the student's
process) and a verdict (compares with the expected values, on the grader's side), both
registered by name with :mod:`check_registry` (shipped beside this file). ``check_X``,
what the notebook's hidden tests call (``from mlp_hidden_checks import check_X``), is
generated from the registry at the end of this file. ``REGISTRY.steps()`` lists the checks.

Shapes: columns are samples; N samples, D inputs, ``W[l]`` of shape
``(n_{l+1}, n_l + 1)`` with the bias in the last column.
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import re

import numpy as np

if __package__:  # imported by the grader's own code as grader.checks.mlp_hidden_checks
    from .check_registry import (Registry, const, name, close as _close, expect as _expect, got as _got,
                                 plain as _plain, single as _single, strict as _strict, swapped as _swapped)
else:  # shipped: check_registry.py lies beside this file
    from check_registry import (Registry, const, name, close as _close, expect as _expect, got as _got,
                                plain as _plain, single as _single, strict as _strict, swapped as _swapped)

REGISTRY = Registry()
probe, check = REGISTRY.probe, REGISTRY.check


# --- Q1: random images --------------------------------------------------------------

def _random_images_input():
    rng = np.random.default_rng(0)
    X = rng.integers(1, 255, size=(40, 28, 28), dtype=np.uint8)
    return X, rng.integers(0, 10, size=40).astype(np.uint8)


@probe
def probe_random_images(inp, display_random_images) -> dict:
    """Two calls; per call ``c``: the images shown, 16 colours of each one's colormap, titles."""
    import matplotlib.pyplot as plt
    X, y = _random_images_input()
    out = {}
    for c in range(2):
        with _no_show():
            fig = display_random_images(X, y)
        fig = fig if fig is not None and hasattr(fig, "axes") else plt.gcf()
        axes = [ax for ax in fig.axes if ax.images]
        out[f"c{c}_count"] = np.array(len(axes))
        for k, ax in enumerate(axes[:5]):
            img = ax.images[0]
            out[f"c{c}_img{k}"] = _plain("display_random_images", np.asarray(img.get_array()))
            cmap = img.get_cmap()
            out[f"c{c}_rgb{k}"] = _plain("display_random_images", np.asarray(cmap(np.linspace(0, 1, 16)))[:, :3])
            out[f"c{c}_cmap{k}"] = np.array(str(getattr(cmap, "name", "")))
            out[f"c{c}_title{k}"] = np.array(str(ax.get_title()))
        plt.close(fig)
    return out


def _which_image(img: np.ndarray, flat: np.ndarray):
    """Index of the input image ``img`` shows, whatever the value scaling (or inversion)."""
    if img.shape != (28, 28):
        return None
    v = img.ravel().astype(float)
    if np.ptp(v) == 0 or not np.all(np.isfinite(v)):
        return None
    corr = np.abs(np.corrcoef(np.vstack([v, flat]))[0, 1:])
    j = int(np.argmax(corr))
    return j if corr[j] > 0.999 else None


@check("check_random_images", question="q1", probe="random_images")
def verdict_random_images(outputs: dict, ref: dict) -> None:
    """Five input images per call (any value scaling), each in a grayscale colormap (equal R, G
    and B: gray, Greys, binary, gray_r...) and titled with its label; a new set on the 2nd call."""
    X, y = _random_images_input()
    flat = X.reshape(len(X), -1).astype(float)
    shown = []
    for c in range(2):
        count = int(_got(outputs, f"c{c}_count", "display_random_images"))
        assert count == 5, f"display_random_images(X, y): expected 5 images, found {count}."
        picks = []
        for k in range(5):
            img = np.asarray(_got(outputs, f"c{c}_img{k}", "display_random_images"), dtype=float)
            title = str(_got(outputs, f"c{c}_title{k}", "display_random_images"))
            if img.ndim == 3 and img.shape[-1] in (3, 4):  # an RGB(A) picture: its channels must agree
                assert np.allclose(img[..., 0], img[..., 1]) and np.allclose(img[..., 0], img[..., 2]), (
                    "display_random_images: the images should be shown in grayscale; one is in colour.")
                img = img[..., 0]
            else:
                rgb = np.asarray(_got(outputs, f"c{c}_rgb{k}", "display_random_images"), dtype=float)
                cmap = str(outputs.get(f"c{c}_cmap{k}", ""))
                assert rgb.ndim == 2 and rgb.shape[1] == 3 and np.ptp(rgb, axis=1).max() < 1e-6, (
                    f"display_random_images: images should be shown in grayscale, but colormap {cmap!r} has "
                    "colours (pass a grayscale cmap to imshow).")
            i = _which_image(img, flat)
            assert i is not None, "display_random_images: an image shown is not one of the input images X[i]."
            assert str(y[i]) in title, (
                f"display_random_images: an image of label {y[i]} has title {title!r}; its title should show its label.")
            picks.append(i)
        shown.append(sorted(picks))
    assert shown[0] != shown[1], "display_random_images: two calls showed the same images; pick them at random."


@contextlib.contextmanager
def _no_show():
    import matplotlib.pyplot as plt
    show = plt.show
    plt.show = lambda *a, **k: None
    try:
        yield
    finally:
        plt.show = show


# --- Q2-Q4: data preparation ------------------------------------------------------

@probe
def probe_extract_digits(inp, extract_digits) -> dict:
    out = {}
    for d1, d2 in inp["extract_pairs"]:
        got_X, got_y = extract_digits(inp["extract_X"], inp["extract_y"], int(d1), int(d2))
        out[f"y_{d1}_{d2}"] = _plain("extract_digits (labels)", got_y)
        out[f"X_{d1}_{d2}"] = _plain("extract_digits (images)", got_X)
    return out


@check("check_extract_digits", question="q2", probe="extract_digits")
def verdict_extract_digits(outputs: dict, ref: dict) -> None:
    for d1, d2 in ref["extract_pairs"]:
        probe = f"digits ({d1}, {d2}) of a {len(ref['extract_y'])}-image probe"
        for part, name in (("y", "labels"), ("X", "images")):
            fn = f"extract_digits ({name})"
            _expect(fn, probe, _got(outputs, f"{part}_{d1}_{d2}", fn), ref[f"extract_{part}_{d1}_{d2}"])


@probe
def probe_vectorize_images(inp, vectorize_images) -> dict:
    """Q3 (both parts): ``vectorize_images`` on 7 probe images whose largest pixels range
    from 255 down to 9 (none all black: MNIST has no such image)."""
    with _strict():
        return {"out": _plain("vectorize_images", vectorize_images(inp["vectorize_in"]))}


def _vectorize_probe(ref) -> str:
    maxima = [int(m) for m in ref["vectorize_in"].reshape(len(ref["vectorize_in"]), -1).max(axis=1)]
    return f"{len(maxima)} probe images (largest pixels {maxima})"


@check("check_vectorize_layout", question="q3", probe="vectorize_images")
def verdict_vectorize_layout(outputs: dict, ref: dict) -> None:
    """Q3, layout: shape (784, N), column k = image k flattened row by row (any scaling)."""
    V = ref["vectorize_in"]
    n, probe = len(V), _vectorize_probe(ref)
    got = np.asarray(_got(outputs, "out", "vectorize_images"))
    if got.shape != (784, n):
        hint = ": one row per image, transpose it" if got.shape == (n, 784) else ""
        raise AssertionError(f"vectorize_images on {probe}: expected shape (784, {n}), one column per "
                             f"image, got {got.shape}{hint}.")
    got = got.astype(float)
    if not np.all(np.isfinite(got)):
        raise AssertionError(f"vectorize_images on {probe}: the result contains NaN or inf.")
    flat = V.reshape(n, -1).T.astype(float)  # column k: image k, pixel (r, c) at 28 r + c
    for k in range(n):
        top = float(np.max(np.abs(got[:, k])))
        if top == 0 or not np.allclose(got[:, k] / top, flat[:, k] / flat[:, k].max(), rtol=1e-4, atol=1e-6):
            raise AssertionError(
                f"vectorize_images on {probe}: column {k} should hold the pixels of image {k} "
                "(X[k]), row after row (pixel (r, c) at position 28 * r + c); it does not.")


@check("check_vectorize_scaling", question="q3", probe="vectorize_images")
def verdict_vectorize_scaling(outputs: dict, ref: dict) -> None:
    """Q3, scaling: each image divided by its own largest pixel (either orientation)."""
    V, want = ref["vectorize_in"], ref["vectorize_out"]
    n, probe = len(V), _vectorize_probe(ref)
    got = np.asarray(_got(outputs, "out", "vectorize_images"))
    if got.shape == (n, 784) and n != 784:
        got = got.T  # the orientation is graded by the layout part
    if got.shape != (784, n):
        raise AssertionError(f"vectorize_images on {probe}: expected shape (784, {n}), got {got.shape}.")
    if not np.all(np.isfinite(got.astype(float))):
        raise AssertionError(f"vectorize_images on {probe}: the result contains NaN or inf.")
    maxima = V.reshape(n, -1).max(axis=1).astype(float)
    for k in range(n):
        if _close(got[:, k], want[:, k], single_precision=_single(got)):
            continue
        if _close(got[:, k], V[k].ravel() / 255.0, single_precision=True):
            raise AssertionError(
                f"vectorize_images on {probe}: image {k}, whose largest pixel is {maxima[k]:g}, was "
                "divided by 255; divide each image by its own largest pixel, so that every image's "
                "brightest pixel becomes 1.")
        raise AssertionError(
            f"vectorize_images on {probe}: the column of image {k} (largest pixel {maxima[k]:g}) should "
            "be its pixels divided by that largest pixel: values in [0, 1], the brightest exactly 1.")


@probe
def probe_training_classes(inp, train_y_1_5, train_y) -> dict:
    return {"classes": _plain("train_y_1_5", np.ravel(train_y_1_5)), "train_y": _plain("train_y", train_y)}


@check("check_training_classes", question="q4", probe="training_classes")
def verdict_training_classes(outputs: dict, ref: dict) -> None:
    """Q4: classes 0 for each 1 and 1 for each 5, in the order of the training labels
    (the grader's own copy of the labels when it has one, else the notebook's)."""
    labels = (ref or {}).get("train_mnist_y")
    labels = np.ravel(_got(outputs, "train_y", "train_y")) if labels is None else labels
    digits = labels[(labels == 1) | (labels == 5)]
    assert np.array_equal(np.ravel(_got(outputs, "classes", "train_y_1_5")), np.where(digits == 1, 0, 1)), (
        "train_y_1_5: each 1 should map to class 0 and each 5 to class 1, in the original order.")


# --- Q5: activations --------------------------------------------------------------

ACTIVATIONS = (  # (name, input key, reference key, probe description)
    ("sigmoid", "act_Z", "sigmoid_out", "a 4x6 matrix with entries up to ±1e4"),
    ("ReLu", "act_Z", "relu_out", "a 4x6 matrix"),
    ("deriv_sigmoid", "act_Y", "deriv_sigmoid_out", "a 4x6 matrix of sigmoid outputs"),
    ("deriv_ReLu", "act_relu_Y", "deriv_relu_out", "a 4x6 matrix of ReLU outputs"),
)


@probe
def probe_activations(inp, sigmoid, deriv_sigmoid, ReLu, deriv_ReLu) -> dict:
    fns = dict(sigmoid=sigmoid, ReLu=ReLu, deriv_sigmoid=deriv_sigmoid, deriv_ReLu=deriv_ReLu)
    out = {}
    with _strict():
        for name, key, _, _ in ACTIVATIONS:
            out[name] = _plain(name, fns[name](inp[key]))
    return out


@check("check_activations", question="q5", probe="activations")
def verdict_activations(outputs: dict, ref: dict) -> None:
    for name, _, want, probe in ACTIVATIONS:
        _expect(name, probe, _got(outputs, name, name), ref[want])


# --- Q7, Q8: feedforward and backpropagation --------------------------------------

def _net_name(ref, p) -> str:
    layers = [int(v) for v in ref[f"net{p}_layers"]]
    return f"a network with layers {layers} and a batch of {ref[f'net{p}_X'].shape[1]} samples"


def _probe_networks(inp, NNet):
    """Yield ``(p, name, model, X, Y, eta)`` for each probe network, with probe weights."""
    for p in range(int(inp["net_count"])):
        layers = [int(v) for v in inp[f"net{p}_layers"]]
        X = inp[f"net{p}_X"]
        model = NNet(input_size=layers[0], output_size=layers[-1], batch_size=X.shape[1],
                     hidden_layers=layers[1:-1])
        model.W = [inp[f"net{p}_W{l}"].copy() for l in range(len(layers) - 1)]
        yield p, _net_name(inp, p), model, X, inp[f"net{p}_Y"], float(inp[f"net{p}_eta"])


@probe
def probe_feedforward(inp, feedforward, NNet) -> dict:
    """Q7 (hidden and output parts): every layer's Z and Y, each network built for its batch."""
    out = {}
    for p, _, model, X, _, _ in _probe_networks(inp, NNet):
        with _strict(over="ignore"):
            model = feedforward(model, X)
        for l in range(len(model.W)):
            n = X.shape[1]
            out[f"net{p}_Z{l}"] = _plain(f"feedforward (Z[{l}])", np.asarray(model.Z[l])[:, :n])
            out[f"net{p}_Y{l}"] = _plain(f"feedforward (Y[{l}])", np.asarray(model.Y[l])[:, :n])
    return out


def _layer_count(ref, p) -> int:
    return len(ref[f"net{p}_layers"]) - 1


@check("check_feedforward_hidden", question="q7", probe="feedforward")
def verdict_feedforward_hidden(outputs: dict, ref: dict) -> None:
    """Q7, hidden layers: Z and Y (ReLU) of every hidden layer equal the reference."""
    for p in range(int(ref["net_count"])):
        for l in range(_layer_count(ref, p) - 1):
            for part, want in (("Z", "Z"), ("Y", "A")):
                fn = f"feedforward (hidden layer Z[{l}])" if part == "Z" else f"feedforward (hidden layer Y[{l}])"
                hint = ("A hidden layer's Z is W[l] times its input with a row of ones below it, and its Y "
                        "is ReLU(Z)." if l > 0 else "Z[0] is W[0] times X with a row of ones below it, "
                        "and Y[0] is ReLU(Z[0]).")
                _expect(fn, _net_name(ref, p), _got(outputs, f"net{p}_{part}{l}", fn), ref[f"net{p}_{want}{l}"],
                        hint=hint)


def _sigmoid64(Z):
    Z = np.asarray(Z, dtype=float)
    e = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1.0, e) / (1.0 + e)


@check("check_feedforward_output", question="q7", probe="feedforward")
def verdict_feedforward_output(outputs: dict, ref: dict) -> None:
    """Q7, output layer, judged on the student's own last hidden output (so that a hidden-layer
    mistake is not charged twice): Z = W[L-1] [Y[L-2]; 1] and Y = sigmoid(Z)."""
    for p in range(int(ref["net_count"])):
        last = _layer_count(ref, p) - 1
        name = _net_name(ref, p)
        prev = np.asarray(_got(outputs, f"net{p}_Y{last - 1}", "feedforward"))
        Z = np.asarray(_got(outputs, f"net{p}_Z{last}", f"feedforward (output layer Z[{last}])"))
        Y = np.asarray(_got(outputs, f"net{p}_Y{last}", f"feedforward (output layer Y[{last}])"))
        W = ref[f"net{p}_W{last}"]
        if prev.ndim != 2 or prev.shape[0] != W.shape[1] - 1:
            raise AssertionError(f"feedforward on {name}: Y[{last - 1}], the input of the output layer, has "
                                 f"shape {prev.shape}; expected {W.shape[1] - 1} rows.")
        want_Z = W @ np.vstack([prev.astype(float), np.ones((1, prev.shape[1]))])
        _expect(f"feedforward (output layer Z[{last}])", name, Z, want_Z.astype(float),
                hint=f"The output layer's Z is W[{last}] times Y[{last - 1}] with a row of ones as its last row.")
        _expect(f"feedforward (output layer Y[{last}])", name, Y, _sigmoid64(Z),
                hint="The output layer's Y is the sigmoid of its Z (the hidden layers use ReLU).")


ANY_BATCH = (("bigger", lambda n: n + 3), ("smaller", lambda n: max(1, n // 2)))


@probe
def probe_feedforward_any_batch(inp, feedforward, NNet) -> dict:
    """Q7, any N: each probe network built with batch_size N, N + 3 and N // 2, fed the same
    N columns; every layer's Y (first N columns), or the error raised."""
    out = {}
    for p in range(int(inp["net_count"])):
        layers = [int(v) for v in inp[f"net{p}_layers"]]
        X = inp[f"net{p}_X"]
        n = X.shape[1]
        for tag, batch in (("same", n), *((t, size(n)) for t, size in ANY_BATCH)):
            model = NNet(input_size=layers[0], output_size=layers[-1], batch_size=batch,
                         hidden_layers=layers[1:-1])
            model.W = [inp[f"net{p}_W{l}"].copy() for l in range(len(layers) - 1)]
            try:
                with _strict(over="ignore"):
                    model = feedforward(model, X)
                for l in range(len(layers) - 1):
                    out[f"net{p}_{tag}_Y{l}"] = _plain(f"feedforward (Y[{l}])", np.asarray(model.Y[l])[:, :n])
            except Exception as exc:  # noqa: BLE001 - the error is the finding
                out[f"net{p}_{tag}_error"] = np.array(f"{type(exc).__name__}: {exc}"[:300])
    return out


@check("check_feedforward_any_batch", question="q7", probe="feedforward_any_batch")
def verdict_feedforward_any_batch(outputs: dict, ref: dict) -> None:
    """Q7, any N: a model built for batch_size B gives, for N != B columns, what a model built
    for N gives (the student's own results: correctness is the other parts' business)."""
    for p in range(int(ref["net_count"])):
        layers = [int(v) for v in ref[f"net{p}_layers"]]
        n, count = ref[f"net{p}_X"].shape[1], len(layers) - 1
        name = f"a network with layers {layers}"
        if f"net{p}_same_error" in outputs:
            raise AssertionError(f"feedforward on {name}, built with batch_size={n} and given {n} columns, "
                                 f"raised {outputs[f'net{p}_same_error']}")
        same = [np.asarray(_got(outputs, f"net{p}_same_Y{l}", "feedforward")) for l in range(count)]
        if same[-1].size == 0 or not np.any(same[-1]):
            raise AssertionError(f"feedforward on {name}: model.Y[{count - 1}] is still all zeros after the "
                                 "forward pass; store each layer's output in model.Y.")
        for tag, size in ANY_BATCH:
            batch = size(n)
            where = f"{name} built with batch_size={batch} and given {n} columns"
            if f"net{p}_{tag}_error" in outputs:
                raise AssertionError(
                    f"feedforward on {where} raised {outputs[f'net{p}_{tag}_error']}. It must work for any "
                    "number of columns, whatever batch_size the model was built with (predict feeds it all "
                    "the test images at once).")
            for l in range(count):
                got = np.asarray(_got(outputs, f"net{p}_{tag}_Y{l}", "feedforward"))
                low = _single(got) or _single(same[l])
                if got.shape != same[l].shape or not _close(got, same[l].astype(float), single_precision=low):
                    raise AssertionError(
                        f"feedforward on {where}: Y[{l}] differs from what the same network built with "
                        f"batch_size={n} gives for these {n} columns (shape {got.shape}, expected "
                        f"{same[l].shape}); the result should depend only on W and X.")


@probe
def probe_backpropagation(inp, feedforward, backpropagation, NNet) -> dict:
    out = {}
    for p, _, model, X, Y, eta in _probe_networks(inp, NNet):
        with _strict(over="ignore"):
            model = backpropagation(feedforward(model, X), X, Y, eta)
        out.update({f"net{p}_W{l}": _plain(f"backpropagation (W[{l}])", model.W[l]) for l in range(len(model.W))})
    return out


@check("check_backpropagation", question="q8", probe="backpropagation")
def verdict_backpropagation(outputs: dict, ref: dict) -> None:
    for p in range(int(ref["net_count"])):
        for l in range(_layer_count(ref, p)):
            fn = f"backpropagation (updated W[{l}])"
            _expect(fn, _net_name(ref, p), _got(outputs, f"net{p}_W{l}", fn), ref[f"net{p}_newW{l}"])


def _oracle_cost(Ws, X, Y) -> float:
    """Square loss 1/2 ||Y_L - Y||^2 of an independent forward pass (ReLU hidden, sigmoid out)."""
    A = X
    for l, W in enumerate(Ws):
        Z = W @ np.vstack([A, np.ones((1, A.shape[1]))])
        A = 1.0 / (1.0 + np.exp(-Z)) if l == len(Ws) - 1 else np.maximum(Z, 0.0)
    return 0.5 * float(np.sum((A - Y) ** 2))


def numeric_gradient(Ws, X, Y, l, h=1e-6):
    """Centred finite-difference gradient of the square loss w.r.t. ``Ws[l]`` (float64)."""
    grad = np.zeros_like(Ws[l])
    for idx in np.ndindex(*Ws[l].shape):
        old = Ws[l][idx]
        Ws[l][idx] = old + h
        up = _oracle_cost(Ws, X, Y)
        Ws[l][idx] = old - h
        down = _oracle_cost(Ws, X, Y)
        Ws[l][idx] = old
        grad[idx] = (up - down) / (2 * h)
    return grad


GRAD_ETA = 1e-3
GRAD_ETA_SINGLE, GRAD_TOL_SINGLE = 1.0, 1e-3  # float32 weights: a step big enough to measure, float32 tolerance


@probe
def probe_gradient(inp, feedforward, backpropagation, NNet) -> dict:
    """One step of backpropagation from the gradient probe's weights, with eta = 1e-3 and with
    eta = 1 (``big_``): W[l] - eta * dC/dW[l] is linear in eta, and the big step is what
    float32 weights are judged on (a 1e-3 step is lost in float32 rounding)."""
    layers = [int(v) for v in inp["grad_layers"]]
    X, Y = inp["grad_X"], inp["grad_Y"]
    out = {}
    for tag, eta in (("", GRAD_ETA), ("big_", GRAD_ETA_SINGLE)):
        model = NNet(input_size=layers[0], output_size=layers[-1], batch_size=X.shape[1],
                     hidden_layers=layers[1:-1])
        model.W = [inp[f"grad_W{l}"].copy() for l in range(len(layers) - 1)]
        with _strict(over="ignore"):
            model = backpropagation(feedforward(model, X), X, Y, eta)
        out.update({f"{tag}W{l}": _plain(f"backpropagation (W[{l}])", model.W[l]) for l in range(len(layers) - 1)})
    return out


@check("check_gradient", question="q8", probe="gradient")
def verdict_gradient(outputs: dict, ref: dict, tol=1e-5) -> None:
    """Compare the student's weight update with a finite-difference gradient, layer by layer
    (in float64 here; float32 weights are judged on the eta = 1 step, at a float32 tolerance)."""
    W0 = [ref[f"grad_W{l}"] for l in range(len(ref["grad_layers"]) - 1)]
    single = any(_single(outputs.get(f"W{l}", np.zeros(0))) for l in range(len(W0)))
    tag, eta, tol = ("big_", GRAD_ETA_SINGLE, max(tol, GRAD_TOL_SINGLE)) if single else ("", GRAD_ETA, tol)
    for l in range(len(W0)):
        fn = f"backpropagation (W[{l}])"
        new = np.asarray(_got(outputs, f"{tag}W{l}", fn), dtype=float)
        if new.shape != W0[l].shape:
            raise AssertionError(f"{fn}: expected shape {W0[l].shape} after one step, got {new.shape}.")
        analytic = (W0[l] - new) / eta
        numeric = numeric_gradient([w.copy() for w in W0], ref["grad_X"], ref["grad_Y"], l)
        err = np.max(np.abs(analytic - numeric)) / max(1e-12, np.max(np.abs(numeric)))
        if not err < tol:
            raise AssertionError(
                f"backpropagation: the update of W[{l}] (layer {l + 1} of {len(W0)}, counting from "
                f"the input) does not follow the gradient of the square loss (relative error "
                f"{err:.1e}, step eta={eta:g}). Check this layer's delta, its activation derivative and "
                "the bias row.")


# --- Q9: training -----------------------------------------------------------------------
# train_NNet is called as the assignment defines it, train_NNet(X, Y, epochs, batch_size, eta);
# options beyond those (hidden_layers, plot) are passed only when the function accepts them.
# Inside a probe, the notebook's NNet builds small networks (hidden layers PROBE_HIDDEN instead
# of the class default [512, 256, 64], whose uniform [-1, 1] weights saturate the output on any
# problem), and the notebook's backpropagation is wrapped to record the mini-batches it is given.

PROBE_HIDDEN = [8]
BATCH_RUN = (3, 16, 0.05)  # epochs, batch_size, eta: the shuffle, mini-batch and plot probes
LEARN_RUN = (200, 16, 0.1)  # the learning probe (a gradient averaged over the batch still learns in time)
LEARN_THRESHOLD = 0.9


def _accepts(fn, name: str) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


def _small_network_class(NNet):
    """A subclass of the notebook's NNet whose networks have hidden layers PROBE_HIDDEN."""
    try:
        signature = inspect.signature(NNet)
    except (TypeError, ValueError):
        return NNet
    if not isinstance(NNet, type) or "hidden_layers" not in signature.parameters:
        return NNet

    class Small(NNet):
        def __init__(self, *args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.arguments["hidden_layers"] = list(PROBE_HIDDEN)
            super().__init__(*bound.args, **bound.kwargs)

    Small.__name__, Small.__qualname__ = NNet.__name__, NNet.__qualname__
    return Small


class _Batches:
    """Wraps backpropagation(model, X, Y, eta): records the X and Y of every call."""

    def __init__(self):
        self.X, self.Y = [], []

    def wrap(self, backpropagation):
        try:
            signature = inspect.signature(backpropagation)
        except (TypeError, ValueError):
            signature = None

        def observed(*args, **kwargs):
            try:
                values = list(signature.bind(*args, **kwargs).arguments.values()) if signature else list(args)
                X, Y = values[1], values[2]
            except (TypeError, IndexError):
                return backpropagation(*args, **kwargs)  # let the student's function report it
            self.X.append(np.array(X, dtype=float, copy=True).reshape(np.shape(X)[0], -1))
            self.Y.append(np.array(Y, dtype=float, copy=True).reshape(-1))
            return backpropagation(*args, **kwargs)

        return observed


def _figure_lines(figures, found: dict) -> None:
    """Record (in ``found``, by figure) the y data of every line of every axes of ``figures``."""
    for fig in figures:
        per_axes = []
        for ax in fig.axes:
            lines = []
            for line in ax.lines:
                try:
                    lines.append(np.asarray(line.get_ydata(), dtype=float).ravel())
                except (TypeError, ValueError):
                    continue
            if lines:
                per_axes.append(lines)
        found[id(fig)] = per_axes


def _train(inp, train_NNet, epochs: int, batch_size: int, eta: float, plot: bool):
    """``(model, returned extras, batches, lines per axes)`` of one probe run of train_NNet on
    the probe problem (train_X, train_Y); figures are captured when shown, then closed."""
    import matplotlib.pyplot as plt
    space = getattr(train_NNet, "__globals__", {})
    batches, swaps = _Batches(), {}
    if isinstance(space.get("NNet"), type):
        swaps["NNet"] = _small_network_class(space["NNet"])
    if callable(space.get("backpropagation")):
        swaps["backpropagation"] = batches.wrap(space["backpropagation"])
    extras = {}
    if _accepts(train_NNet, "hidden_layers"):
        extras["hidden_layers"] = list(PROBE_HIDDEN)
    if _accepts(train_NNet, "plot"):
        extras["plot"] = plot
    before, found, show = set(plt.get_fignums()), {}, plt.show

    def new_figures():
        return [plt.figure(n) for n in plt.get_fignums() if n not in before]

    plt.show = lambda *a, **k: _figure_lines(new_figures(), found)
    try:
        with _swapped(space, **swaps):
            result = train_NNet(inp["train_X"].copy(), inp["train_Y"].copy(), epochs, batch_size, eta, **extras)
    finally:
        plt.show = show
        figures = new_figures()
        _figure_lines(figures, found)
        for fig in figures:
            plt.close(fig)
    extra = ()
    if isinstance(result, (tuple, list)) and result and hasattr(result[0], "W"):
        result, extra = result[0], tuple(result[1:])
    if not hasattr(result, "W"):
        raise AssertionError(f"train_NNet should return the trained model (an NNet), got {type(result).__name__}.")
    return result, extra, batches, [lines for per_fig in found.values() for lines in per_fig]


def _run_name(run) -> str:
    epochs, batch_size, eta = run
    return f"train_NNet(X, Y, epochs={epochs}, batch_size={batch_size}, eta={eta}) on a 4 x 64 probe problem"


@probe
def probe_training_batches(inp, train_NNet) -> dict:
    """The X and Y of each backpropagation call of a short training run (BATCH_RUN)."""
    _, _, batches, _ = _train(inp, train_NNet, *BATCH_RUN, plot=False)
    out = {"calls": np.array(len(batches.X)), "widths": np.array([x.shape[1] for x in batches.X], dtype=int)}
    if batches.X:
        out["X"] = np.hstack(batches.X) if len({x.shape[0] for x in batches.X}) == 1 else np.zeros((0, 0))
        out["Y"] = np.concatenate(batches.Y)
    return out


def _batch_calls(outputs: dict) -> int:
    calls = int(_got(outputs, "calls", "train_NNet"))
    if calls == 0:
        raise AssertionError(f"{_run_name(BATCH_RUN)} never called backpropagation: on each mini-batch, run "
                             "feedforward and then backpropagation (your functions above).")
    return calls


@check("check_training_shuffles", question="q9", probe="training_batches")
def verdict_training_shuffles(outputs: dict, ref: dict) -> None:
    """Q9, shuffling: every epoch uses each column once, in a new random order, and each
    column's target travels with it (X and Y permuted together)."""
    _batch_calls(outputs)
    X, Y = ref["train_X"], ref["train_Y"].ravel()
    (D, N), epochs = X.shape, BATCH_RUN[0]
    seen_X = np.asarray(_got(outputs, "X", "train_NNet"), dtype=float)
    seen_Y = np.asarray(_got(outputs, "Y", "train_NNet"), dtype=float).ravel()
    run = _run_name(BATCH_RUN)
    if seen_X.ndim != 2 or seen_X.shape[0] != D or seen_X.shape[1] != seen_Y.size:
        raise AssertionError(f"{run}: the batches given to backpropagation should be X columns ({D} rows) "
                             "with one target per column.")
    distance = np.abs(seen_X.T[:, None, :] - X.T[None, :, :]).max(axis=2)
    idx = np.argmin(distance, axis=1)
    if not np.all(distance[np.arange(idx.size), idx] < 1e-4):
        raise AssertionError(f"{run}: backpropagation was given columns that are not columns of X.")
    if not np.array_equal(seen_Y, Y[idx]):
        raise AssertionError(f"{run}: the targets given with a mini-batch are not those of its columns of X. "
                             "Shuffle X and Y with the same permutation (index both with one array).")
    if idx.size != epochs * N:
        raise AssertionError(f"{run}: over {epochs} epochs backpropagation saw {idx.size} columns; each of the "
                             f"{N} columns should be used once per epoch ({epochs * N}).")
    orders = idx.reshape(epochs, N)
    if any(not np.array_equal(np.sort(order), np.arange(N)) for order in orders):
        raise AssertionError(f"{run}: an epoch used some columns twice and others not at all; each epoch "
                             "should go through a permutation of all the columns.")
    if any(np.array_equal(order, np.arange(N)) for order in orders):
        raise AssertionError(f"{run}: an epoch went through the columns in their original order; shuffle "
                             "the columns at the start of every epoch.")
    if all(np.array_equal(order, orders[0]) for order in orders):
        raise AssertionError(f"{run}: every epoch went through the columns in the same order; draw a new "
                             "permutation at the start of each epoch.")


@check("check_training_minibatches", question="q9", probe="training_batches")
def verdict_training_minibatches(outputs: dict, ref: dict) -> None:
    """Q9, mini-batches: one backpropagation step per mini-batch of batch_size columns."""
    calls = _batch_calls(outputs)
    epochs, batch_size, _ = BATCH_RUN
    N = ref["train_X"].shape[1]
    steps = -(-N // batch_size)
    widths = np.ravel(_got(outputs, "widths", "train_NNet")).astype(int)
    if calls != epochs * steps or np.any(widths != batch_size):
        raise AssertionError(
            f"{_run_name(BATCH_RUN)}: each epoch should make {steps} steps on mini-batches of {batch_size} "
            f"columns ({epochs * steps} steps in all); backpropagation was called {calls} times, on "
            f"batches of {sorted(set(widths.tolist()))} columns.")


@probe
def probe_learns_separable(inp, train_NNet, feedforward) -> dict:
    """The outputs, on held-back points of the same problem, of a network trained LEARN_RUN on
    the separable Q9 problem (the held-back labels stay with the grader)."""
    model, _, _, _ = _train(inp, train_NNet, *LEARN_RUN, plot=False)
    test = inp["train_test_X"]
    size = int(getattr(model, "batch_size", LEARN_RUN[1]) or LEARN_RUN[1])
    outs = []
    for start in range(0, test.shape[1], size):  # in chunks the model was built for
        chunk = test[:, start:start + size]
        outs.append(np.asarray(feedforward(model, chunk).Y[-1])[:, :chunk.shape[1]])
    return {"out": _plain("train_NNet", np.hstack(outs))}


@check("check_learns_separable", question="q9", probe="learns_separable")
def verdict_learns_separable(outputs: dict, ref: dict) -> None:
    got = np.asarray(_got(outputs, "out", "train_NNet"), dtype=float)
    labels = ref["train_test_labels"]
    if got.size != labels.size:
        raise AssertionError(f"train_NNet: the trained network gave {got.size} outputs for {labels.size} points.")
    acc = float(np.mean((got.ravel() > 0.5) == (labels.ravel() > 0.5)))
    epochs, batch_size, eta = LEARN_RUN
    assert acc >= LEARN_THRESHOLD, (
        f"train_NNet(X, Y, epochs={epochs}, batch_size={batch_size}, eta={eta}) on a linearly separable "
        f"4-input problem (64 points): the trained network classifies only {100 * acc:.0f}% of "
        f"{labels.size} new points of the same problem correctly (at least {100 * LEARN_THRESHOLD:.0f}% "
        "expected). Check that the cost goes down during training.")


def _histories(model, extra) -> dict:
    """Cost and weight-change histories train_NNet returned: model attributes whose name
    mentions cost/loss or change/delta/norm, or further values returned after the model."""
    found = {}
    named = [(k, v) for k, v in vars(model).items() if not k.startswith("_")] if hasattr(model, "__dict__") else []
    named += [(f"returned value {i + 2}", v) for i, v in enumerate(extra)]
    for name, value in named:
        lower = name.lower()
        kind = ("cost" if any(w in lower for w in ("cost", "loss")) else
                "change" if any(w in lower for w in ("change", "delta", "norm", "dw")) else
                "cost" if name.startswith("returned") and np.ndim(value) == 1 else
                "change" if name.startswith("returned") and np.ndim(value) == 2 else None)
        if kind is None or kind in found:
            continue
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            continue
        if arr.ndim == (1 if kind == "cost" else 2) and arr.size:
            found[kind] = (name, arr)
    return found


MAX_AXES, MAX_LINES = 8, 16


@probe
def probe_training_plots(inp, train_NNet) -> dict:
    """The curves train_NNet drew (y data per axes), its number of steps and layers, and the
    histories it returned, if any."""
    model, extra, batches, lines = _train(inp, train_NNet, *BATCH_RUN, plot=True)
    out = {"calls": np.array(len(batches.X)), "layers": np.array(len(model.W)), "axes": np.array(len(lines))}
    for i, per_axes in enumerate(lines[:MAX_AXES]):
        for j, ydata in enumerate(per_axes[:MAX_LINES]):
            out[f"ax{i}_line{j}"] = ydata
    for kind, (name, arr) in _histories(model, extra).items():
        out[f"hist_{kind}"], out[f"hist_{kind}_name"] = arr, np.array(name)
    return out


@check("check_training_plots", question="q9", probe="training_plots")
def verdict_training_plots(outputs: dict, ref: dict) -> None:
    """Q9, plots: a cost curve and one weight-change curve per layer, each with one point per
    iteration; when train_NNet keeps its histories, the curves are those histories."""
    epochs, batch_size, _ = BATCH_RUN
    N = ref["train_X"].shape[1]
    calls = int(_got(outputs, "calls", "train_NNet"))
    steps = calls or epochs * -(-N // batch_size)
    layers = int(_got(outputs, "layers", "train_NNet"))
    lines = [np.asarray(v, dtype=float).ravel() for k, v in sorted(outputs.items())
             if re.fullmatch(r"ax\d+_line\d+", k)]
    run = _run_name(BATCH_RUN)
    if not lines:
        raise AssertionError(f"{run} drew no curves: at the end, plot the cost and the weight-change norms "
                             "against the iteration.")
    full = [line for line in lines if line.size == steps]
    if len(full) < 1 + layers:
        raise AssertionError(
            f"{run} made {steps} steps (iterations), so its plots should show a cost curve and one "
            f"weight-change curve per layer ({layers} layers), each with {steps} points, one per iteration; "
            f"found {len(full)} such curve(s) among curves of {sorted({line.size for line in lines})} points.")
    for kind, what in (("cost", "cost"), ("change", "weight-change norms")):
        if f"hist_{kind}" not in outputs:
            continue
        hist, name = np.asarray(outputs[f"hist_{kind}"], dtype=float), str(outputs.get(f"hist_{kind}_name", ""))
        series = [hist] if kind == "cost" else ([hist[:, l] for l in range(hist.shape[1])] if hist.shape[0] == steps
                                               else [hist[l] for l in range(hist.shape[0])])
        for curve in series:
            if not any(line.shape == curve.shape and np.allclose(line, curve, rtol=1e-5, atol=1e-12)
                       for line in lines):
                raise AssertionError(f"{run}: the {what} it recorded ({name}) do not appear among the plotted "
                                     "curves; plot the recorded histories.")


# --- Q10-Q12: predictions ----------------------------------------------------------

@probe
def probe_predict(inp, predict, NNet) -> dict:
    layers = [int(v) for v in inp["predict_layers"]]
    model = NNet(input_size=784, output_size=1, batch_size=17, hidden_layers=layers[1:-1])
    model.W = [inp[f"predict_W{l}"].copy() for l in range(len(layers) - 1)]
    return {"out": _plain("predict", np.ravel(predict(model, inp["predict_images"], 3, 8)))}


@check("check_predict", question="q10", probe="predict")
def verdict_predict(outputs: dict, ref: dict) -> None:
    _expect("predict", f"{len(ref['predict_images'])} images with digits (3, 8)",
            _got(outputs, "out", "predict"), ref["predict_out"])


def _heldout(values: dict, d1, d2, part: str):
    """Images (``x``) or labels (``y``) of the held-out pair: from the probe inputs / the
    grader's reference dict when there, else from ``heldout_{d1}_{d2}.npz`` (otter)."""
    key = f"heldout_{d1}_{d2}_{part}"
    if key in values:
        return values[key]
    with np.load(f"heldout_{d1}_{d2}.npz", allow_pickle=False) as data:
        return data[part]


def negated_output(model):
    """A copy of ``model`` whose output layer ``W[-1]`` is negated (bias included), so that
    its output ``sigmoid(-Z)`` is ``1 - sigmoid(Z)``: a ``predict`` that uses the model gives
    the other digit for (almost) every image. ``model`` itself is not changed."""
    try:
        other = copy.deepcopy(model)
    except Exception:  # noqa: BLE001 - an object deepcopy cannot handle: copy its lists only
        other = copy.copy(model)
        for key, value in list(getattr(other, "__dict__", {}).items()):
            if isinstance(value, list):
                setattr(other, key, list(value))
    weights = list(other.W)
    weights[-1] = -np.asarray(weights[-1])
    other.W = weights
    return other


@probe
def probe_heldout_accuracy(inp, predict, model, d1, d2) -> dict:
    """The student's predictions on the held-out IMAGES of (d1, d2) (labels never needed),
    with ``model`` (``pred``) and with :func:`negated_output` of it (``pred_flipped``, or
    ``flipped_error``: the consistency check of the verdict)."""
    fn = f"predict(model_{d1}_{d2}, images, {d1}, {d2})"
    images = _heldout(inp, d1, d2, "x")
    out = {"pred": _plain(fn, np.ravel(np.asarray(predict(model, images, d1, d2))))}
    try:
        flipped = predict(negated_output(model), images.copy(), d1, d2)
        out["pred_flipped"] = _plain(fn, np.ravel(np.asarray(flipped)))
    except Exception as exc:  # noqa: BLE001 - the error is the finding
        out["flipped_error"] = np.array(f"{type(exc).__name__}: {exc}"[:300])
    return out


def heldout_accuracy(outputs: dict, d1, d2, ref=None) -> float:
    """Accuracy (0..1) of the predictions in ``outputs`` against the held-out labels."""
    labels = (ref or {}).get(f"heldout_{d1}_{d2}_y")
    labels = _heldout(ref or {}, d1, d2, "y") if labels is None else labels
    got = np.ravel(np.asarray(_got(outputs, "pred", f"predict(model_{d1}_{d2}, ...)")))
    if got.shape != labels.shape:
        raise AssertionError(f"predict(model_{d1}_{d2}, images, {d1}, {d2}) returned "
                             f"{got.size} predictions for {labels.size} images.")
    return float(np.mean(got == labels))


# On the offline stand-in (scikit-learn's digits, about 90 held-out images a pair, so one
# image is 1.1 %) every tier is lowered by this much: the MNIST tiers were set from MNIST
# measurements, and on 90 images the answer key's one unlucky image would cost a tier.
STANDIN_TIER_DROP = 0.07


def heldout_dataset(d1, d2, ref=None) -> str:
    """What the held-out set of (d1, d2) was drawn from: "mnist" or a stand-in ("digits")."""
    found = (ref or {}).get(f"heldout_{d1}_{d2}_dataset")
    if found is None:
        try:
            with np.load(f"heldout_{d1}_{d2}.npz", allow_pickle=False) as data:
                found = data["dataset"] if "dataset" in data.files else "mnist"
        except OSError:
            found = "mnist"
    return str(found)


# Consistency: with its output layer negated, an honest model's predictions flip, so its
# accuracy becomes 1 - accuracy (under 10 % for any model that earns a tier; at most the share
# of one digit, about 56 %, when the output is not a sigmoid). A predict that ignores its model
# keeps its accuracy. Above this bound, the held-out tiers earn nothing.
FLIPPED_MAX = 0.75


def verdict_consistent(outputs: dict, ref: dict, d1, d2) -> None:
    """Do the predictions come from the model? ``predict`` with :func:`negated_output` of the
    model must score at most :data:`FLIPPED_MAX` (chance is about 50 %)."""
    call = f"predict(model_{d1}_{d2}, images, {d1}, {d2})"
    if "flipped_error" in outputs:
        raise AssertionError(f"{call} was also run with a copy of model_{d1}_{d2} whose output layer W[-1] was "
                             f"negated, and raised {outputs['flipped_error']}; predict must work for any weights "
                             "of the model it is given.")
    flipped = heldout_accuracy({"pred": _got(outputs, "pred_flipped", call)}, d1, d2, ref)
    if flipped > FLIPPED_MAX:
        raise AssertionError(
            f"{call}: with a copy of the model whose output layer W[-1] was negated (each output y becomes "
            f"1 - y), predict still gave the right digit for {100 * flipped:.0f}% of the held-out images. Its "
            "answers must come from running the model it is given (feedforward), not from anything else, so "
            "the held-out tests give no points.")


@check("check_heldout_accuracy", question="q11, q12", probe="heldout_accuracy")
def verdict_heldout_accuracy(outputs: dict, ref: dict, d1, d2, threshold) -> None:
    acc = heldout_accuracy(outputs, d1, d2, ref)
    dataset = heldout_dataset(d1, d2, ref)
    if dataset != "mnist":
        threshold = round(threshold - STANDIN_TIER_DROP, 4)
    if acc < threshold:
        where = "" if dataset == "mnist" else f" (the tier for the '{dataset}' stand-in data)"
        raise AssertionError(f"model_{d1}_{d2}: held-out accuracy {100 * acc:.2f}% is below "
                             f"{100 * threshold:.2f}%{where}. See the tips in the prompt.")
    verdict_consistent(outputs, ref, d1, d2)


# --- Q11, Q12: integrity signals (codes for the instructor; never points) ---------------------
# "From scratch": the models should be the notebook's own NNet, and predict should get its answers
# from the notebook's own feedforward. The probe counts, while predict runs on a few held-out
# images, the calls of the notebook's feedforward on an NNet; the verdict turns what it saw into
# short codes (model:<class name>, predict:not-own-feedforward) for the gradebook's integrity column.

INTEGRITY_IMAGES = 16


def _type_name(obj) -> str:
    kind = type(obj)
    return f"{kind.__module__}.{kind.__qualname__}"


def _is_own(obj, NNet) -> bool:
    """Is ``obj`` an NNet of the notebook (also one of an earlier definition of the class, as when
    the class cell ran again after training)?"""
    if not isinstance(NNet, type):
        return False
    kind = type(obj)
    return isinstance(obj, NNet) or (kind.__module__, kind.__qualname__) == (NNet.__module__, NNet.__qualname__)


@probe
def probe_integrity(inp, predict, feedforward, NNet, model, d1, d2) -> dict:
    """The type of ``model`` (module + qualname), whether it is an instance of the notebook's
    ``NNet``, and how often ``predict(model, images, d1, d2)`` called the notebook's own
    ``feedforward`` with an NNet (``ff_calls``; -1 when predict raised)."""
    out = {"type": np.array(_type_name(model)), "own_model": np.array(_is_own(model, NNet)),
           "ff_calls": np.array(-1)}
    space = getattr(predict, "__globals__", None)
    calls = []

    def counted(*args, **kwargs):
        if args and _is_own(args[0], NNet):
            calls.append(1)
        return feedforward(*args, **kwargs)

    images = np.array(_heldout(inp, d1, d2, "x")[:INTEGRITY_IMAGES])
    try:
        if isinstance(space, dict) and space.get("feedforward") is feedforward:
            with _swapped(space, feedforward=counted):
                predict(model, images, d1, d2)
        else:  # predict does not see the notebook's feedforward under that name: it cannot call it
            predict(model, images, d1, d2)
        out["ff_calls"] = np.array(len(calls))
    except Exception:  # noqa: BLE001 - a failing predict is the accuracy checks' business
        pass
    return out


@REGISTRY.signal("integrity_model", probe="integrity", calls=[
    (name("predict"), name("feedforward"), name("NNet"), name(f"model_{d1}_{d2}"), const(d1), const(d2))
    for d1, d2 in ((1, 5), (7, 9))])
def verdict_integrity(outputs: dict, ref: dict, d1, d2) -> tuple:
    """``model:<class>`` when ``model_{d1}_{d2}`` is not an instance of the notebook's NNet;
    ``predict:not-own-feedforward`` when predict ran without the notebook's feedforward."""
    codes = []
    if "own_model" in outputs and not bool(outputs["own_model"]):
        codes.append("model:" + str(outputs.get("type", "unknown")).rpartition(".")[2][:40])
    if int(outputs.get("ff_calls", -1)) == 0:
        codes.append("predict:not-own-feedforward")
    return tuple(codes)


# --- what otter's tests call: check_X = verdict(probe(...)), generated from the registry ------

ENTRY_POINTS = REGISTRY.entry_points()
globals().update(ENTRY_POINTS)
CHECKS = tuple(ENTRY_POINTS)  # the names hidden tests may call

