"""Run a built autograder zip the way Gradescope does, in a temporary folder.

Gradescope unpacks the zip into ``/autograder/source``, builds an image with its ``setup.sh``
(miniforge + ``mamba env create -f environment.yml``), puts the student's files into
``/autograder/submission`` and runs ``/autograder/run_autograder``, which must leave
``/autograder/results/results.json``. Here:

* the folder is any temporary folder, named by ``MLP_AUTOGRADER_ROOT`` (which the zip's
  ``run_autograder`` and ``run_otter.py`` honour; unset on Gradescope, where it is ``/autograder``);
* the environment is a fresh virtualenv of this machine's Python with the packages of the zip's
  own ``environment.yml`` (pip's cache is reused), and a stand-in for ``mamba`` whose
  ``activate`` sources that virtualenv: ``run_autograder`` itself runs unmodified;
* the peak memory of ``run_autograder``'s whole process tree (otter and the notebook's kernel)
  is sampled with psutil, as Gradescope's container limit would count it.

Also usable by hand::

    python tests/gradescope/emulate.py ZIP SUBMISSION [VENV]
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from grader.assemble.memory import PeakMemory

MAMBA_STAND_IN = """#!/bin/sh
# Stand-in for mamba: 'mamba shell hook' defines a shell function whose 'activate' sources the
# virtualenv built from the zip's environment.yml (tests/gradescope/emulate.py).
if [ "$1" = shell ] && [ "$2" = hook ]; then
    echo 'mamba() { if [ "$1" = activate ]; then . "{venv}/bin/activate"; fi; }'
fi
"""


@dataclass
class Emulated:
    results: dict
    peak_bytes: int  # run_autograder's process tree (otter + kernel) at its peak
    kernel_peak_bytes: int  # the notebook's kernel alone
    seconds: float
    stdout: str


def requirements(environment_yml: str) -> list[str]:
    """pip requirements equivalent to the zip's environment.yml: the entries of its pip: list, and
    its other dependencies but python and pip (conda-forge names that are also PyPI names)."""
    reqs, section, in_pip = [], None, False
    for line in environment_yml.splitlines():
        if re.match(r"^\w", line):  # a top-level key: name, channels, dependencies
            section, in_pip = line.split(":")[0], False
            continue
        item = re.match(r"^(\s*)- (.+?)\s*$", line)
        if section != "dependencies" or not item:
            continue
        name = item.group(2)
        if name == "pip:":
            in_pip = True
        elif in_pip or not re.match(r"^(python|pip)\b", name):
            reqs.append(re.sub(r"^([\w.-]+)=(?!=)", r"\1==", name))
    return reqs


def make_venv(zip_path: Path, venv: Path, python: str | None = None) -> Path:
    """A fresh virtualenv at ``venv`` with the packages of the zip's environment.yml."""
    python = python or shutil.which("python3") or sys.executable
    with zipfile.ZipFile(zip_path) as zf:
        reqs = requirements(zf.read("environment.yml").decode())
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
                    "--disable-pip-version-check", *reqs], check=True)
    return venv


def run(zip_path: Path, submission: list[Path], venv: Path, timeout: int = 600) -> Emulated:
    """Grade ``submission`` (files put in submission/) with the zip's unmodified run_autograder."""
    with tempfile.TemporaryDirectory(prefix="autograder-") as tmp:
        root = Path(tmp) / "autograder"
        for sub in ("source", "submission", "results"):
            (root / sub).mkdir(parents=True)
        with zipfile.ZipFile(zip_path) as zf:
            zf.extractall(root / "source")
        shutil.copy(root / "source" / "run_autograder", root / "run_autograder")  # as Gradescope does
        (root / "submission_metadata.json").write_text("{}")
        for file in submission:
            shutil.copy(file, root / "submission" / file.name)
        bin_dir = Path(tmp) / "bin"
        bin_dir.mkdir()
        (bin_dir / "mamba").write_text(MAMBA_STAND_IN.replace("{venv}", str(venv)))
        (bin_dir / "mamba").chmod(0o755)
        env = {"PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin", "HOME": os.environ.get("HOME", tmp),
               "MLP_AUTOGRADER_ROOT": str(root), "LANG": "C.UTF-8"}
        start = time.perf_counter()
        proc = subprocess.Popen(["bash", str(root / "run_autograder")], cwd=root, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        peak = PeakMemory(match="ipykernel")
        peak.watch(proc.pid)
        try:
            stdout, _ = proc.communicate(timeout=timeout)
        finally:
            peak.stop()
        results_file = root / "results" / "results.json"
        results = json.loads(results_file.read_text()) if results_file.is_file() else {}
        return Emulated(results, peak.peak, peak.peak_matched, time.perf_counter() - start, stdout)


if __name__ == "__main__":
    zip_arg, subm_arg = Path(sys.argv[1]), Path(sys.argv[2])
    venv_arg = Path(sys.argv[3]) if len(sys.argv) > 3 else Path(tempfile.mkdtemp()) / "venv"
    if not (venv_arg / "bin" / "python").exists():
        make_venv(zip_arg, venv_arg)
    done = run(zip_arg, [subm_arg], venv_arg)
    total = sum(t.get("score", 0) for t in done.results.get("tests", []))
    print(json.dumps({"submission": subm_arg.name, "points": total, "peak_mb": round(done.peak_bytes / 1e6),
                      "kernel_peak_mb": round(done.kernel_peak_bytes / 1e6), "seconds": round(done.seconds)}))
