"""Hidden checks for the MLP assignment, run by the autograder.

Each check has two halves, defined once here and used by both graders:

* ``probe_<name>(*student objects)`` runs the student's functions on probe INPUTS only
  and returns a flat dict of plain numeric/str arrays (what the student's code produced);
* ``verdict_<name>(outputs, *constants, ref=None)`` compares those outputs with the
  reference values and labels and raises ``AssertionError`` with a message that names
  the function, the probe that broke it and what was expected, without printing
  reference values.

``check_<name>(...)`` = ``verdict(probe(...))``: what the notebook's hidden test cells
(otter, Gradescope) call. ``mlp-course grade`` instead runs only the probes inside the
student's sandbox (inputs from ``mlp_probe_inputs.npz``, no labels, no reference
outputs) and computes the verdicts in its own process. ``CHECKS`` lists the pairs;
``INPUT_KEY`` says which reference keys are inputs (everything else never reaches the
student's process).

Shapes: columns are samples; N samples, D inputs, ``W[l]`` of shape
``(n_{l+1}, n_l + 1)`` with the bias in the last column.
"""

from __future__ import annotations

import contextlib
import os
import re
import warnings

import numpy as np

REFERENCE_FILE = "mlp_reference.npz"
PROBE_INPUTS_FILE = "mlp_probe_inputs.npz"
RTOL, ATOL = 1e-6, 1e-8
INPUT_KEY = re.compile(r"^(extract_(X|y|pairs)|vectorize_in|act_(Z|Y|relu_Y)|net_count"
                       r"|net\d+_(layers|X|Y|eta|W\d+)|grad_(layers|X|Y|W\d+)|predict_(layers|images|W\d+)"
                       r"|train_[XY]|heldout_\d_\d_x)$")
_cache: dict = {}


def _load(path) -> dict:
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def reference() -> dict:
    """Return the reference probes and values as a dict of arrays (loaded once)."""
    if "ref" not in _cache:
        _cache["ref"] = _load(REFERENCE_FILE)
    return _cache["ref"]


def probe_inputs() -> dict:
    """The probe inputs: ``mlp_probe_inputs.npz`` in a sandbox, else the reference file."""
    if "inputs" not in _cache:
        _cache["inputs"] = _load(PROBE_INPUTS_FILE) if os.path.exists(PROBE_INPUTS_FILE) else reference()
    return _cache["inputs"]


def split_inputs(values: dict) -> dict:
    """The entries of ``values`` that probes may see (matching ``INPUT_KEY``)."""
    return {k: v for k, v in values.items() if INPUT_KEY.match(k)}


def _plain(fn: str, got) -> np.ndarray:
    """``got`` as a numeric array (what the sandbox may hand back), else AssertionError."""
    arr = np.asarray(got)
    if arr.dtype.kind not in "biuf":
        try:
            arr = arr.astype(float)
        except (TypeError, ValueError):
            raise AssertionError(f"{fn}: expected an array of numbers, got {type(got).__name__}.") from None
    return arr


def _close(got, want) -> bool:
    got = np.asarray(got, dtype=float)
    return got.shape == want.shape and bool(np.allclose(got, want, rtol=RTOL, atol=ATOL))


def _expect(fn: str, probe: str, got, want) -> None:
    got_arr = np.asarray(got)
    if got_arr.shape != want.shape:
        raise AssertionError(f"{fn} on {probe}: expected an array of shape {want.shape}, "
                             f"got shape {got_arr.shape}.")
    if not np.all(np.isfinite(got_arr.astype(float))):
        raise AssertionError(f"{fn} on {probe}: the result contains NaN or inf.")
    if not _close(got_arr, want):
        bad = int(np.sum(~np.isclose(got_arr.astype(float), want, rtol=RTOL, atol=ATOL)))
        raise AssertionError(f"{fn} on {probe}: {bad} of {want.size} entries differ from the "
                             "reference values. Re-read the definition in the prompt.")


def _got(outputs: dict, key: str, fn: str):
    if key not in outputs:
        raise AssertionError(f"{fn}: no result was recorded (the probe stopped early).")
    return outputs[key]


