"""``mlp-course build``: turn the master notebook into what students and the grader get.

The pipeline is a list of small steps; each takes the outputs of the ones before it.

1. ``read_master``     check the master notebook's structure (names question and cell);
2. ``stage``           copy it, its ``# SOLUTION: solutions.x.name`` lines expanded into the
                       answer key's code (``grader.assemble.expand``), the data files, the hidden
                       checks and freshly computed reference values into a scratch folder
                       (needs step 1); the held-out
                       sets are derived with a secret (``grader.assemble.heldout``), so the
                       verification of step 5 grades on the same images as the zip;
3. ``assign``          run ``otter assign`` there (without its own test run) and make its
                       zip ready for Gradescope (``pin_numerics``, ``grader.assemble.gradescope``),
                       then ``finish_student`` puts the friendly set-up cell in the student notebook;
4. ``check_student``   make sure no solution, hidden test or reference value reached the
                       student notebook (needs step 3);
5. ``verify`` and ``execute``, side by side (both need step 3, neither the other):
                       ``otter run`` (as Gradescope) and ``mlp-course grade`` (its default,
                       sandboxed engine) grade the solution notebook with the new autograder
                       and the build fails unless both earn every automatic point, while
                       nbclient runs the solution notebook for instructors and
                       measures its kernel's peak memory (warns above the budget);
6. ``publish``         move everything into ``dist/`` at once (last: nothing is written
                       to ``dist/`` before every step has succeeded).

Output layout::

    dist/student/mlp_mnist.ipynb, train_mnist.npz, requirements.txt, environment.yml
    dist/autograder/mlp_mnist-autograder.zip
    dist/solution/mlp_mnist.ipynb           (executed)
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from grader.assemble.gradescope import DEFAULT_VISIBILITY
from grader.assemble.master import read_master
from grader.assemble.memory import MB, MEMORY_BUDGET, budget_warning
from grader.assemble import verify
from grader.assemble.steps import assign, check_student, execute, finish_student, publish, stage
from grader.dataset_layout import dataset_of


@dataclass
class BuildResult:
    """Where ``main`` put things and how long it took."""

    dist: Path
    student_notebook: Path
    autograder_zip: Path
    solution_notebook: Path
    seconds: float
    earned: dict  # points the solution earned per question, as graded by ``otter run``
    peak_memory: int = 0  # bytes: the executed solution's kernel at its peak (0: not executed)


def main(*, master, data_dir, out="dist", log=print, execute_solution=True,
         heldout_secret: str | None = None, gradescope_visibility=DEFAULT_VISIBILITY) -> BuildResult:
    """Build the student notebook, the autograder zip and the executed solution into ``out``.

    ``heldout_secret`` seeds the derivation of the held-out sets (None: a fresh random one).
    ``gradescope_visibility`` (one of :data:`grader.assemble.gradescope.VISIBILITIES`): when
    Gradescope shows students the graded entries of the zip's results."""
    start = time.perf_counter()
    master = read_master(master)
    name = master.config["name"]
    log(f"[1/6] read {master.path.name}: {len(master.questions)} questions")
    dataset = dataset_of(Path(data_dir))
    if dataset != "mnist":
        log(f"NOTICE: {data_dir} holds the '{dataset}' stand-in data, not MNIST: fine for a try-out,"
            " not for a course.")
    with stage(master, Path(data_dir), heldout_secret) as work:
        log(f"[2/6] staged data, hidden checks and reference values in {work}")
        assigned = assign(work, master, visibility=gradescope_visibility)
        finish_student(assigned.student_notebook)
        log("[3/6] otter assign wrote the student notebook and the autograder")
        check_student(assigned.student_notebook)
        log("[4/6] student notebook holds no solution, hidden test or reference value")
        log("[5/6] grading the solution with the autograder"
            + (" and running it for instructors..." if execute_solution else "..."))
        grading = verify.start(assigned.autograder_zip, assigned.solution_notebook,
                               assigned.autograder_zip.parent.parent / "verify")
        try:
            solution, peak = execute(assigned.solution_notebook) if execute_solution else (None, 0)
        except BaseException:
            grading.kill()
            raise
        earned = verify.finish(grading, master.path.name, strict=dataset == "mnist", log=log)
        log(f"      the solution earns {sum(earned.values()):g} automatic points")
        if execute_solution:
            log(f"      the solution's kernel peaked at {peak / MB:.0f} MB of memory "
                f"(budget {MEMORY_BUDGET / MB:.0f} MB)")
            warning = budget_warning(peak)
            if warning:
                log(warning)
        dist = publish(assigned, solution, Path(out), name)
    seconds = time.perf_counter() - start
    log(f"[6/6] wrote {dist}/ in {seconds:.0f} s")
    return BuildResult(dist, dist / "student" / f"{name}.ipynb",
                       dist / "autograder" / f"{name}-autograder.zip",
                       dist / "solution" / f"{name}.ipynb", seconds, earned, peak)
