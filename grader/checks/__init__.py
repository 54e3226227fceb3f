"""Check definitions shipped inside the autograder.

``check_registry.py`` (the generic core: registry, values, tolerances, assertion helpers) and
``mlp_hidden_checks.py`` (the MLP checks, grouped by question) are copied verbatim into the
otter autograder's ``files/`` (they import only numpy, matplotlib and each other, since the
grading environment has neither ``grader`` nor ``solutions``). The notebook's hidden test cells
call ``check_X`` from ``mlp_hidden_checks``; reference values come from ``mlp_reference.npz``,
written at build time by ``grader.assemble.reference_values``.
"""

from pathlib import Path

HIDDEN_CHECKS_FILE = Path(__file__).with_name("mlp_hidden_checks.py")
REGISTRY_FILE = Path(__file__).with_name("check_registry.py")
SHIPPED = {path.name: path for path in (HIDDEN_CHECKS_FILE, REGISTRY_FILE)}
"""The files the build copies into the autograder's ``files/`` when the master's config lists them."""


def load_copy(name: str):
    """A new copy of ``mlp_hidden_checks`` imported as ``grader.checks.NAME`` (its own
    ``REGISTRY`` and loaded values; for tests that give it other values)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"grader.checks.{name}", HIDDEN_CHECKS_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