@contextlib.contextmanager
def _strict():
    """Turn numpy warnings (overflow, invalid value, divide by zero) into errors.

    Underflow stays allowed: a product rounding to zero is harmless."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            yield


# --- Q2, Q3: data preparation ---------------------------------------------------

def probe_extract_digits(extract_digits) -> dict:
    inp, out = probe_inputs(), {}
    for d1, d2 in inp["extract_pairs"]:
        got_X, got_y = extract_digits(inp["extract_X"], inp["extract_y"], int(d1), int(d2))
        out[f"y_{d1}_{d2}"] = _plain("extract_digits (labels)", got_y)
        out[f"X_{d1}_{d2}"] = _plain("extract_digits (images)", got_X)
    return out


def verdict_extract_digits(outputs: dict, ref=None) -> None:
    ref = ref or reference()
    for d1, d2 in ref["extract_pairs"]:
        probe = f"digits ({d1}, {d2}) of a {len(ref['extract_y'])}-image probe"
        for part, name in (("y", "labels"), ("X", "images")):
            fn = f"extract_digits ({name})"
            _expect(fn, probe, _got(outputs, f"{part}_{d1}_{d2}", fn), ref[f"extract_{part}_{d1}_{d2}"])


def probe_vectorize_images(vectorize_images) -> dict:
    with _strict():
        return {"out": _plain("vectorize_images", vectorize_images(probe_inputs()["vectorize_in"]))}


def verdict_vectorize_images(outputs: dict, ref=None) -> None:
    ref = ref or reference()
    _expect("vectorize_images", "a probe of 7 images (one all zero)",
            _got(outputs, "out", "vectorize_images"), ref["vectorize_out"])


def probe_training_classes(train_y_1_5, train_y) -> dict:
    return {"classes": _plain("train_y_1_5", np.ravel(train_y_1_5)), "train_y": _plain("train_y", train_y)}


def verdict_training_classes(outputs: dict, ref=None) -> None:
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


def probe_activations(sigmoid, deriv_sigmoid, ReLu, deriv_ReLu) -> dict:
    inp, fns = probe_inputs(), dict(sigmoid=sigmoid, ReLu=ReLu, deriv_sigmoid=deriv_sigmoid, deriv_ReLu=deriv_ReLu)
    out = {}
    with _strict():
        for name, key, _, _ in ACTIVATIONS:
            out[name] = _plain(name, fns[name](inp[key]))
    return out


def verdict_activations(outputs: dict, ref=None) -> None:
    ref = ref or reference()
    for name, _, want, probe in ACTIVATIONS:
        _expect(name, probe, _got(outputs, name, name), ref[want])


# --- Q7, Q8: feedforward and backpropagation --------------------------------------

def _net_name(ref, p) -> str:
    layers = [int(v) for v in ref[f"net{p}_layers"]]
    return f"a network with layers {layers} and a batch of {ref[f'net{p}_X'].shape[1]} samples"


def probe_models(NNet):
    """Yield ``(p, name, model, X, Y, eta)`` for each probe network, with probe weights."""
    inp = probe_inputs()
    for p in range(int(inp["net_count"])):
        layers = [int(v) for v in inp[f"net{p}_layers"]]
        X = inp[f"net{p}_X"]
        model = NNet(input_size=layers[0], output_size=layers[-1], batch_size=X.shape[1],
                     hidden_layers=layers[1:-1])
        model.W = [inp[f"net{p}_W{l}"].copy() for l in range(len(layers) - 1)]
        yield p, _net_name(inp, p), model, X, inp[f"net{p}_Y"], float(inp[f"net{p}_eta"])


def probe_feedforward(feedforward, NNet) -> dict:
    out = {}
    for p, _, model, X, _, _ in probe_models(NNet):
        with _strict():
            model = feedforward(model, X)
        for l in range(len(model.W)):
            n = X.shape[1]
            out[f"net{p}_Z{l}"] = _plain(f"feedforward (Z[{l}])", np.asarray(model.Z[l])[:, :n])
            out[f"net{p}_Y{l}"] = _plain(f"feedforward (Y[{l}])", np.asarray(model.Y[l])[:, :n])
    return out


def _layer_count(ref, p) -> int:
    return len(ref[f"net{p}_layers"]) - 1


def verdict_feedforward(outputs: dict, ref=None) -> None:
    ref = ref or reference()
    for p in range(int(ref["net_count"])):
        for l in range(_layer_count(ref, p)):
            for part, want in (("Z", "Z"), ("Y", "A")):
                fn = f"feedforward ({part}[{l}])"
                _expect(fn, _net_name(ref, p), _got(outputs, f"net{p}_{part}{l}", fn), ref[f"net{p}_{want}{l}"])


def probe_backpropagation(feedforward, backpropagation, NNet) -> dict:
    out = {}
    for p, _, model, X, Y, eta in probe_models(NNet):
        with _strict():
            model = backpropagation(feedforward(model, X), X, Y, eta)
        out.update({f"net{p}_W{l}": _plain(f"backpropagation (W[{l}])", model.W[l]) for l in range(len(model.W))})
    return out


def verdict_backpropagation(outputs: dict, ref=None) -> None:
    ref = ref or reference()
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


def probe_gradient(feedforward, backpropagation, NNet) -> dict:
    inp = probe_inputs()
    layers = [int(v) for v in inp["grad_layers"]]
    X, Y = inp["grad_X"], inp["grad_Y"]
    model = NNet(input_size=layers[0], output_size=layers[-1], batch_size=X.shape[1],
                 hidden_layers=layers[1:-1])
    model.W = [inp[f"grad_W{l}"].copy() for l in range(len(layers) - 1)]
    model = backpropagation(feedforward(model, X), X, Y, GRAD_ETA)
    return {f"W{l}": _plain(f"backpropagation (W[{l}])", model.W[l]) for l in range(len(layers) - 1)}


def verdict_gradient(outputs: dict, tol=1e-5, ref=None) -> None:
    """Compare the student's weight update with a finite-difference gradient, layer by layer."""
    ref = ref or reference()
    W0 = [ref[f"grad_W{l}"] for l in range(len(ref["grad_layers"]) - 1)]
    for l in range(len(W0)):
        fn = f"backpropagation (W[{l}])"
        new = np.asarray(_got(outputs, f"W{l}", fn), dtype=float)
        if new.shape != W0[l].shape:
            raise AssertionError(f"{fn}: expected shape {W0[l].shape} after one step, got {new.shape}.")
        analytic = (W0[l] - new) / GRAD_ETA
        numeric = numeric_gradient([w.copy() for w in W0], ref["grad_X"], ref["grad_Y"], l)
        err = np.max(np.abs(analytic - numeric)) / max(1e-12, np.max(np.abs(numeric)))
        if not err < tol:
            raise AssertionError(
                f"backpropagation: the update of W[{l}] (layer {l + 1} of {len(W0)}, counting from "
                f"the input) does not follow the gradient of the square loss (relative error "
                f"{err:.1e}). Check this layer's delta, its activation derivative and the bias row.")


