"""Check definitions shipped inside the autograder.

``mlp_hidden_checks.py`` is copied verbatim into the otter autograder (it must import
only numpy and matplotlib, since the grading environment has neither ``grader`` nor
``solutions``). The notebook's hidden test cells call its functions; reference values
come from ``mlp_reference.npz``, written at build time by
``grader.build.reference_values``.
"""

from pathlib import Path

HIDDEN_CHECKS_FILE = Path(__file__).with_name("mlp_hidden_checks.py")
