"""Fixtures for the ``mlp-course data`` tests: tiny IDX files, the real MNIST folder,
a snapshot of an output folder, and a local HTTP server that plays several mirrors."""

from __future__ import annotations

import gzip
import http.server
import os
import threading
from pathlib import Path

import numpy as np
import pytest

from grader.data.checksums import FILES


def idx_bytes(array: np.ndarray, *, magic: bytes | None = None) -> bytes:
    """The gzip-compressed IDX encoding of a uint8 ``array`` (optionally with a forced magic)."""
    header = magic if magic is not None else bytes([0, 0, 8, array.ndim])
    sizes = b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return gzip.compress(header + sizes + array.astype(np.uint8).tobytes())


@pytest.fixture
def write_idx():
    """``write_idx(path, array, magic=None)`` writes a gzip IDX file and returns its path."""
    def write(path: Path, array: np.ndarray, *, magic: bytes | None = None) -> Path:
        path.write_bytes(idx_bytes(array, magic=magic))
        return path
    return write


@pytest.fixture
def small_mnist_dir(tmp_path, write_idx) -> Path:
    """A folder with the four MNIST file names holding 6 train and 4 test tiny images."""
    rng = np.random.default_rng(0)
    folder = tmp_path / "small"
    folder.mkdir()
    for key, name in FILES.items():
        n = 6 if key.startswith("train") else 4
        shape = (n, 28, 28) if key.endswith("_x") else (n,)
        write_idx(folder / name, rng.integers(0, 256 if key.endswith("_x") else 10, shape))
    return folder


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The folder of the four canonical files, from ``$MNIST_DIR``."""
    if not os.environ.get("MNIST_DIR"):
        pytest.skip("MNIST_DIR is not set: point it at the four canonical MNIST .gz files")
    return Path(os.environ["MNIST_DIR"])


@pytest.fixture(scope="session")
def mnist_arrays(mnist_dir):
    """The real MNIST arrays, read once per session."""
    from grader.data import load_mnist
    return load_mnist(mnist_dir)


@pytest.fixture
def snapshot():
    """``snapshot(folder)``: every path below ``folder``, files with their size and mtime
    (a folder's own mtime changes whenever a temporary comes and goes, so it is left out)."""
    def take(folder: Path) -> dict[str, tuple[int, int] | str]:
        if not folder.exists():
            return {}
        return {str(p.relative_to(folder)): "folder" if p.is_dir() else
                (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(folder.rglob("*"))}
    return take


class MirrorHandler(http.server.BaseHTTPRequestHandler):
    """Serves ``/good/NAME`` intact, ``/corrupt/NAME`` with one byte changed,
    ``/flaky/NAME`` as 503 on the first request then intact, anything else as 404."""

    files: dict[str, bytes] = {}
    requests: list[str] = []
    flaky_seen: set[str] = set()

    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.requests.append(self.path)
        kind, _, name = self.path.strip("/").partition("/")
        body = self.files.get(name)
        if kind == "flaky" and name not in self.flaky_seen:
            self.flaky_seen.add(name)
            body, kind = None, "unavailable"
        if body is None or kind not in ("good", "corrupt", "flaky"):
            self.send_error(503 if kind == "unavailable" else 404)
            return
        if kind == "corrupt":
            body = body[:100] + bytes([body[100] ^ 0xFF]) + body[101:]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def mirror_server(mnist_dir):
    """Base URL of a local server on 127.0.0.1 (see ``MirrorHandler``); ``.requests`` logs paths."""
    handler = type("Handler", (MirrorHandler,), {
        "files": {name: (mnist_dir / name).read_bytes() for name in FILES.values()},
        "requests": [], "flaky_seen": set(),
    })
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.base = f"http://127.0.0.1:{server.server_address[1]}"
    server.requests = handler.requests
    yield server
    server.shutdown()
    server.server_close()
