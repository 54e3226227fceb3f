"""Reading back a sandbox folder the student controlled: does the grader stay unblocked, blind to
host files, and small in memory whatever was left in place of its three files?"""

from __future__ import annotations

import io
import json
import os
import threading
import tracemalloc
import zipfile

import numpy as np
import pytest
from numpy.lib import format as npy

from grader import readback
from grader.grade.engines.sandboxed import _read_cells, load_outputs

FILES = ("probe_outputs.npz", "probe_errors.json", "cells.json")


def read_back(work, seconds: float = 10.0):
    """``(outputs, errors, cells)`` read from ``work`` in a thread; fails if it has not returned in time."""
    result = []
    thread = threading.Thread(target=lambda: result.append((*load_outputs(work, 2), _read_cells(work))),
                              daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"reading {work} blocked for {seconds} s"
    return result[0]


def honest_files(folder):
    """What an honest child leaves: one array per call, no errors, one cell error."""
    np.savez(folder / FILES[0], p0__out=np.array([4.0, 0.0, 9.0]), p1__out=np.array([1.5, 5.0]))
    (folder / FILES[1]).write_text("{}")
    (folder / FILES[2]).write_text(json.dumps([{"cell": 3, "ename": "ValueError", "evalue": "x"}]))


def test_are_honest_files_read_back_whole(tmp_path):
    honest_files(tmp_path)
    outputs, errors, cells = read_back(tmp_path)
    assert [sorted(o) for o in outputs] == [["out"], ["out"]] and outputs[1]["out"].tolist() == [1.5, 5.0]
    assert errors == {} and cells == [{"cell": 3, "ename": "ValueError", "evalue": "x"}]


@pytest.mark.parametrize("replaced", [FILES, FILES[:1], FILES[1:2], FILES[2:]])
def test_does_a_fifo_in_place_of_a_file_neither_block_nor_count(tmp_path, replaced):
    honest_files(tmp_path)
    for name in replaced:
        (tmp_path / name).unlink()
        os.mkfifo(tmp_path / name)
    outputs, errors, cells = read_back(tmp_path)
    assert (any(outputs), bool(cells)) == (FILES[0] not in replaced, FILES[2] not in replaced)


@pytest.fixture
def secret(tmp_path):
    """A root-only host file whose content would be valid for every one of the three names."""
    path = tmp_path / "host" / "secret.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"0": "SECRET-TOKEN"}))
    path.chmod(0o600)
    return path


@pytest.mark.parametrize("link", ["symlink", "hardlink"])
def test_does_a_link_to_a_host_file_leak_nothing(tmp_path, secret, link):
    work = tmp_path / "work"
    work.mkdir()
    np.savez(tmp_path / "host" / "outputs.npz", p0__out=np.ones(3))
    make = os.symlink if link == "symlink" else os.link
    make(tmp_path / "host" / "outputs.npz", work / FILES[0])
    for name in FILES[1:]:
        make(secret, work / name)
    outputs, errors, cells = read_back(work)
    assert not any(outputs) and errors == {} and cells == []
    assert "SECRET" not in repr((outputs, errors, cells))


def test_is_a_sandbox_folder_that_became_a_symlink_not_followed(tmp_path):
    real = tmp_path / "elsewhere"
    real.mkdir()
    honest_files(real)
    (tmp_path / "work").symlink_to(real)
    assert read_back(tmp_path / "work") == ([{}, {}], {}, [])


def test_are_folders_in_place_of_files_ignored(tmp_path):
    for name in FILES:
        (tmp_path / name).mkdir()
    assert read_back(tmp_path) == ([{}, {}], {}, [])


def npz_with(members: dict[str, bytes]) -> bytes:
    """An npz (zip) whose members hold exactly the given ``.npy`` bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def npy_lying(descr, shape, data: bytes = b"\0" * 16) -> bytes:
    """A ``.npy`` whose header declares ``descr``/``shape`` but which holds only ``data``."""
    buffer = io.BytesIO()
    npy.write_array_header_2_0(buffer, {"descr": descr, "fortran_order": False, "shape": shape})
    return buffer.getvalue() + data


def npy_of(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def peak_bytes(call):
    """``(result, peak bytes traced)`` while ``call()`` runs."""
    tracemalloc.start()
    try:
        result = call()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


LIES = {
    "1e9 float64": ("<f8", (10 ** 9,)),
    "1e5 x 1e5 bytes": ("|u1", (10 ** 5, 10 ** 5)),
    "one 400 MB string": ("<U100000000", (1,)),
    "1e6 strings of 1000 chars": ("<U1000", (10 ** 6,)),
    "2**62 int8": ("|i1", (2 ** 62,)),
    "10 MB float64, 16 bytes present": ("<f8", (1_250_000,)),
    "object array": ("|O", (10 ** 6,)),
    "sub-array dtype": ([("a", "<f8", (10 ** 8,))], (1,)),
}


@pytest.mark.parametrize("lie", sorted(LIES))
def test_is_an_npz_entry_declaring_more_than_it_holds_rejected_without_allocating(tmp_path, lie):
    descr, shape = LIES[lie]
    (tmp_path / FILES[0]).write_bytes(npz_with({"p0__out.npy": npy_lying(descr, shape),
                                                "p1__out.npy": npy_of(np.array([1.5, 5.0]))}))
    (outputs, _), peak = peak_bytes(lambda: load_outputs(tmp_path, 2))
    assert outputs[0] == {} and outputs[1]["out"].tolist() == [1.5, 5.0]
    assert peak < 4 * 2 ** 20, f"peak {peak / 2 ** 20:.1f} MB"


def test_is_an_npz_member_that_declares_a_huge_inflated_size_skipped(tmp_path):
    data = bytearray(npz_with({"p0__out.npy": npy_of(np.ones(4))}))
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # uncompressed size fields
        at = data.index(signature) + offset
        data[at:at + 4] = (2 ** 31).to_bytes(4, "little")
    (tmp_path / FILES[0]).write_bytes(bytes(data))
    (outputs, _), peak = peak_bytes(lambda: load_outputs(tmp_path, 1))
    assert outputs == [{}] and peak < 4 * 2 ** 20


def test_is_an_npz_with_too_many_members_refused_before_zipfile_parses_it(tmp_path):
    tiny = npy_of(np.zeros(1))
    (tmp_path / FILES[0]).write_bytes(npz_with({f"p0__k{i}.npy": tiny for i in range(readback.MAX_MEMBERS + 5)}))
    assert load_outputs(tmp_path, 1)[0] == [{}]


def test_does_the_total_budget_stop_reading_after_it_is_spent(tmp_path, monkeypatch):
    monkeypatch.setattr(readback, "TOTAL_BYTES", 1000)
    np.savez(tmp_path / FILES[0], **{f"p0__a{i}": np.zeros(50) for i in range(4)})  # 400 bytes each
    assert len(load_outputs(tmp_path, 1)[0][0]) == 2


@pytest.mark.parametrize("text", ["[" * 200_000, '{"0": ' * 100_000, '{"0": "' + "x" * (2 << 20) + '"}',
                                  "\xff\xfe not utf-8", '{"0": 1e999999}'])
def test_is_a_hostile_errors_file_just_no_errors(tmp_path, text):
    (tmp_path / FILES[1]).write_bytes(text.encode("latin-1") if text.startswith("\xff") else text.encode())
    assert read_back(tmp_path)[1] in ({}, {"0": "inf"})


def test_are_malformed_cell_entries_dropped_one_by_one(tmp_path):
    entries = [{"cell": 1, "ename": "E\udc80", "evalue": "v\x1b[2J"}, {"cell": float("inf")}, {"cell": "2"},
               "not a dict", {"cell": 10 ** 30}, {"cell": 4, "ename": ["list"], "evalue": {"x": 1}}]
    (tmp_path / FILES[2]).write_text(json.dumps(entries))
    cells = read_back(tmp_path)[2]
    assert [c["cell"] for c in cells] == [1, 4]
    assert cells[0] == {"cell": 1, "ename": "E\ufffd", "evalue": "v\\x1b[2J"}
    json.dumps(cells).encode("utf-8")
