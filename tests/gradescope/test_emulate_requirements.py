"""Does the emulation install what the zip's environment.yml asks for, and nothing else?"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from emulate import requirements  # noqa: E402

OTTER_ENVIRONMENT = """name: otter-env
channels:
  - conda-forge
dependencies:
  - python=3.13
  - pip
  - jupyter_server
  - pip:
      - otter-grader[grading,plugins]==7.0.0
      - numpy==2.4.6
"""


def test_are_channels_python_and_pip_left_out_and_conda_pins_made_pip_pins():
    assert requirements(OTTER_ENVIRONMENT) == ["jupyter_server", "otter-grader[grading,plugins]==7.0.0",
                                               "numpy==2.4.6"]
    assert requirements("dependencies:\n  - nb_conda_kernels=2.5\n") == ["nb_conda_kernels==2.5"]
