"""The shipped core of the hidden checks (``grader/checks/check_registry.py``) and the two
namespaces of the reference values: is the boundary structural, and are checks what the
registry says they are?"""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

from grader.assemble.reference_values import reference_values, write_reference_values
from grader.checks import load_copy
from grader.checks.check_registry import Registry, const, name, namespaced, split_namespaces
from grader.grade.plan import reference_and_inputs


def toy_registry() -> Registry:
    registry = Registry()

    @registry.probe
    def probe_scaled(inp, scale, factor):
        return {"out": np.asarray(scale(inp["x"], factor))}

    @registry.check("check_scaled", question="q1", probe="scaled")
    def verdict_scaled(outputs, ref, factor, tol=1e-9):
        assert np.allclose(outputs["out"], ref["x"] * factor, atol=tol), "scale: wrong values."

    registry.values.use(inputs={"x": np.arange(3.0)}, reference={"x": np.arange(3.0)})
    return registry


def test_are_positional_arguments_bound_to_named_parameters_with_defaults():
    registry = toy_registry()
    assert registry.parameters("check_scaled") == ("scale", "factor", "tol")
    assert registry.bind("check_scaled", ("f", 2)) == {"scale": "f", "factor": 2, "tol": 1e-9}
    assert registry.verdict_arguments("check_scaled", ("f", 2, 0.1)) == {"factor": 2, "tol": 0.1}


def test_do_calls_differing_only_in_a_verdict_option_share_one_probe_run():
    registry = toy_registry()
    first = registry.probe_call("check_scaled", (name("scale"), const(2), const(1e-3)))
    second = registry.probe_call("check_scaled", (name("scale"), const(2), const(1e-6)))
    other = registry.probe_call("check_scaled", (name("scale"), const(3)))
    assert first == second and first[0] != other[0]
    assert first[1:] == ("scaled", {"scale": ("name", "scale"), "factor": ("const", 2)})


def test_is_a_call_with_too_many_or_too_few_arguments_refused():
    registry = toy_registry()
    with pytest.raises(TypeError, match="takes 3 arguments"):
        registry.bind("check_scaled", ("f", 2, 0.1, "extra"))
    with pytest.raises(TypeError, match="missing"):
        registry.bind("check_scaled", ("f",))


def test_is_the_generated_check_function_the_verdict_of_the_probe():
    check_scaled = toy_registry().entry_points()["check_scaled"]
    check_scaled(lambda x, k: x * k, 2)
    with pytest.raises(AssertionError, match="scale: wrong values"):
        check_scaled(lambda x, k: x + k, 2)
    assert str(__import__("inspect").signature(check_scaled)) == "(scale, factor, tol=1e-09)"


def test_is_a_name_registered_twice_or_a_verdict_without_its_probe_refused():
    registry = toy_registry()
    with pytest.raises(ValueError, match="registered twice"):
        registry.check("check_scaled", question="q1", probe="scaled")
    with pytest.raises(ValueError, match="before its verdict"):
        registry.check("check_other", question="q2", probe="missing")


def test_is_a_key_outside_the_two_namespaces_refused():
    assert split_namespaces(namespaced({"a": 1}, {"b": 2})) == ({"a": 1}, {"b": 2})
    with pytest.raises(ValueError, match="neither"):
        split_namespaces({"train_test_labels": 1})
    with pytest.raises(ValueError, match="both namespaces"):
        namespaced({"a": 1}, {"a": 2})


def test_do_outputs_and_labels_live_only_in_the_expected_namespace():
    inputs, expected = reference_values()
    assert "train_test_X" in inputs and "train_test_labels" in expected
    assert not any(k.endswith(("_out", "_labels")) or "newW" in k for k in inputs)
    assert all(k.endswith(("_out", "_labels")) or "newW" in k or k.startswith(("net", "extract_"))
               for k in expected)


def test_does_the_sandbox_get_only_the_inputs_namespace_and_held_out_images(tmp_path):
    write_reference_values(tmp_path / "mlp_reference.npz")
    held = io.BytesIO()
    np.savez(held, x=np.zeros((2, 28, 28), np.uint8), y=np.array([1, 5]))
    with zipfile.ZipFile(tmp_path / "ag.zip", "w") as zf:
        zf.write(tmp_path / "mlp_reference.npz", "files/mlp_reference.npz")
        zf.writestr("files/heldout_1_5.npz", held.getvalue())
    with zipfile.ZipFile(tmp_path / "ag.zip") as zf:
        reference, inputs = reference_and_inputs(zf)
    wanted, expected = reference_values()
    assert set(inputs) == set(wanted) | {"heldout_1_5_x"}
    assert not set(inputs) & (set(expected) | {"heldout_1_5_y"})
    assert set(reference) == set(inputs) | set(expected) | {"heldout_1_5_y", "heldout_1_5_dataset"}


def test_does_every_mlp_check_have_its_probe_and_its_place_in_order():
    registry = load_copy("mlp_hidden_checks_order").REGISTRY
    steps = registry.steps()
    assert len(steps) == len(registry.checks) == 18
    assert steps[0].startswith("q1 check_random_images") and steps[-1].startswith("- integrity_model")
    questions = [int(c.question.split(",")[0][1:]) for c in registry.checks.values() if c.points]
    assert questions == sorted(questions)


def test_do_probes_in_a_sandbox_read_only_the_inputs_file(tmp_path, monkeypatch):
    """In the sandbox only ``mlp_probe_inputs.npz`` is there: inputs load, expected values cannot."""
    from grader.checks.check_registry import PROBE_INPUTS_FILE, Values

    np.savez(tmp_path / PROBE_INPUTS_FILE, x=np.arange(2))
    monkeypatch.chdir(tmp_path)
    values = Values()
    assert list(values.inputs()) == ["x"]
    with pytest.raises(FileNotFoundError):
        values.reference()