# --- Q10-Q12: predictions ----------------------------------------------------------

def probe_predict(predict, NNet) -> dict:
    inp = probe_inputs()
    layers = [int(v) for v in inp["predict_layers"]]
    model = NNet(input_size=784, output_size=1, batch_size=17, hidden_layers=layers[1:-1])
    model.W = [inp[f"predict_W{l}"].copy() for l in range(len(layers) - 1)]
    return {"out": _plain("predict", np.ravel(predict(model, inp["predict_images"], 3, 8)))}


def verdict_predict(outputs: dict, ref=None) -> None:
    ref = ref or reference()
    _expect("predict", f"{len(ref['predict_images'])} images with digits (3, 8)",
            _got(outputs, "out", "predict"), ref["predict_out"])


def _heldout(d1, d2, part: str):
    """Images (``x``) or labels (``y``) of the held-out pair: from the probe inputs / the
    grader's reference dict when there, else from ``heldout_{d1}_{d2}.npz`` (otter)."""
    key = f"heldout_{d1}_{d2}_{part}"
    source = probe_inputs() if part == "x" else reference()
    if key in source:
        return source[key]
    with np.load(f"heldout_{d1}_{d2}.npz", allow_pickle=False) as data:
        return data[part]


def probe_heldout_accuracy(predict, model, d1, d2) -> dict:
    """The student's predictions on the held-out IMAGES of (d1, d2) (labels never needed)."""
    fn = f"predict(model_{d1}_{d2}, images, {d1}, {d2})"
    return {"pred": _plain(fn, np.ravel(np.asarray(predict(model, _heldout(d1, d2, "x"), d1, d2))))}


def heldout_accuracy(outputs: dict, d1, d2, ref=None) -> float:
    """Accuracy (0..1) of the predictions in ``outputs`` against the held-out labels."""
    labels = (ref or {}).get(f"heldout_{d1}_{d2}_y")
    labels = _heldout(d1, d2, "y") if labels is None else labels
    got = np.ravel(np.asarray(_got(outputs, "pred", f"predict(model_{d1}_{d2}, ...)")))
    if got.shape != labels.shape:
        raise AssertionError(f"predict(model_{d1}_{d2}, images, {d1}, {d2}) returned "
                             f"{got.size} predictions for {labels.size} images.")
    return float(np.mean(got == labels))


