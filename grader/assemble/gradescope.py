"""Make the otter autograder zip ready for Gradescope (a step of ``assign``, after ``pin_numerics``).

``finish_for_gradescope`` rewrites, inside the zip:

* ``run_autograder``: runs ``mlp_gradescope.py before`` (no notebook in the submission -> a clear
  result, otter is not started), then otter's ``run_otter.py``, then ``mlp_gradescope.py after``
  (visibility, hand-graded questions, stable order; a result even when otter wrote none).
  Every path starts at ``$MLP_AUTOGRADER_ROOT``, which is unset on Gradescope (``/autograder``):
  the emulation test runs the same, unmodified scripts in a temporary folder;
* ``run_otter.py``: the same root variable (otter's own template hard-codes ``/autograder``);
* ``environment.yml``: the notebook's packages pinned to the versions the build verified with;

and adds ``mlp_gradescope.py`` (``grader/assemble/gradescope_hook.py``, copied unchanged) and its
``mlp_gradescope.json``. Both sit at the zip's root (``/autograder/source``), never under
``files/``, which otter copies into the student's submission folder.
"""

from __future__ import annotations

import json
import re
import zipfile
from importlib.metadata import version
from pathlib import Path

from grader.assemble.master import Master
from grader.assemble.memory import MB, MEMORY_BUDGET

# Gradescope's visibility values for a results.json entry (its autograder specification).
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
# The graded entries stay hidden until the instructor publishes the grades; see the README,
# "Using the zip on Gradescope", for the trade-off.
DEFAULT_VISIBILITY = "after_published"
# The packages the notebook imports, pinned in the zip's environment.yml (otter-grader is
# pinned by otter assign itself).
PINNED_PACKAGES = ("numpy", "matplotlib", "scikit-learn")
HOOK_FILE = Path(__file__).with_name("gradescope_hook.py")
ROOT_VARIABLE = "MLP_AUTOGRADER_ROOT"
RUN_OTTER_LINE = "python /autograder/source/run_otter.py"


def gradescope_config(master: Master, visibility: str) -> dict:
    """What ``mlp_gradescope.py`` reads: see ``grader/assemble/gradescope_hook.py``."""
    if visibility not in VISIBILITIES:
        raise ValueError(f"visibility must be one of {', '.join(VISIBILITIES)}, got {visibility!r}")
    auto = [q for q in master.questions if not q.manual]
    return {"notebook": f"{master.config['name']}.ipynb",
            "visibility": visibility,
            "questions": [q.name for q in master.questions],
            "manual": {q.name: q.points for q in master.questions if q.manual},
            "points_possible": sum(q.points or 0 for q in auto),
            "memory_budget_mb": round(MEMORY_BUDGET / MB)}


def run_autograder_script(text: str) -> str:
    """Otter's ``run_autograder`` with the before/after steps around ``run_otter.py``."""
    if RUN_OTTER_LINE not in text:
        raise ValueError(f"run_autograder has no line '{RUN_OTTER_LINE}' (a new otter-grader?)")
    root = f"${{{ROOT_VARIABLE}:-/autograder}}"
    steps = (f'ROOT="{root}"  # mlp-course: unset on Gradescope\n'
             'if python "$ROOT/source/mlp_gradescope.py" before; then\n'
             '    python "$ROOT/source/run_otter.py"\n'
             'fi\n'
             'python "$ROOT/source/mlp_gradescope.py" after\n')
    return text.replace(RUN_OTTER_LINE + "\n", steps).replace(RUN_OTTER_LINE, steps)


def run_otter_script(text: str) -> str:
    """Otter's ``run_otter.py`` with its autograder folder read from ``$MLP_AUTOGRADER_ROOT``."""
    call = 'run_autograder("/autograder")'
    if call not in text:
        raise ValueError(f"run_otter.py has no call {call} (a new otter-grader?)")
    text = text.replace(call, f'run_autograder(os.environ.get("{ROOT_VARIABLE}", "/autograder"))')
    docstring_end = text.find('"""', text.find('"""') + 3) + 3 if text.startswith('"""') else 0
    return f"{text[:docstring_end]}\n\nimport os  # mlp-course: {ROOT_VARIABLE}\n{text[docstring_end:]}"


def pinned_environment(text: str) -> str:
    """environment.yml with each of :data:`PINNED_PACKAGES` pinned to the installed version."""
    for package in PINNED_PACKAGES:
        pattern = re.compile(rf"^(\s*- ){re.escape(package)}\b[^\n]*$", re.M)
        if not pattern.search(text):
            raise ValueError(f"environment.yml does not list {package}")
        text = pattern.sub(lambda m: f"{m.group(1)}{package}=={version(package)}", text)
    return text


def finish_for_gradescope(zip_path: Path, master: Master, visibility: str = DEFAULT_VISIBILITY) -> None:
    """Rewrite ``zip_path`` in place as described in the module docstring."""
    with zipfile.ZipFile(zip_path) as zf:
        members = [(info, zf.read(info)) for info in zf.infolist()]
    rewrite = {"run_autograder": run_autograder_script, "run_otter.py": run_otter_script,
               "environment.yml": pinned_environment}
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in members:
            if info.filename in rewrite:
                data = rewrite[info.filename](data.decode()).encode()
            zf.writestr(info, data)
        zf.writestr("mlp_gradescope.py", HOOK_FILE.read_bytes())
        zf.writestr("mlp_gradescope.json", json.dumps(gradescope_config(master, visibility), indent=2))
