"""Downloading the canonical MNIST files into a user cache, from several mirrors.

For each file: reuse the cached copy if its SHA-256 is right; otherwise try each
mirror in turn (a few attempts for network errors and HTTP 5xx, one for HTTP 4xx
or bad bytes), streaming into a temporary file with a tqdm progress bar, and keep
the download only if its SHA-256 matches. A failed or corrupted download never lands in the cache.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import time
import urllib.error
import urllib.request
from pathlib import Path

from tqdm import tqdm

from grader.atomic import atomic_path
from grader.data.checksums import FILES, SHA256, is_canonical
from grader.errors import GraderError

MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
CHUNK = 1 << 16


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/mlp-course/mnist``, or ``~/.cache/mlp-course/mnist``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "mlp-course" / "mnist"


class CorruptDownload(Exception):
    """A mirror served bytes whose SHA-256 is not the canonical one."""


def fetch(url: str, dest: Path, name: str, *, timeout: float, progress: bool) -> None:
    """Stream ``url`` into ``dest`` (atomically), raising ``CorruptDownload`` on a bad sum."""
    digest = hashlib.sha256()
    with urllib.request.urlopen(url, timeout=timeout) as resp, atomic_path(dest) as tmp:
        total = int(resp.headers.get("Content-Length") or 0) or None
        with open(tmp, "wb") as out, tqdm(
            total=total, unit="B", unit_scale=True, desc=name, disable=not progress, leave=False
        ) as bar:
            while chunk := resp.read(CHUNK):
                out.write(chunk)
                digest.update(chunk)
                bar.update(len(chunk))
        if digest.hexdigest() != SHA256[name]:
            raise CorruptDownload(f"SHA-256 {digest.hexdigest()[:12]}... is not the canonical one")


def worth_retrying(exc: Exception) -> bool:
    """False when asking the same mirror again would give the same answer (4xx, bad bytes)."""
    if isinstance(exc, urllib.error.HTTPError):
        return exc.code >= 500
    return not isinstance(exc, CorruptDownload)


def describe(exc: Exception) -> str:
    """A short reason: "HTTP Error 404: Not Found", "[Errno 111] Connection refused", ..."""
    if isinstance(exc, urllib.error.URLError) and not isinstance(exc, urllib.error.HTTPError):
        return str(exc.reason)
    return str(exc)


def download_one(name: str, dest: Path, mirrors, *, retries: int, backoff: float,
                 timeout: float, progress: bool) -> str:
    """Download file ``name`` into ``dest`` from the first mirror that serves it intact.

    Returns the URL used; raises ``GraderError`` listing every mirror's failure.
    """
    failures = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + name
        for attempt in range(1, retries + 1):
            try:
                fetch(url, dest, name, timeout=timeout, progress=progress)
                return url
            except (CorruptDownload, OSError, http.client.HTTPException) as exc:
                if attempt == retries or not worth_retrying(exc):
                    failures.append(f"{url}: {describe(exc)} (attempt {attempt})")
                    break
                time.sleep(backoff * attempt)
    raise GraderError(
        f"could not download {name} from any mirror ({'; '.join(failures)}); check the network "
        "or pass --mirror URL, or use --mnist-dir DIR, --keras-npz FILE or --dataset digits"
    )


def ensure_cached(cache_dir, *, mirrors=MIRRORS, retries: int = 3, backoff: float = 1.0,
                  timeout: float = 30.0, progress: bool = True) -> dict[str, str]:
    """Make sure the four canonical files are in ``cache_dir``; download what is missing.

    Returns ``{file name: "cache" or the URL it was downloaded from}``.
    """
    cache_dir = Path(cache_dir).expanduser()
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise GraderError(
            f"cannot create the download cache {cache_dir} ({exc.strerror}); pass --cache-dir "
            "with a folder you can write to"
        ) from None
    origin = {}
    for name in FILES.values():
        path = cache_dir / name
        if path.is_file() and is_canonical(name, path.read_bytes()):
            origin[name] = "cache"
            continue
        origin[name] = download_one(name, path, mirrors, retries=retries, backoff=backoff,
                                    timeout=timeout, progress=progress)
    return origin
