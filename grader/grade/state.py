"""Resume support: ``OUT/.state.json`` remembers, per student id, what was graded and how.

Each entry holds the sha256 of the submission file and of the autograder zip, the
gradebook row and the (student-safe) failures used by the class report. A later run
skips an id whose two hashes are unchanged, unless ``--force``.
"""

from __future__ import annotations

import json
from pathlib import Path

from grader import atomic
from grader.submissions.discover import Submission

STATE_NAME = ".state.json"


def load_state(out: Path) -> dict[str, dict]:
    """The entries saved by earlier runs (``{}`` when none or unreadable)."""
    try:
        data = json.loads((out / STATE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data.get("submissions", {}) if isinstance(data, dict) else {}


def save_state(out: Path, entries: dict[str, dict]) -> None:
    """Atomically write all entries."""
    atomic.write_text(out / STATE_NAME, json.dumps({"version": 1, "submissions": entries}, indent=1))


def is_current(entry: dict | None, submission: Submission, autograder_sha256: str) -> bool:
    """Was ``submission`` already graded, unchanged, with this autograder?"""
    return bool(entry) and entry.get("sha256") == submission.sha256 \
        and entry.get("autograder_sha256") == autograder_sha256


def entry_for(submission: Submission, autograder_sha256: str, row: dict, failures: list[dict],
              cell_errors: list[dict] = ()) -> dict:
    """A state entry for a finished submission (``row`` without manual scores: :mod:`.manual`
    keeps those in ``manual_scores.json`` beside this file)."""
    return {"sha256": submission.sha256, "autograder_sha256": autograder_sha256,
            "file": submission.path.name, "row": row, "failures": failures, "cell_errors": list(cell_errors)}