def verdict_heldout_accuracy(outputs: dict, d1, d2, threshold, ref=None) -> None:
    acc = heldout_accuracy(outputs, d1, d2, ref)
    if acc < threshold:
        raise AssertionError(f"model_{d1}_{d2}: held-out accuracy {100 * acc:.2f}% is below "
                             f"{100 * threshold:.2f}%. See the tips in the prompt.")


# --- Q1, Q9: figures ---------------------------------------------------------------

def _random_images_input():
    rng = np.random.default_rng(0)
    X = rng.integers(1, 255, size=(40, 28, 28), dtype=np.uint8)
    return X, rng.integers(0, 10, size=40).astype(np.uint8)


def probe_random_images(display_random_images) -> dict:
    """Two calls; per call ``c``: the images shown, their colormaps and titles."""
    import matplotlib.pyplot as plt
    X, y = _random_images_input()
    out = {}
    for c in range(2):
        with _no_show():
            fig = display_random_images(X, y)
        fig = fig if fig is not None else plt.gcf()
        axes = [ax for ax in fig.axes if ax.images]
        out[f"c{c}_count"] = np.array(len(axes))
        for k, ax in enumerate(axes[:5]):
            img = ax.images[0]
            out[f"c{c}_img{k}"] = _plain("display_random_images", np.asarray(img.get_array()))
            out[f"c{c}_cmap{k}"] = np.array(str(img.get_cmap().name))
            out[f"c{c}_title{k}"] = np.array(str(ax.get_title()))
        plt.close(fig)
    return out


def verdict_random_images(outputs: dict, ref=None) -> None:
    X, y = _random_images_input()
    shown = []
    for c in range(2):
        count = int(_got(outputs, f"c{c}_count", "display_random_images"))
        assert count == 5, f"display_random_images: expected 5 images, found {count}."
        picks = []
        for k in range(5):
            cmap, title = (str(_got(outputs, f"c{c}_{part}{k}", "display_random_images"))
                           for part in ("cmap", "title"))
            assert cmap in ("gray", "Greys_r", "binary_r"), (
                f"display_random_images: images should be grayscale, got colormap {cmap!r}.")
            img = _got(outputs, f"c{c}_img{k}", "display_random_images")
            i = [j for j in range(len(X)) if np.array_equal(img, X[j])]
            assert i, "display_random_images: an image shown is not one of the input images."
            assert str(y[i[0]]) in title, (
                f"display_random_images: an image of label {y[i[0]]} has title {title!r}.")
            picks.append(i[0])
        shown.append(sorted(picks))
    assert shown[0] != shown[1], "display_random_images: two calls showed the same images."


@contextlib.contextmanager
def _no_show():
    import matplotlib.pyplot as plt
    show = plt.show
    plt.show = lambda *a, **k: None
    try:
        yield
    finally:
        plt.show = show


def probe_training_plots(train_NNet) -> dict:
    import matplotlib.pyplot as plt
    inp = probe_inputs()
    before = set(plt.get_fignums())
    with _no_show():
        model = train_NNet(inp["train_X"], inp["train_Y"], epochs=30, batch_size=16, eta=0.05, hidden_layers=[8])
    new = [plt.figure(n) for n in plt.get_fignums() if n not in before]
    axes = [ax for fig in new for ax in fig.axes if ax.lines]
    for fig in new:
        plt.close(fig)
    return {"axes": np.array(len(axes)), "most_lines": np.array(max([len(ax.lines) for ax in axes] or [0])),
            "layers": np.array(len(model.W)), "hidden": np.array([np.shape(w)[0] for w in model.W[:-1]])}


def verdict_training_plots(outputs: dict, ref=None) -> None:
    axes, most, layers, hidden = (_got(outputs, k, "train_NNet") for k in ("axes", "most_lines", "layers", "hidden"))
    assert int(axes) >= 2, ("train_NNet: expected two plots with curves (the cost, and the change "
                            f"of each weight matrix), found {int(axes)} axes with lines.")
    assert int(most) >= int(layers), (
        f"train_NNet: the weight-change plot should draw one curve per layer ({int(layers)}).")
    assert np.ravel(hidden).tolist() == [8], "train_NNet: hidden_layers=[8] was not used."


