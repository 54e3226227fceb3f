"""Reading IDX files (the MNIST container format), gzip-compressed, with checks.

An IDX file is a big-endian header followed by the raw array:
bytes 0-1 are zero, byte 2 is the element type (0x08 = uint8, the only one MNIST
uses), byte 3 is the number of dimensions K, then K 4-byte sizes, then the data.
Images are K = 3 ``(N, 28, 28)``, labels K = 1 ``(N,)``.

Every problem becomes a one-line ``GraderError`` naming the file and the fix.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

from grader.errors import GraderError

UINT8 = 0x08
IMAGE_SIZE = (28, 28)
FIX = "download a fresh copy of the file (or run without --mnist-dir to download it)"


def gunzip(path: Path, data: bytes) -> bytes:
    """Return the decompressed bytes of the gzip file ``path`` whose content is ``data``."""
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise GraderError(
            f"{path}: not a readable gzip file ({exc or 'truncated'}); {FIX}"
        ) from None


def parse_idx(path: Path, raw: bytes, *, ndim: int) -> np.ndarray:
    """Return the uint8 array stored in the (decompressed) IDX bytes ``raw``.

    ``ndim`` is the number of dimensions the caller expects (3 for images, 1 for
    labels); the result has shape ``(N, 28, 28)`` or ``(N,)`` and shares ``raw``'s memory.
    """
    header = 4 + 4 * ndim
    magic = 0x800 + ndim
    if len(raw) < 4 or raw[:2] != b"\0\0" or raw[2] != UINT8 or raw[3] != ndim:
        got = int.from_bytes(raw[:4], "big") if len(raw) >= 4 else None
        raise GraderError(
            f"{path}: wrong IDX magic number {got} (expected {magic}, uint8 with "
            f"{ndim} dimension{'s' if ndim > 1 else ''}); check that the file is the "
            f"right one of the four, or {FIX}"
        )
    if len(raw) < header:
        raise GraderError(f"{path}: IDX header is cut short; {FIX}")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    expected = header + int(np.prod(shape, dtype=np.int64))
    if len(raw) != expected:
        raise GraderError(
            f"{path}: IDX header says shape {shape} ({expected} bytes) but the file holds "
            f"{len(raw)} bytes; {FIX}"
        )
    if ndim == 3 and shape[1:] != IMAGE_SIZE:
        raise GraderError(f"{path}: images are {shape[1]}x{shape[2]}, expected 28x28; {FIX}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def read_idx_gz(path: Path, data: bytes | None = None, *, ndim: int) -> np.ndarray:
    """Read the gzip IDX file ``path`` (or its already-read bytes ``data``).

    Returns ``(N, 28, 28)`` uint8 for ``ndim=3`` and ``(N,)`` uint8 for ``ndim=1``.
    """
    path = Path(path)
    if data is None:
        data = read_bytes(path)
    return parse_idx(path, gunzip(path, data), ndim=ndim)


def read_bytes(path: Path) -> bytes:
    """Return the bytes of ``path``, or raise ``GraderError`` saying why it cannot be read."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise GraderError(
            f"{path}: file not found; put the four MNIST .gz files (train-images-idx3-ubyte.gz, "
            "train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) "
            "in that folder, or run without --mnist-dir to download them"
        ) from None
    except OSError as exc:
        raise GraderError(
            f"{path}: cannot be read ({exc.strerror}); check the path and its permissions"
        ) from None


def check_pair(images: np.ndarray, labels: np.ndarray, *, where: str) -> None:
    """Raise ``GraderError`` unless ``images`` (N, 28, 28) and ``labels`` (N,) agree.

    Labels must be digits 0..9. ``where`` names the files or the split in the message.
    """
    if len(images) != len(labels):
        raise GraderError(
            f"{where}: {len(images)} images but {len(labels)} labels; the image and label "
            "files must come from the same split (train with train, t10k with t10k)"
        )
    if labels.size and labels.max() > 9:
        raise GraderError(
            f"{where}: label {int(labels.max())} is not a digit 0..9; check that the label "
            "file is an MNIST label file"
        )
