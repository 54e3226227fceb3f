"""Read what a sandbox left in its folder, as root, trusting nothing about it.

The student's code owns the sandbox folder: any file the grader reads back
(``probe_outputs.npz``, ``probe_errors.json``, ``cells.json``) may have been replaced by
a symbolic link to a root-only host file, a FIFO that blocks the reader forever, a hard
link, a folder, or a file whose content asks for gigabytes. The rules here:

* open with ``O_NOFOLLOW | O_NONBLOCK`` (a link is refused, a FIFO never blocks), the
  folder too; then ``fstat`` the descriptor: a regular file with ONE link, at most
  ``limit`` bytes, else nothing is read; read from that descriptor only, at most
  ``limit`` bytes;
* JSON: at most :data:`JSON_BYTES`; any decoding problem (including nesting deep enough
  for ``RecursionError``) gives ``None``;
* npz: at most :data:`NPZ_BYTES` on disk and :data:`MAX_MEMBERS` members (counted from
  the central directory signatures BEFORE ``zipfile`` parses them); each member's ``.npy``
  header is read first and checked -- dtype kind ``b i u f`` or ``U`` (at most
  :data:`STR_CHARS` characters), no objects, fields or sub-arrays, a shape of non-negative
  ints, at most :data:`ENTRY_BYTES` and within the member's declared size and the
  :data:`TOTAL_BYTES` budget -- BEFORE its data is read; data is then read in 1 MB
  steps, so memory follows the bytes actually present. A member that fails a check is
  skipped; nothing here raises.
"""

from __future__ import annotations

import json
import math
import os
import stat
import zipfile
from pathlib import Path
from typing import BinaryIO

import numpy as np
from numpy.lib import format as npy

FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
JSON_BYTES = 1 << 20  # probe_errors.json, cells.json
NPZ_BYTES = 256 << 20  # probe_outputs.npz on disk
ENTRY_BYTES = 80 << 20  # one array (10 M float64)
TOTAL_BYTES = 256 << 20  # all arrays of one npz
MAX_MEMBERS = 1000  # arrays in one npz
STR_CHARS = 10_000  # characters of one element of a ``U`` array
HEADER_BYTES = 10_000  # .npy header (numpy's own default cap)
KINDS = "biufU"
CHUNK = 1 << 20
CENTRAL_DIRECTORY = b"PK\x01\x02"


