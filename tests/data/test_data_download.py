"""Questions about downloading into the cache, against a local server playing mirrors
(``/missing/`` answers 404, ``/corrupt/`` serves damaged bytes, ``/good/`` the real files)."""

from __future__ import annotations

import pytest

from grader.data import find_mnist
from grader.data.checksums import FILES, SHA256, sha256_hex
from grader.data.download import default_cache_dir, ensure_cached
from grader.errors import GraderError

QUICK = {"retries": 2, "backoff": 0.0, "timeout": 5.0, "progress": False}


def cached_names(cache):
    """Every file (temporaries included) in the cache folder."""
    return sorted(p.name for p in cache.iterdir()) if cache.exists() else []


def test_does_the_download_fall_back_past_a_404_and_a_corrupted_mirror(tmp_path, mirror_server):
    base = mirror_server.base
    mirrors = [f"{base}/missing/", f"{base}/corrupt/", f"{base}/good/"]
    origin = ensure_cached(tmp_path / "cache", mirrors=mirrors, **QUICK)
    assert all(url.startswith(f"{base}/good/") for url in origin.values())
    assert cached_names(tmp_path / "cache") == sorted(FILES.values())
    for name in FILES.values():
        assert sha256_hex((tmp_path / "cache" / name).read_bytes()) == SHA256[name]
    tried = [p for p in mirror_server.requests if p.endswith(FILES["test_y"])]
    assert [p.split("/")[1] for p in tried] == ["missing", "corrupt", "good"]


def test_is_a_corrupted_download_never_kept(tmp_path, mirror_server):
    cache = tmp_path / "cache"
    with pytest.raises(GraderError, match=r"could not download train-images.*SHA-256 .* is not the canonical"):
        ensure_cached(cache, mirrors=[f"{mirror_server.base}/corrupt/"], **QUICK)
    assert cached_names(cache) == []


def test_is_a_mirror_that_answers_503_tried_again(tmp_path, mirror_server):
    ensure_cached(tmp_path / "cache", mirrors=[f"{mirror_server.base}/flaky/"], **QUICK)
    name = FILES["test_y"]
    assert mirror_server.requests.count(f"/flaky/{name}") == 2


def test_are_files_already_in_the_cache_reused(tmp_path, mirror_server):
    cache = tmp_path / "cache"
    ensure_cached(cache, mirrors=[f"{mirror_server.base}/good/"], **QUICK)
    before = len(mirror_server.requests)
    origin = ensure_cached(cache, mirrors=[f"{mirror_server.base}/missing/"], **QUICK)
    assert set(origin.values()) == {"cache"} and len(mirror_server.requests) == before


def test_is_a_damaged_cached_file_downloaded_again(tmp_path, mirror_server):
    cache = tmp_path / "cache"
    ensure_cached(cache, mirrors=[f"{mirror_server.base}/good/"], **QUICK)
    (cache / FILES["train_y"]).write_bytes(b"damaged")
    origin = ensure_cached(cache, mirrors=[f"{mirror_server.base}/good/"], **QUICK)
    assert origin[FILES["train_y"]].endswith(FILES["train_y"]) and origin[FILES["test_y"]] == "cache"
    assert sha256_hex((cache / FILES["train_y"]).read_bytes()) == SHA256[FILES["train_y"]]


def test_does_find_mnist_download_when_no_folder_is_given(tmp_path, mirror_server, monkeypatch):
    monkeypatch.delenv("MNIST_DIR", raising=False)
    loaded = find_mnist(cache_dir=tmp_path / "cache", mirrors=[f"{mirror_server.base}/good/"], **QUICK)
    assert loaded.arrays["train_x"].shape == (60000, 28, 28)
    assert "4 of 4 files downloaded" in loaded.source


def test_does_an_unreachable_mirror_give_one_actionable_line(tmp_path):
    with pytest.raises(GraderError) as info:
        ensure_cached(tmp_path / "cache", mirrors=["http://127.0.0.1:9/"], **QUICK)
    message = str(info.value)
    assert "\n" not in message and "(attempt 2)" in message and "--dataset digits" in message


def test_does_the_default_cache_follow_xdg_cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "mlp-course" / "mnist"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "mlp-course" / "mnist"


def test_is_a_cache_folder_that_cannot_be_made_reported(tmp_path):
    (tmp_path / "file").write_text("in the way")
    with pytest.raises(GraderError, match=r"cannot create the download cache .*file/cache .*--cache-dir"):
        ensure_cached(tmp_path / "file" / "cache", mirrors=["http://127.0.0.1:9/"], **QUICK)
