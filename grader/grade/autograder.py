"""Check an otter autograder zip and read its questions (names and points, in grading order),
the manual questions' real points, and the intercell ``seed`` of its ``otter_config.json``
(None when it sets none).

Manual questions (``manual: true`` in the master notebook) reach the zip as test files whose
tests are worth 0 points while the file's own ``points = N`` line (otter assign writes the
question header's points there) says N > 0: :attr:`Autograder.manual` maps them to N.
"""

from __future__ import annotations

import dataclasses
import json
import zipfile
from pathlib import Path

from grader.errors import GraderError
from grader.grade.testfiles import read_test_files

REQUIRED = ("otter_config.json", "run_autograder")


@dataclasses.dataclass(frozen=True)
class Autograder:
    """An otter autograder: ``questions`` maps name -> points otter's tests award, in otter's
    order; ``manual`` maps each hand-graded question to its real points (see the module doc)."""

    path: Path
    sha256: str
    questions: dict[str, float]
    seed: int | None = None  # otter_config.json's "seed" (otter's intercell seeding)
    dataset: str | None = None  # what the held-out sets were drawn from ("mnist", "digits"), if known
    manual: dict[str, float] = dataclasses.field(default_factory=dict)

    @property
    def points(self) -> dict[str, float]:
        """Points possible per question, manual ones at their real points (otter's order)."""
        return {**self.questions, **{q: p for q, p in self.manual.items() if q in self.questions}}

    @property
    def possible(self) -> float:
        """Points possible of the whole assignment, manual questions included."""
        return sum(self.points.values())

    @property
    def possible_auto(self) -> float:
        """Points the autograder alone can award."""
        return sum(self.questions.values())


def _question_points(zf: zipfile.ZipFile) -> tuple[dict[str, float], dict[str, float]]:
    """Points per question from ``tests/*.py`` (:mod:`.testfiles`), in natural order (q2 before
    q10), and the manual questions' declared points."""
    try:
        files = read_test_files(zf)
    except (SyntaxError, ValueError, TypeError, AssertionError) as exc:
        raise GraderError(f"{zf.filename}: a tests/*.py file is not an otter test file ({exc}); "
                          "rebuild the autograder with `mlp-course build`") from None
    points = {f.question: f.possible for f in files}
    manual = {f.question: f.declared for f in files if f.possible == 0 and f.declared}
    return points, manual


def _config_seed(zf: zipfile.ZipFile, path: Path) -> int | None:
    try:
        seed = json.loads(zf.read("otter_config.json")).get("seed")
    except (ValueError, AttributeError):
        raise GraderError(f"{path}: otter_config.json is not a JSON object; "
                          "rebuild it with `mlp-course build`") from None
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise GraderError(f"{path}: otter_config.json seed {seed!r} is not an integer; "
                          "set `seed: <integer>` under `generate:` in the master notebook and rebuild")
    return seed


def load_autograder(path: Path, sha256: str) -> Autograder:
    """Validate ``path`` as an otter autograder zip (raises ``GraderError``) and read it."""
    hint = "build it with `mlp-course build` (dist/autograder/<name>-autograder.zip)"
    if not path.is_file():
        raise GraderError(f"autograder zip {path} does not exist; {hint}")
    if not zipfile.is_zipfile(path):
        raise GraderError(f"autograder {path} is not a zip file; {hint}")
    with zipfile.ZipFile(path) as zf:
        missing = [n for n in REQUIRED if n not in zf.namelist()]
        if missing:
            raise GraderError(f"{path} is not an otter autograder zip (no {', '.join(missing)} inside); {hint}")
        (questions, manual), seed, dataset = _question_points(zf), _config_seed(zf, path), _dataset(zf)
    if not questions:
        raise GraderError(f"{path} has no tests/*.py, so there is nothing to grade; {hint}")
    return Autograder(path=path, sha256=sha256, questions=questions, seed=seed, dataset=dataset,
                      manual=manual)


def _dataset(zf: zipfile.ZipFile) -> str | None:
    """The ``dataset`` recorded in the first held-out file (``mlp-course data`` writes it), else None."""
    import io

    import numpy as np

    names = sorted(n for n in zf.namelist() if n.startswith("files/heldout_") and n.endswith(".npz"))
    if not names:
        return None
    try:
        with np.load(io.BytesIO(zf.read(names[0])), allow_pickle=False) as data:
            return str(data["dataset"]) if "dataset" in data.files else None
    except (OSError, ValueError, zipfile.BadZipFile):
        return None