def open_regular(path: str | os.PathLike, limit: int, *, strict: bool = True) -> BinaryIO | None:
    """``path`` opened for binary reading if it is a regular file of at most ``limit`` bytes
    that is not a symbolic link; else None. Never blocks, never raises. ``strict`` (files
    of a sandbox folder): its folder must not be a link either, and the file has one link."""
    path = Path(path)
    try:
        folder = os.open(path.parent, DIR_FLAGS if strict else DIR_FLAGS & ~os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        fd = os.open(path.name, FILE_FLAGS, dir_fd=folder)
    except OSError:
        return None
    finally:
        os.close(folder)
    try:
        st = os.fstat(fd)
        if stat.S_ISREG(st.st_mode) and st.st_size <= limit and (st.st_nlink == 1 or not strict):
            return os.fdopen(fd, "rb")
    except OSError:
        pass
    os.close(fd)
    return None


def read_bytes(path: str | os.PathLike, limit: int) -> bytes | None:
    """The bytes of the regular file ``path`` (see :func:`open_regular`), None if refused or
    longer than ``limit`` (a file growing after the check is cut off, not read on)."""
    f = open_regular(path, limit)
    if f is None:
        return None
    with f:
        data = f.read(limit + 1)
    return data if len(data) <= limit else None


def read_json(path: str | os.PathLike, limit: int = JSON_BYTES):
    """The JSON value in ``path`` (at most ``limit`` bytes of UTF-8), None if refused or broken."""
    data = read_bytes(path, limit)
    if data is None:
        return None
    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return None


def zip_members_at_most(f: BinaryIO, limit: int) -> bool:
    """Does ``f`` hold at most ``limit`` zip central-directory entries? (Counts their
    signature, an upper bound of what ``zipfile`` would parse, in 1 MB steps.)"""
    count, tail = 0, b""
    for block in iter(lambda: f.read(CHUNK), b""):
        count += (tail + block).count(CENTRAL_DIRECTORY)
        if count > limit:
            return False
        tail = block[-3:]
    return True


def read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytearray | None:
    """The inflated bytes of member ``info``, None when it declares or inflates to more than
    ``limit`` (inflated 1 MB at a time: memory follows the bytes kept, whatever is declared)."""
    if info.file_size > limit:
        return None
    data = bytearray()
    with zf.open(info) as member:
        while len(data) <= limit:
            block = member.read(min(CHUNK, limit + 1 - len(data)))
            if not block:
                break
            data += block
    return data if len(data) <= limit else None


def _array_size(shape, dtype: np.dtype, cap: int) -> int | None:
    """Bytes of an array of ``shape`` and ``dtype`` if both are acceptable and it fits ``cap``."""
    if dtype.hasobject or dtype.kind not in KINDS or dtype.fields is not None \
            or dtype.subdtype is not None or dtype.itemsize == 0:
        return None
    if dtype.kind == "U" and dtype.itemsize > 4 * STR_CHARS:
        return None
    if not isinstance(shape, tuple) or len(shape) > 32 \
            or not all(isinstance(n, int) and 0 <= n <= cap for n in shape):
        return None
    size = math.prod(shape) * dtype.itemsize
    return size if size <= cap else None


def _header(member: BinaryIO):
    """``(shape, fortran_order, dtype)`` from a ``.npy`` header (versions 1.0 and 2.0 only)."""
    version = npy.read_magic(member)
    read = {(1, 0): npy.read_array_header_1_0, (2, 0): npy.read_array_header_2_0}.get(version)
    if read is None:
        raise ValueError(f"npy version {version} is not accepted")
    return read(member, max_header_size=HEADER_BYTES)


def _member_array(zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> np.ndarray | None:
    """The array in member ``info`` if its header passes :func:`_array_size` within ``cap``
    and its declared size, and its data is all there."""
    with zf.open(info) as member:
        shape, fortran, dtype = _header(member)
        size = _array_size(shape, dtype, min(cap, info.file_size))
        if size is None:
            return None
        data = bytearray()
        while len(data) < size:
            block = member.read(min(CHUNK, size - len(data)))
            if not block:
                return None
            data += block
    return np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C")


def _arrays(zf: zipfile.ZipFile) -> dict[str, np.ndarray]:
    found, budget = {}, TOTAL_BYTES
    for info in zf.infolist()[:MAX_MEMBERS]:
        if not info.filename.endswith(".npy") or info.file_size > min(ENTRY_BYTES, budget) + HEADER_BYTES:
            continue
        try:
            array = _member_array(zf, info, min(ENTRY_BYTES, budget))
        except Exception:  # noqa: BLE001 - any malformed member is skipped, the others still count
            continue
        if array is not None:
            found[info.filename[:-4]] = array
            budget -= array.nbytes
    return found


def read_npz(path: str | os.PathLike, limit: int = NPZ_BYTES) -> dict[str, np.ndarray]:
    """The arrays of the npz file ``path`` (key = member name without ``.npy``) that pass the
    checks in the module docstring; ``{}`` when the file is refused. Never raises."""
    f = open_regular(path, limit)
    if f is None:
        return {}
    with f:
        try:
            if not zip_members_at_most(f, MAX_MEMBERS):
                return {}
            f.seek(0)
            with zipfile.ZipFile(f) as zf:
                return _arrays(zf)
        except Exception:  # noqa: BLE001 - a broken file is a failed probe, not a grader error
            return {}
