"""The probe cell the sandboxed child appends to a notebook: what a student sees when a name is missing."""

from __future__ import annotations

import json
import sys
import types

from grader.grade.engines.probe_child import PROBE_CELL


def run_probe_cell(namespace: dict, calls: list, tmp_path, monkeypatch) -> dict:
    checks = types.ModuleType("mlp_hidden_checks")
    probes = {"double": lambda f: {"y": f(2)}}
    checks.REGISTRY = types.SimpleNamespace(run_probe=lambda probe, values: probes[probe](**values))
    monkeypatch.setitem(sys.modules, "mlp_hidden_checks", checks)
    monkeypatch.chdir(tmp_path)
    exec(PROBE_CELL % (calls,), namespace)
    return json.loads((tmp_path / "probe_errors.json").read_text())


def test_is_a_function_that_was_never_defined_named_as_such_not_as_a_key_error(tmp_path, monkeypatch):
    errors = run_probe_cell({}, [("double", {"f": ("name", "extract_digits")})], tmp_path, monkeypatch)
    assert errors["0"] == "NameError: extract_digits is not defined (a cell failed or it was renamed)"


def test_does_a_defined_function_still_reach_its_probe(tmp_path, monkeypatch):
    errors = run_probe_cell({"double": lambda x: 2 * x}, [("double", {"f": ("name", "double")})],
                            tmp_path, monkeypatch)
    assert errors == {}
    import numpy as np
    with np.load(tmp_path / "probe_outputs.npz") as out:
        assert int(out["p0__y"]) == 4
