"""Does a grading child skip the slow, unused import under nbformat, and still read and check notebooks?"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat

TOOLKIT = Path(__file__).resolve().parents[2] / "grader" / "grade" / "engines"


def child_python(code: str) -> str:
    """Run ``code`` in a fresh interpreter where ``child_toolkit`` is importable as the children import it."""
    done = subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(TOOLKIT)!r})\n{code}"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_does_the_child_toolkit_keep_rfc3987_syntax_out_of_a_child():
    said = child_python("import child_toolkit, nbformat, nbclient\n"
                        "print(sys.modules.get('rfc3987_syntax', 'absent'))")
    assert said in ("None", "absent")


def test_does_a_child_still_read_and_validate_a_notebook(tmp_path):
    path = tmp_path / "n.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), path)
    said = child_python("import child_toolkit, nbformat\n"
                        f"nb = nbformat.read({str(path)!r}, as_version=4)\n"
                        "nbformat.validate(nb)\n"
                        "bad = nbformat.from_dict({'nbformat': 4, 'nbformat_minor': 5, 'metadata': {}, 'cells': [{'cell_type': 'code'}]})\n"
                        "try:\n    nbformat.validate(bad)\nexcept nbformat.ValidationError:\n    print('invalid caught')\n"
                        "print(nb.cells[0].source)")
    assert said.splitlines() == ["invalid caught", "x = 1"]
