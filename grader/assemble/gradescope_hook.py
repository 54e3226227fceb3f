"""Runs on Gradescope around otter, from the autograder zip's ``run_autograder``.

``mlp-course build`` copies this file, unchanged, into the zip as ``mlp_gradescope.py``, next
to ``mlp_gradescope.json`` (written by the build: the notebook's name, the visibility of the
graded entries, the hand-graded questions and their points, the question order, the memory
budget). It uses the standard library only (it runs in the grading image's Python).

    python mlp_gradescope.py before   exit 1, after writing a results.json that says so, when
                                      the submission holds no notebook (otter would otherwise
                                      grade the single .py it finds: the copied checks module)
    python mlp_gradescope.py after    finish otter's results.json: the chosen visibility of the
                                      graded entries, a note on the hand-graded questions, one
                                      stable order; when otter wrote none (its kernel was killed,
                                      typically for memory), a results.json that says so

The autograder folder is the parent of the folder holding this file (``/autograder`` on
Gradescope: this file is ``/autograder/source/mlp_gradescope.py``), so the same zip runs
unchanged in any folder laid out the same way.
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

SOURCE = Path(__file__).resolve().parent
ROOT = SOURCE.parent
RESULTS = ROOT / "results" / "results.json"
MARK = "mlp_course"  # key in results.json's extra_data: which step wrote or finished it


def config() -> dict:
    return json.loads((SOURCE / "mlp_gradescope.json").read_text(encoding="utf-8"))


def write(results: dict) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=4), encoding="utf-8")


def failure(name: str, message: str, cfg: dict, step: str) -> dict:
    """A results.json with score 0 and one visible entry carrying ``message``."""
    return {"score": 0, "extra_data": {MARK: step},
            "tests": [{"name": name, "score": 0, "max_score": cfg["points_possible"],
                       "status": "failed", "visibility": "visible", "output": message}]}


def unpack_zips(submission: Path) -> None:
    """Extract each zip in ``submission`` that holds a notebook at its top (the zip made by the
    notebook's last cell), should the platform have left it packed (Gradescope unpacks it)."""
    for archive in sorted(submission.glob("*.zip")):
        try:
            with zipfile.ZipFile(archive) as zf:
                if any(n.endswith(".ipynb") and "/" not in n for n in zf.namelist()):
                    zf.extractall(submission)
        except zipfile.BadZipFile:
            pass


def before(cfg: dict) -> int:
    """0 when otter will find a notebook in the submission, else 1 after writing the result."""
    submission = ROOT / "submission"
    if not any(submission.glob("*.ipynb")):
        unpack_zips(submission)
    if any(submission.glob("*.ipynb")):
        return 0
    found = sorted(p.name for p in submission.iterdir()) if submission.is_dir() else []
    holds = f"it holds {', '.join(found[:8])}" if found else "it is empty"
    message = (f"No notebook was found in your submission ({holds}), so nothing was graded and the "
               f"score is 0. The autograder grades your {cfg['notebook']}: submit the zip file that "
               f"the last cell of the notebook makes (or the .ipynb file itself), then look here again.")
    write(failure("No notebook found", message, cfg, "before"))
    print(message)
    return 1


def after(cfg: dict) -> int:
    """Finish otter's results.json (see the module docstring); return 0."""
    if not RESULTS.is_file():
        write(failure("Grading did not finish", (
            "Your notebook could not be graded to the end, so the score is 0. The most common cause "
            f"is memory: grading runs your whole notebook within about {cfg['memory_budget_mb']} MB. "
            "Check that Kernel > Restart Kernel and Run All Cells works on your computer, free large "
            "arrays you no longer need (del name), keep the shifted copies in float32 and make them "
            "only once, then submit again; if it still fails, tell your instructor."), cfg, "after"))
        return 0
    results = json.loads(RESULTS.read_text(encoding="utf-8"))
    if results.get("extra_data", {}).get(MARK) == "before":
        return 0
    order = {name: i for i, name in enumerate(cfg["questions"])}
    for test in results.get("tests", []):
        name = test.get("name")
        if name in cfg["manual"]:
            test["output"] = (f"Written answer, graded by hand ({cfg['manual'][name]:g} points, in "
                              f"the question '{name}' of this assignment's outline); the autograder "
                              "only checks that it is filled in.\n\n" + str(test.get("output", "")))
        if name in order:
            test["visibility"] = cfg["visibility"]
    # "Public Tests" and other summary entries first, then the questions in notebook order.
    results["tests"] = sorted(results.get("tests", []), key=lambda t: (t.get("name") in order,
                                                                       order.get(t.get("name"), -1)))
    results.setdefault("extra_data", {})[MARK] = "after"
    write(results)
    return 0


if __name__ == "__main__":
    step = sys.argv[1] if len(sys.argv) > 1 else ""
    if step not in ("before", "after"):
        sys.exit("usage: python mlp_gradescope.py before|after")
    sys.exit({"before": before, "after": after}[step](config()))
