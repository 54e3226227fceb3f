"""The shipped core of the hidden checks: a registry of named checks, the probe values, and
the tolerances and assertion helpers the checks share.

Shipped as ``files/check_registry.py`` beside ``mlp_hidden_checks.py`` in the autograder zip
and imported there with no ``grader`` package (the sandbox, ``otter run`` and Gradescope only
have the zip): it imports numpy and the standard library only.

A check is two halves registered by NAME (see :class:`Registry`):

* a PROBE, ``probe(inp, **arguments)``, runs in the student's process: ``inp`` holds the probe
  INPUTS only; it returns a flat dict of plain arrays (what the student's code produced);
* a VERDICT, ``verdict(outputs, ref, **options)``, runs on the grader's side: ``ref`` holds the
  inputs AND the expected values (reference outputs, labels); it raises ``AssertionError`` with
  a message naming the function, the probe and what was expected, without the expected values.

The security boundary is structural: ``mlp_reference.npz`` holds two namespaces, keys
``inputs/NAME`` (may enter the student's process) and ``expected/NAME`` (never does). The safe
engine writes only the ``inputs`` namespace into the sandbox (``mlp_probe_inputs.npz``).

``check_X(*args)`` (what otter's ``tests/qN.py`` call) is ``verdict(probe(...))`` and is
generated from the registry (:meth:`Registry.entry_points`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import os
import warnings

import numpy as np

REFERENCE_FILE = "mlp_reference.npz"
PROBE_INPUTS_FILE = "mlp_probe_inputs.npz"
INPUTS, EXPECTED = "inputs", "expected"  # the two namespaces of REFERENCE_FILE's keys
RTOL, ATOL = 1e-6, 1e-8  # results in double precision (float64, or integers)
SINGLE_RTOL = 1e-4  # float32 results: relative tolerance, and absolute tolerance per unit of the largest value


# --- the two namespaces ------------------------------------------------------------------

def load_npz(path) -> dict:
    """Every array of the npz at ``path`` (no pickle)."""
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def namespaced(inputs: dict, expected: dict) -> dict:
    """One flat dict of ``inputs/NAME`` and ``expected/NAME`` keys (what REFERENCE_FILE holds).
    A name may live in one namespace only."""
    both = set(inputs) & set(expected)
    if both:
        raise ValueError(f"names in both namespaces: {sorted(both)}")
    return {**{f"{INPUTS}/{k}": v for k, v in inputs.items()},
            **{f"{EXPECTED}/{k}": v for k, v in expected.items()}}


def split_namespaces(flat: dict) -> tuple[dict, dict]:
    """``(inputs, expected)`` of a flat dict written by :func:`namespaced`; a key in neither
    namespace is refused (it could not be told apart)."""
    found = {INPUTS: {}, EXPECTED: {}}
    for key, value in flat.items():
        space, sep, name = key.partition("/")
        if not sep or space not in found or not name:
            raise ValueError(f"{key!r} is in neither the {INPUTS}/ nor the {EXPECTED}/ namespace")
        found[space][name] = value
    return found[INPUTS], found[EXPECTED]


class Values:
    """Where probes and verdicts read values, loaded once.

    In the sandbox only PROBE_INPUTS_FILE is there (inputs); under otter REFERENCE_FILE is (both)."""

    def __init__(self):
        self._cache: dict = {}

    def inputs(self) -> dict:
        if INPUTS not in self._cache:
            self._cache[INPUTS] = (load_npz(PROBE_INPUTS_FILE) if os.path.exists(PROBE_INPUTS_FILE)
                                   else split_namespaces(load_npz(REFERENCE_FILE))[0])
        return self._cache[INPUTS]

    def reference(self) -> dict:
        """Inputs and expected values together (what a verdict reads)."""
        if "ref" not in self._cache:
            inputs, expected = split_namespaces(load_npz(REFERENCE_FILE))
            self._cache["ref"] = {**inputs, **expected}
        return self._cache["ref"]

    def use(self, inputs: dict | None = None, reference: dict | None = None) -> None:
        """Use these values instead of the files (tests; the grader's own copy)."""
        self._cache = {k: v for k, v in ((INPUTS, inputs), ("ref", reference)) if v is not None}


# --- the registry ---------------------------------------------------------------------------
# A call's arguments, as the grader's plan and the sandbox's probe cell pass them around (JSON):
# a notebook name or a constant.

def name(notebook_name: str) -> tuple:
    return ("name", notebook_name)


def const(value) -> tuple:
    return ("const", value)


@dataclasses.dataclass(frozen=True)
class Probe:
    """A registered probe: ``run(inp, **arguments)`` with ``arguments`` named by ``params``."""

    name: str
    run: object
    params: tuple


@dataclasses.dataclass(frozen=True)
class Check:
    """A registered check: what ``check_NAME`` calls. Its arguments are the probe's, then the
    verdict's ``options`` (keyword parameters after ``outputs, ref``, defaults in ``defaults``)."""

    name: str
    question: str
    probe: str
    verdict: object
    options: tuple
    defaults: dict
    verdict_params: tuple  # the named parameters the verdict takes (options and probe constants)
    points: bool = True  # False: an integrity signal (codes, never points)
    calls: tuple = ()  # a signal's own calls (no test calls it): arguments as name(...) / const(...)


def _params(fn, skip: int) -> list[inspect.Parameter]:
    return list(inspect.signature(fn).parameters.values())[skip:]


class Registry:
    """The ordered list of checks of one assignment.

    ``@registry.probe`` registers ``probe_NAME(inp, ...)`` as probe ``NAME``;
    ``@registry.check("check_X", question="q2", probe="NAME")`` registers a verdict;
    ``@registry.signal("integrity_X", probe="NAME")`` registers a verdict returning integrity
    codes (short strings; never points)."""

    def __init__(self):
        self.values = Values()
        self.probes: dict[str, Probe] = {}
        self.checks: dict[str, Check] = {}

    def probe(self, fn):
        name = fn.__name__.removeprefix("probe_")
        if name in self.probes:
            raise ValueError(f"probe {name!r} is registered twice")
        params = tuple(p.name for p in _params(fn, 1))
        self.probes[name] = Probe(name, fn, params)
        return fn

    def _verdict(self, name: str, question: str, probe: str, points: bool, calls=()):
        if probe not in self.probes:
            raise ValueError(f"{name}: register probe {probe!r} before its verdict")
        if name in self.checks:
            raise ValueError(f"check {name!r} is registered twice")
        shared = self.probes[probe].params

        def register(fn):
            params = _params(fn, 2)
            options = [p for p in params if p.name not in shared]
            self.checks[name] = Check(name, question, probe, fn, tuple(p.name for p in options),
                                      {p.name: p.default for p in options if p.default is not p.empty},
                                      tuple(p.name for p in params), points, tuple(calls))
            return fn

        return register

    def check(self, name: str, *, question: str, probe: str):
        """Register ``verdict(outputs, ref, **named)`` as ``check_NAME`` of ``question``."""
        return self._verdict(name, question, probe, True)

    def signal(self, name: str, *, probe: str, calls):
        """Register ``verdict(outputs, ref, **named) -> codes`` run on each of ``calls``."""
        return self._verdict(name, "", probe, False, calls)

    def signals(self) -> list[Check]:
        return [c for c in self.checks.values() if not c.points]

    # -- reading a call -------------------------------------------------------------------
    def parameters(self, name: str) -> tuple:
        """The named arguments of ``check_NAME``, in call order."""
        check = self.checks[name]
        return self.probes[check.probe].params + check.options

    def bind(self, name: str, args: tuple, kwargs: dict | None = None) -> dict:
        """``args`` (positional) and ``kwargs`` of a call of ``name`` as ``{parameter: value}``."""
        params, check = self.parameters(name), self.checks[name]
        if len(args) > len(params):
            raise TypeError(f"{name} takes {len(params)} arguments ({', '.join(params)}), got {len(args)}")
        bound = {**check.defaults, **dict(zip(params, args)), **(kwargs or {})}
        missing, unknown = [p for p in params if p not in bound], sorted(set(bound) - set(params))
        if missing or unknown:
            raise TypeError(f"{name}({', '.join(params)}): missing {missing} or unknown {unknown}")
        return bound

    def probe_call(self, name: str, args: tuple) -> tuple[str, str, dict]:
        """``(probe id, probe name, probe arguments)`` of a call of ``name``: two calls with the
        same probe id run the probe once (the accuracy tiers of one model share a run)."""
        bound, probe = self.bind(name, args), self.probes[self.checks[name].probe]
        arguments = {p: bound[p] for p in probe.params}
        return f"{probe.name}({', '.join(f'{k}={v!r}' for k, v in arguments.items())})", probe.name, arguments

    def verdict_arguments(self, name: str, args: tuple) -> dict:
        """The named arguments ``name``'s verdict takes among a call's ``args``."""
        bound = self.bind(name, args)
        return {k: bound[k] for k in self.checks[name].verdict_params}

    # -- running -----------------------------------------------------------------------------
    def run_probe(self, probe: str, arguments: dict) -> dict:
        """Run probe ``probe`` on the probe inputs (in the student's process)."""
        return self.probes[probe].run(self.values.inputs(), **arguments)

    def run_verdict(self, name: str, outputs: dict, options: dict, ref: dict | None = None):
        """Judge ``outputs`` (grader side); AssertionError on failure, codes for a signal."""
        return self.checks[name].verdict(outputs, self.values.reference() if ref is None else ref, **options)

    def entry_points(self) -> dict:
        """``{check_X: function}``: what otter's tests call, ``verdict(probe(...))``."""
        return {name: self._entry_point(name) for name, check in self.checks.items() if check.points}

    def _entry_point(self, name: str):
        def check_function(*args, **kwargs):
            bound = self.bind(name, args, kwargs)
            check = self.checks[name]
            outputs = self.run_probe(check.probe, {p: bound[p] for p in self.probes[check.probe].params})
            self.run_verdict(name, outputs, {k: bound[k] for k in check.verdict_params})

        check_function.__name__ = check_function.__qualname__ = name
        check_function.__signature__ = inspect.Signature(
            [inspect.Parameter(p, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                               default=self.checks[name].defaults.get(p, inspect.Parameter.empty))
             for p in self.parameters(name)])
        check_function.__doc__ = self.checks[name].verdict.__doc__
        return check_function

    def steps(self) -> list[str]:
        """The checks in order, one line each: ``q2 check_extract_digits: probe extract_digits(...)``."""
        return [f"{c.question or '-'} {c.name}: probe {c.probe}({', '.join(self.probes[c.probe].params)})"
                + (f", options {', '.join(c.options)}" if c.options else "") for c in self.checks.values()]


# --- assertion helpers ---------------------------------------------------------------------

def plain(fn: str, got) -> np.ndarray:
    """``got`` as a numeric array (what the sandbox may hand back), else AssertionError."""
    arr = np.asarray(got)
    if arr.dtype.kind not in "biuf":
        try:
            arr = arr.astype(float)
        except (TypeError, ValueError):
            raise AssertionError(f"{fn}: expected an array of numbers, got {type(got).__name__}.") from None
    return arr


def single(arr) -> bool:
    """Is ``arr`` a floating-point array of less than double precision (float32, float16)?"""
    arr = np.asarray(arr)
    return arr.dtype.kind == "f" and arr.dtype.itemsize < 8


def tolerance(got, want, single_precision=None) -> tuple[float, float]:
    """``(rtol, atol)`` for comparing ``got`` with ``want``: double-precision tolerances, or
    float32 ones (relative 1e-4, absolute 1e-4 of the largest reference value) when the
    student's result is float32 (or ``single_precision`` says so)."""
    single_precision = single(got) if single_precision is None else single_precision
    if not single_precision:
        return RTOL, ATOL
    rtol = SINGLE_RTOL if np.asarray(got).dtype.itemsize >= 4 else 1e-2
    scale = float(np.max(np.abs(want))) if np.size(want) else 1.0
    return rtol, rtol * max(1.0, scale)


def close(got, want, single_precision=None) -> bool:
    rtol, atol = tolerance(got, want, single_precision)
    got = np.asarray(got, dtype=float)
    return got.shape == np.shape(want) and bool(np.allclose(got, want, rtol=rtol, atol=atol))


def expect(fn: str, probe: str, got, want, hint="Re-read the definition in the prompt.") -> None:
    """AssertionError unless ``got`` equals ``want`` within :func:`tolerance` (message: function,
    probe, how many entries differ; never the expected values)."""
    got_arr = np.asarray(got)
    if got_arr.shape != want.shape:
        raise AssertionError(f"{fn} on {probe}: expected an array of shape {want.shape}, "
                             f"got shape {got_arr.shape}.")
    if not np.all(np.isfinite(got_arr.astype(float))):
        raise AssertionError(f"{fn} on {probe}: the result contains NaN or inf.")
    if close(got_arr, want):
        return
    rtol, atol = tolerance(got_arr, want)
    bad = int(np.sum(~np.isclose(got_arr.astype(float), want, rtol=rtol, atol=atol)))
    if not single(got_arr) and close(got_arr, want, single_precision=True):
        raise AssertionError(
            f"{fn} on {probe}: {bad} of {want.size} entries agree with the reference values to only "
            "about 4 significant digits: single-precision (float32) rounding in a float64 result. "
            "If part of the computation runs in float32, return float32 arrays (the check then "
            "allows for float32 rounding), or keep every step in float64.")
    raise AssertionError(f"{fn} on {probe}: {bad} of {want.size} entries differ from the "
                         f"reference values. {hint}")


def got(outputs: dict, key: str, fn: str):
    """``outputs[key]``, else AssertionError (the probe stopped before recording it)."""
    if key not in outputs:
        raise AssertionError(f"{fn}: no result was recorded (the probe stopped early).")
    return outputs[key]


@contextlib.contextmanager
def strict(over="raise"):
    """Turn numpy warnings (invalid value, divide by zero and, unless ``over="ignore"``,
    overflow) into errors.

    Underflow stays allowed: a product rounding to zero is harmless. The forward and
    backward passes allow overflow too: in float32, ``exp`` of a large number overflows
    to inf and the sigmoid correctly gives 0 (the NaN check still applies)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        if over != "raise":
            warnings.filterwarnings("ignore", message="overflow", category=RuntimeWarning)
        with np.errstate(over=over, invalid="raise", divide="raise", under="ignore"):
            yield


@contextlib.contextmanager
def swapped(space: dict, **replacements):
    """Replace names in a namespace (the notebook's globals) for the duration, then restore them."""
    old = {k: space[k] for k in replacements if k in space}
    for k in old:
        space[k] = replacements[k]
    try:
        yield
    finally:
        space.update(old)
