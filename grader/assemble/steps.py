"""The steps of ``mlp-course build`` (see ``grader.assemble`` for their order)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from grader.atomic import atomic_dir
from grader.assemble.expand import expand_file
from grader.assemble.heldout import derive_heldout, new_secret
from grader.assemble.gradescope import DEFAULT_VISIBILITY, finish_for_gradescope
from grader.assemble.master import Master
from grader.assemble.memory import PeakMemory
from grader.assemble.reference_values import write_reference_values
from grader.assemble.release import release_copy
from grader.checks import SHIPPED
from grader.dataset_layout import PAIRS, heldout_path, train_path
from grader.errors import GraderError
from grader.student_cells import init_cell_source
from grader.numerics import thread_env

EXPORT_CALL = "grader.export("
# The verification and the solution run side by side on the machine's cores; one BLAS
# thread each keeps OpenBLAS from oversubscribing them (which slows training ~10x).
ONE_BLAS_THREAD = thread_env(1)
# What students install (dist/student/requirements.txt, environment.yml): the ranges of
# pyproject.toml's dependencies that the notebook imports, otter-grader for its checks and
# export, and JupyterLab to open it (a test compares the ranges with pyproject.toml).
STUDENT_REQUIREMENTS = ("numpy>=1.24,<3", "matplotlib>=3.7,<4", "scikit-learn>=1.3,<2",
                        "otter-grader>=7,<8", "jupyterlab>=4,<5")
LEAK_MARKERS = ("mlp_hidden_checks", "check_registry", "mlp_reference", "heldout_", "hidden=True", "# SOLUTION",
                "BEGIN SOLUTION", "END SOLUTION")


@dataclass
class Assigned:
    """What ``otter assign`` produced in the scratch folder."""

    student_dir: Path
    student_notebook: Path
    autograder_zip: Path
    solution_notebook: Path


def _file_sources(data_dir: Path) -> dict[str, Path]:
    sources = {"train_mnist.npz": train_path(data_dir)}
    for d1, d2 in PAIRS:
        sources[f"heldout_{d1}_{d2}.npz"] = heldout_path(data_dir, d1, d2)
    return sources


@contextlib.contextmanager
def stage(master: Master, data_dir: Path, heldout_secret: str | None = None):
    """Yield a scratch folder holding the master notebook, expanded (:mod:`grader.assemble.expand`),
    and every file its config lists.

    The held-out sets are derived from ``data_dir``'s with ``heldout_secret`` (a fresh
    random one when None; :mod:`grader.assemble.heldout`), never copied as they are."""
    secret = heldout_secret or new_secret()
    with tempfile.TemporaryDirectory(prefix="mlp-course-build-") as tmp:
        work = Path(tmp)
        expand_file(master.path, work / master.path.name)  # the answer key's code in place of its names
        sources = _file_sources(data_dir)
        listed = list(master.config.get("files") or []) + list(master.config.get("autograder_files") or [])
        for name in listed:
            if name == "mlp_reference.npz":
                write_reference_values(work / name)
            elif name in SHIPPED:
                shutil.copy(SHIPPED[name], work / name)
            elif name in sources:
                if not sources[name].is_file():
                    raise GraderError(f"{sources[name]}: missing data file; run "
                                      f"'mlp-course data -o {data_dir}' first.")
                if name.startswith("heldout_"):
                    derive_heldout(sources[name], work / name, secret)
                else:
                    shutil.copy(sources[name], work / name)
            else:
                raise GraderError(f"{master.path.name} (cell 1): the config lists '{name}', which "
                                  "the build does not know how to provide; remove it or add it to "
                                  "grader/assemble/steps.py.")
        yield work


def assign(work: Path, master: Master, *, visibility: str = DEFAULT_VISIBILITY) -> Assigned:
    """Run ``otter assign`` in ``work`` (the tests run in :func:`grader.assemble.verify.start`), then make its
    zip ready for Gradescope (``pin_numerics``, :mod:`grader.assemble.gradescope`; ``visibility``:
    of the graded entries in Gradescope's results)."""
    cmd = [sys.executable, "-m", "otter", "assign", "--no-run-tests", master.path.name, "out"]
    proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
    if proc.returncode != 0:
        lines = [l.strip() for l in (proc.stdout + proc.stderr).splitlines() if l.strip()]
        raise GraderError(f"{master.path.name}: otter assign failed: "
                          f"{lines[-1] if lines else '(no output)'}")
    name = master.config["name"]
    out = work / "out"
    zips = sorted((out / "autograder").glob(f"{name}-autograder_*.zip"))
    pin_numerics(zips[-1])
    finish_for_gradescope(zips[-1], master, visibility)
    return Assigned(out / "student", out / "student" / master.path.name, zips[-1],
                    out / "autograder" / master.path.name)


def finish_student(notebook: Path) -> None:
    """Replace the set-up cell ``otter assign`` generated in the student notebook by
    :data:`grader.student_cells.INIT_CELL_SOURCE` (friendly when otter is missing or the
    notebook is renamed); raise GraderError if there is no such cell."""
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        robust = init_cell_source(cell.source) if cell.cell_type == "code" else None
        if robust is not None:
            cell.source = robust
            nbformat.write(nb, notebook)
            return
    raise GraderError(f"{notebook.name}: otter assign wrote no 'grader = otter.Notebook(...)' cell; "
                      "keep 'init_cell: true' in the config cell of the master notebook.")


def student_setup_files(folder: Path) -> None:
    """Write requirements.txt (pip) and environment.yml (conda) for students into ``folder``."""
    header = ("# What the notebook needs. With pip:   python -m pip install -r requirements.txt\n"
              "# Then start JupyterLab in this folder: jupyter lab\n")
    (folder / "requirements.txt").write_text(header + "".join(f"{r}\n" for r in STUDENT_REQUIREMENTS),
                                            encoding="utf-8")
    conda = [r for r in STUDENT_REQUIREMENTS if not r.startswith("otter-grader")]
    otter = [r for r in STUDENT_REQUIREMENTS if r.startswith("otter-grader")]
    (folder / "environment.yml").write_text(
        "# With conda: conda env create -f environment.yml && conda activate mlp-student\n"
        "name: mlp-student\nchannels:\n  - conda-forge\ndependencies:\n  - python>=3.10,<3.13\n"
        + "".join(f"  - {r}\n" for r in conda) + "  - pip\n  - pip:\n"
        + "".join(f"      - {r}\n" for r in otter), encoding="utf-8")


def pin_numerics(zip_path: Path) -> None:
    """Make the zip's ``run_autograder`` (what Gradescope runs) export the grading thread
    count of :mod:`grader.numerics` before otter starts, as ``mlp-course grade`` and the
    build's verification do; the seed is already in its ``otter_config.json``."""
    exports = "".join(f"export {k}={v}\n" for k, v in thread_env().items())
    with zipfile.ZipFile(zip_path) as zf:
        members = [(info, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in members:
            if info.filename == "run_autograder":
                shebang, _, rest = data.decode().partition("\n")
                data = f"{shebang}\n# mlp-course: the grading numerics (grader/numerics.py)\n{exports}{rest}".encode()
            zf.writestr(info, data)


def check_student(notebook: Path) -> None:
    """Raise GraderError if the student notebook leaks a solution, hidden test or reference,
    or if one of its code cells is not valid Python before the student types anything."""
    text = notebook.read_text(encoding="utf-8")
    leaks = [m for m in LEAK_MARKERS if m in text]
    if leaks:
        raise GraderError(f"{notebook.name}: the student notebook contains {', '.join(leaks)}; "
                          "check the SOLUTION/TESTS blocks of the master notebook.")
    nb = nbformat.reads(text, as_version=4)
    for number, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        python = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        try:
            compile(python, f"{notebook.name}, cell {number}", "exec")
        except SyntaxError as exc:
            raise GraderError(f"{notebook.name}, cell {number}: the student's starting code is not valid "
                              f"Python ({exc.msg}, line {exc.lineno}); keep each '# SOLUTION' line a "
                              "complete statement in the master notebook.") from None


def execute(notebook: Path, timeout: int = 1200) -> tuple[nbformat.NotebookNode, int]:
    """Run the solution notebook (without its export cell) in its own folder; return it and the
    peak resident memory in bytes of its kernel's process tree (:mod:`grader.assemble.memory`)."""
    nb = nbformat.read(notebook, as_version=4)
    nb.cells = [c for c in nb.cells if EXPORT_CALL not in c.source]
    peak = PeakMemory()
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(notebook.parent)}})
    client.on_notebook_start = lambda notebook: peak.watch(client.km.provisioner.pid)
    try:
        client.execute(env={**os.environ, **ONE_BLAS_THREAD})  # the kernel's environment
    except Exception as exc:
        raise GraderError(f"{notebook.name}: the solution notebook failed to run: "
                          f"{str(exc).strip().splitlines()[-1]}") from None
    finally:
        peak.stop()
    return nb, peak.peak


def publish(assigned: Assigned, solution, out: Path, name: str) -> Path:
    """Write dist/student, dist/autograder and dist/solution in one atomic move."""
    with atomic_dir(out) as tmp:
        (tmp / "student").mkdir()
        shutil.copy(assigned.student_notebook, tmp / "student" / f"{name}.ipynb")
        shutil.copy(assigned.student_dir / "train_mnist.npz", tmp / "student" / "train_mnist.npz")
        student_setup_files(tmp / "student")
        (tmp / "autograder").mkdir()
        shutil.copy(assigned.autograder_zip, tmp / "autograder" / f"{name}-autograder.zip")
        (tmp / "solution").mkdir()
        if solution is None:
            solution = nbformat.read(assigned.solution_notebook, as_version=4)
        nbformat.write(solution, tmp / "solution" / f"{name}.ipynb")
        nbformat.write(release_copy(solution), tmp / "solution" / f"{name}-release.ipynb")
    return out