def probe_learns_separable(train_NNet, feedforward) -> dict:
    """Outputs of a network trained 200 epochs on the separable Q9 problem (its own training data)."""
    inp = probe_inputs()
    model = train_NNet(inp["train_X"], inp["train_Y"], epochs=200, batch_size=16, eta=0.1,
                       hidden_layers=[8], plot=False, seed=0)
    return {"out": _plain("train_NNet", feedforward(model, inp["train_X"]).Y[-1])}


def verdict_learns_separable(outputs: dict, ref=None) -> None:
    ref = ref or reference()
    got = np.asarray(_got(outputs, "out", "train_NNet"), dtype=float)
    Y = ref["train_Y"]
    if got.shape != Y.shape:
        raise AssertionError(f"train_NNet: the trained network gives outputs of shape {got.shape}, expected {Y.shape}.")
    acc = np.mean((got > 0.5) == (Y > 0.5))
    assert acc >= 0.9, (f"train_NNet: after 200 epochs on a linearly separable 4-input problem the "
                        f"network classifies only {100 * acc:.0f}% of its training points correctly.")


# --- the public API: check = verdict(probe) ------------------------------------------

CHECKS = {  # check name -> (probe, verdict, student objects, constants the probe also takes)
    "check_extract_digits": (probe_extract_digits, verdict_extract_digits, 1, 0),
    "check_vectorize_images": (probe_vectorize_images, verdict_vectorize_images, 1, 0),
    "check_training_classes": (probe_training_classes, verdict_training_classes, 2, 0),
    "check_activations": (probe_activations, verdict_activations, 4, 0),
    "check_feedforward": (probe_feedforward, verdict_feedforward, 2, 0),
    "check_backpropagation": (probe_backpropagation, verdict_backpropagation, 3, 0),
    "check_gradient": (probe_gradient, verdict_gradient, 3, 0),
    "check_predict": (probe_predict, verdict_predict, 2, 0),
    "check_heldout_accuracy": (probe_heldout_accuracy, verdict_heldout_accuracy, 2, 2),
    "check_random_images": (probe_random_images, verdict_random_images, 1, 0),
    "check_training_plots": (probe_training_plots, verdict_training_plots, 1, 0),
    "check_learns_separable": (probe_learns_separable, verdict_learns_separable, 2, 0),
}
"""A call ``check(*args)`` is ``verdict(probe(*args[:n + k]), *args[n:])`` with n objects, k constants."""


def probe_args(name: str, args: tuple) -> tuple:
    """The arguments of ``name``'s probe among the check's ``args``."""
    _, _, n, k = CHECKS[name]
    return args[:n + k]


def verdict_args(name: str, args: tuple) -> tuple:
    """The constants of ``name``'s verdict among the check's ``args`` (d1, d2, threshold, tol)."""
    return args[CHECKS[name][2]:]


def run_check(name: str, *args) -> None:
    """``verdict(probe(...))`` for the check ``name`` (see :data:`CHECKS`)."""
    probe, verdict, _, _ = CHECKS[name]
    verdict(probe(*probe_args(name, args)), *verdict_args(name, args))


def check_extract_digits(extract_digits) -> None:
    run_check("check_extract_digits", extract_digits)


def check_vectorize_images(vectorize_images) -> None:
    run_check("check_vectorize_images", vectorize_images)


def check_training_classes(train_y_1_5, train_y) -> None:
    run_check("check_training_classes", train_y_1_5, train_y)


def check_activations(sigmoid, deriv_sigmoid, ReLu, deriv_ReLu) -> None:
    run_check("check_activations", sigmoid, deriv_sigmoid, ReLu, deriv_ReLu)


def check_feedforward(feedforward, NNet) -> None:
    run_check("check_feedforward", feedforward, NNet)


def check_backpropagation(feedforward, backpropagation, NNet) -> None:
    run_check("check_backpropagation", feedforward, backpropagation, NNet)


def check_gradient(feedforward, backpropagation, NNet, tol=1e-5) -> None:
    run_check("check_gradient", feedforward, backpropagation, NNet, tol)


def check_predict(predict, NNet) -> None:
    run_check("check_predict", predict, NNet)


def check_heldout_accuracy(predict, model, d1, d2, threshold) -> None:
    run_check("check_heldout_accuracy", predict, model, d1, d2, threshold)


def check_random_images(display_random_images) -> None:
    run_check("check_random_images", display_random_images)


def check_training_plots(train_NNet) -> None:
    run_check("check_training_plots", train_NNet)


def check_learns_separable(train_NNet, feedforward) -> None:
    run_check("check_learns_separable", train_NNet, feedforward)
