"""The four canonical MNIST files, their SHA-256 sums, and checking a file against them.

``FILES`` maps the keys used everywhere in this package (``train_x``, ``train_y``,
``test_x``, ``test_y``) to the canonical file names; ``SHA256`` maps each file name
to the sum published with the canonical download.
"""

from __future__ import annotations

import hashlib

from grader.errors import GraderError

FILES = {
    "train_x": "train-images-idx3-ubyte.gz",
    "train_y": "train-labels-idx1-ubyte.gz",
    "test_x": "t10k-images-idx3-ubyte.gz",
    "test_y": "t10k-labels-idx1-ubyte.gz",
}

SHA256 = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}


def sha256_hex(data: bytes) -> str:
    """Return the SHA-256 of ``data`` as 64 lowercase hex digits."""
    return hashlib.sha256(data).hexdigest()


def is_canonical(name: str, data: bytes) -> bool:
    """True when ``data`` is byte for byte the canonical file called ``name``."""
    return sha256_hex(data) == SHA256[name]


def check_canonical(path, data: bytes, *, fix: str) -> None:
    """Raise ``GraderError`` unless ``data`` (the bytes of ``path``) is the canonical file.

    ``fix`` is the advice appended to the message (where to get a good copy).
    """
    got = sha256_hex(data)
    want = SHA256[path.name]
    if got != want:
        raise GraderError(
            f"{path}: SHA-256 is {got[:12]}..., expected {want[:12]}... "
            f"(the file is damaged or is not the canonical MNIST file); {fix}"
        )
