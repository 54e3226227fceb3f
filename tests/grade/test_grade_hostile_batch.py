"""A hostile class through the whole safe-engine pipeline (fast: the child is faked, see
``safe_toy``): does every submission get a row, does every honest one keep its exact points,
and is everything the grader writes safe to open, whatever the names and messages?"""

from __future__ import annotations

import os
import threading
import tracemalloc
import zipfile

import pytest
from click.testing import CliRunner

from grader.cli import main as cli
from grader.grade import main as grade_main
from grader.submissions.validate import check_submission
from grader.gradebook import read_gradebook
from safe_toy import POSSIBLE, build_autograder, faked, notebook

FULL = sum(POSSIBLE.values())
FORMULA = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(scope="module")
def autograder(tmp_path_factory):
    return build_autograder(tmp_path_factory.mktemp("safe-ag") / "toy-safe-autograder.zip")


@pytest.fixture
def temp(tmp_path):
    with faked(tmp_path / "temp") as folder:
        yield folder


def grade_in_thread(folder, autograder, out, seconds: float = 120.0) -> dict:
    """``grade_main`` on ``folder``; fails (instead of hanging) if it has not finished in time."""
    result = []
    thread = threading.Thread(target=lambda: result.append(grade_main(
        folder, autograder=autograder, out=out, progress=False, jobs=1, engine="safe")), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "the batch blocked"
    return result[0]


def gradebook(out) -> list[dict]:
    return list(read_gradebook(out / "gradebook.csv").values())  # strict UTF-8


def plain_number(cell: str) -> bool:
    try:
        float(cell)
        return True
    except ValueError:
        return False


# file name -> points it must get; notebooks hostile through their names or their messages
NAMES = {
    "alice.ipynb": FULL,
    os.fsdecode(b"caf\xe9-\xff\xfe.ipynb"): FULL,  # not UTF-8
    "s" * 240 + ".ipynb": FULL,  # 246 bytes: legal, but too long for a temporary beside it
    "\u00e9" * 124 + ".ipynb": FULL,  # 254 bytes
    "line\nbreak\x1b[2J.ipynb": FULL,
    "POINTS POSSIBLE.ipynb": FULL,
    '=HYPERLINK("http:evil","x").ipynb': FULL,
    "-2+3+cmd|' calc'!A0.ipynb": FULL,
    "@SUM(1+1).ipynb": FULL,
    "+1.ipynb": FULL,
}
RAISES = "def square(x):\n    raise ValueError('bad \\udc80 byte \\x1b[2J \\ud800')"


@pytest.fixture(scope="module")
def hostile_names(tmp_path_factory, autograder):
    """One CLI run over a class whose names and messages are hostile: (folder, out, result)."""
    root = tmp_path_factory.mktemp("names")
    folder, out = root / "subs", root / "out"
    folder.mkdir()
    for name in NAMES:
        notebook(folder / name)
    notebook(folder / "surrogate.ipynb", RAISES, "raise RuntimeError('cell \\udcff \\u202e')")
    notebook(folder / "bob.ipynb", "def square(x):\n    return x * abs(x)")
    with faked(root / "temp"):
        result = CliRunner().invoke(cli, ["grade", str(folder), "-a", str(autograder), "-o", str(out),
                                          "--engine", "safe", "-j", "1"])
        yield folder, out, result


def test_does_a_class_with_hostile_names_and_messages_finish_with_every_row(hostile_names):
    folder, out, result = hostile_names
    assert result.exit_code == 0, result.output
    rows = gradebook(out)
    assert len(rows) == len(NAMES) + 3 and rows[0]["id"] == "POINTS POSSIBLE"
    assert [r["id"] for r in rows].count("POINTS POSSIBLE") == 1
    assert {r["status"] for r in rows[1:]} == {"graded"}


def test_do_honest_neighbours_keep_their_exact_points(hostile_names):
    rows = gradebook(hostile_names[1])[1:]
    totals = sorted(float(r["total"]) for r in rows)
    assert totals == sorted([*NAMES.values(), POSSIBLE["q2"], POSSIBLE["q2"]])  # bob and surrogate: q2 only


def test_is_the_student_called_points_possible_renamed_and_told(hostile_names):
    (row,) = [r for r in gradebook(hostile_names[1])[1:] if r["id"].startswith("POINTS POSSIBLE")]
    assert row["id"] != "POINTS POSSIBLE" and "reserved" in row["detail"] and row["total"] == str(FULL)


def test_can_no_gradebook_cell_start_a_formula(hostile_names):
    cells = [c for row in gradebook(hostile_names[1]) for c in row.values()]
    assert not [c for c in cells if c.startswith(FORMULA) and not plain_number(c)]
    assert "'=HYPERLINK(\"http:evil\",\"x\")" in cells and "'-2+3+cmd|' calc'!A0" in cells
    assert "+1" in cells  # a number-like id stays as it is


def test_is_every_feedback_file_there_with_a_short_safe_name(hostile_names):
    files = sorted((hostile_names[1] / "feedback").iterdir())
    assert len(files) == len(NAMES) + 2
    assert all(len(os.fsencode(f.name)) <= 255 - 20 and f.name.isprintable() for f in files)
    texts = [f.read_text(encoding="utf-8") for f in files]
    surrogate = next(t for t in texts if "# Feedback for surrogate" in t)
    assert "bad \ufffd byte \\x1b[2J \ufffd" in surrogate and "\x1b" not in "".join(texts)


def test_does_a_rerun_finish_and_skip_every_row(hostile_names, autograder):
    folder, out, _ = hostile_names  # sorts last: the other tests see the first run's files
    again = CliRunner().invoke(cli, ["grade", str(folder), "-a", str(autograder), "-o", str(out), "--engine", "safe"])
    assert again.exit_code == 0, again.output
    assert f"({len(NAMES) + 2} unchanged, not regraded" in again.output


SWAP = f"""
import os
def after_child():  # what a process left running would do once the child has written its files
    for name in ("probe_outputs.npz", "probe_errors.json", "cells.json"):
        os.remove(name)
    os.mkfifo("probe_outputs.npz")
    os.symlink({{secret!r}}, "probe_errors.json")
    os.mkfifo("cells.json")
"""
DEEP = """
import os
def after_child():
    fd = os.open(".", os.O_RDONLY)
    for _ in range(1500):
        os.mkdir("d", dir_fd=fd)
        os.mkfifo("f", dir_fd=fd)
        child = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = child
    os.close(fd)
"""


def test_do_swapped_files_and_a_deep_tree_neither_block_leak_nor_stay(tmp_path, temp, autograder):
    folder, out = tmp_path / "subs", tmp_path / "out"
    folder.mkdir()
    secret = tmp_path / "secret.json"
    secret.write_text('{"0": "SECRET-TOKEN", "1": "SECRET-TOKEN"}')
    secret.chmod(0o600)
    notebook(folder / "alice.ipynb")
    notebook(folder / "swap.ipynb", SWAP.format(secret=str(secret)))
    notebook(folder / "deep.ipynb", DEEP)
    summary = grade_in_thread(folder, autograder, out)
    rows = {r["id"]: r for r in gradebook(out)}
    assert (rows["alice"]["total"], rows["deep"]["total"], rows["deep"]["status"]) == (str(FULL), str(FULL), "graded")
    assert rows["swap"]["total"] == "0.0" and summary["counts"]["graded"] == 2
    assert "SECRET" not in (out / "feedback" / "swap.md").read_text() + (out / "gradebook.csv").read_text()
    assert list(temp.iterdir()) == [], "a sandbox, checks or log folder was left behind"


def zipped(dest, members: dict[str, bytes]):
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def zip_bomb(dest, inflated_mb: int, *, declared: int | None = None):
    """A zip holding one notebook that inflates to ``inflated_mb`` MB (written in 1 MB steps);
    ``declared`` overwrites the uncompressed size it states."""
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("hw.ipynb", "w") as member:
        member.write(b"{")
        for _ in range(inflated_mb):
            member.write(b" " * (1 << 20))
        member.write(b"}")
    if declared is not None:
        data = bytearray(dest.read_bytes())
        for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
            at = data.index(signature) + offset
            data[at:at + 4] = declared.to_bytes(4, "little")
        dest.write_bytes(bytes(data))
    return dest


def test_are_links_special_files_and_zip_bombs_rejected_with_a_row_each(tmp_path, temp, autograder):
    folder, out = tmp_path / "subs", tmp_path / "out"
    folder.mkdir()
    notebook(folder / "alice.ipynb")
    target = notebook(tmp_path / "elsewhere.ipynb")
    (folder / "linked.ipynb").symlink_to(target)
    os.mkfifo(tmp_path / "pipe")
    (folder / "piped.ipynb").symlink_to(tmp_path / "pipe")  # would block if followed
    os.mkfifo(folder / "fifo.ipynb")
    (folder / "folder.zip").mkdir()
    zip_bomb(folder / "bomb.zip", 60)
    zipped(folder / "crowd.zip", {"hw.ipynb": target.read_bytes(), **{f"f{i}": b"" for i in range(1500)}})
    grade_in_thread(folder, autograder, out)
    rows = {r["id"]: r for r in gradebook(out)}
    assert rows["alice"]["total"] == str(FULL)
    expected = {"linked": ("not-a-notebook", "symbolic link"), "piped": ("not-a-notebook", "symbolic link"),
                "fifo": ("not-a-notebook", "FIFO"), "folder": ("not-a-notebook", "folder"),
                "bomb": ("too-large", "50 MB"), "crowd": ("too-large", "files")}
    assert {sid: (rows[sid]["status"], word in rows[sid]["detail"]) for sid, (_, word) in expected.items()} == \
        {sid: (status, True) for sid, (status, _) in expected.items()}


@pytest.mark.parametrize("declared, status", [(None, "too-large"), (1000, "not-a-notebook")])
def test_is_a_zip_bomb_refused_within_a_small_memory_budget(tmp_path, declared, status):
    bomb = zip_bomb(tmp_path / "bomb.zip", 300, declared=declared)
    tracemalloc.start()
    try:
        problem = check_submission(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert problem[0] == status and peak < 8 << 20, (problem, peak)
