"""The grader's held-out sets, derived at build time so that public labels do not match them.

``mlp-course data`` keeps the MNIST test images of each pair (``data/heldout/``); they are
public, with their labels, in their public order. A ``predict`` that looks an image up in
a table of them (by bytes, hash or position) would score 100 % without a model. The build
therefore puts into the autograder, instead of those files, a copy derived with a secret:

1. the images are put in a secret order (a lookup by position fails);
2. each image is moved by a small random affine map: a shift of up to ``shift_px`` pixels
   in each direction, a rotation of up to ``rotate_deg`` degrees and a scaling by up to
   ``scale`` either way, about the image centre, with bilinear interpolation;
3. Gaussian noise of ``noise`` grey levels is added, and the result clipped to [0, 255]
   and rounded to uint8 (an image that came out unchanged gets one pixel moved by 1).

Every digit keeps its label (the map moves a stroke by well under a pixel or two), but no
image equals its public source byte for byte, so a table keyed by image bytes or hashes
finds nothing. The randomness comes only from ``secret`` (and the pair): the same secret
gives the same files, and a secret that is never written down (the default: a fresh
random one per build) makes them impossible to reproduce. The secret itself is not
stored anywhere; the derived images exist only inside the autograder zip.

What this does NOT stop, by itself: a ``predict`` that finds the NEAREST public test image
(the derived image is still closest to its source) and returns that label. That is caught
by the consistency check of the hidden checks (``probe_heldout_accuracy``: the same
``predict`` with the model's output layer negated must give the opposite answers).
See ``grader/grade/SAFETY.md``.

Shapes: ``x`` (N, 28, 28) uint8, ``y`` (N,) digits.
"""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

import numpy as np

VERSION = "mlp-course heldout v1"
# Chosen so that the answer key keeps a clear margin above the full-marks tiers
# (measured with bench/bench_stability.py --heldout-secrets; bench/REFERENCE.md).
STRENGTH = {"shift_px": 0.5, "rotate_deg": 3.0, "scale": 0.03, "noise": 3.0}


def new_secret() -> str:
    """A fresh random secret (64 hex digits) for one build."""
    return secrets.token_hex(32)


def secret_rng(secret: str, pair) -> np.random.Generator:
    """The generator of ``pair``'s derivation: seeded from SHA-256 of the version, ``secret`` and the pair."""
    d1, d2 = (int(d) for d in pair)
    digest = hashlib.sha256(f"{VERSION}|{d1}_{d2}|{secret}".encode("utf-8")).digest()
    return np.random.default_rng(np.frombuffer(digest, dtype=np.uint32))


def _affine(image: np.ndarray, rng: np.random.Generator, strength: dict) -> np.ndarray:
    """One (28, 28) image moved by a random small affine map (float64 result, bilinear)."""
    from scipy.ndimage import affine_transform

    angle = np.deg2rad(rng.uniform(-1, 1) * strength["rotate_deg"])
    zoom = 1.0 + rng.uniform(-1, 1) * strength["scale"]
    shift = rng.uniform(-1, 1, size=2) * strength["shift_px"]
    c, s = np.cos(angle), np.sin(angle)
    matrix = np.array([[c, -s], [s, c]]) / zoom  # output coordinates -> input coordinates
    centre = (np.array(image.shape) - 1) / 2.0
    offset = centre - matrix @ (centre + shift)
    return affine_transform(image.astype(np.float64), matrix, offset=offset, order=1, mode="constant", cval=0.0)


def transform_images(x: np.ndarray, rng: np.random.Generator, strength: dict | None = None) -> np.ndarray:
    """``x`` (N, 28, 28) uint8 -> the same number of derived images (N, 28, 28) uint8, in the same order.

    Steps 2 and 3 of the module docstring, drawing every random number from ``rng``.
    """
    strength = {**STRENGTH, **(strength or {})}
    x = np.asarray(x)
    out = np.empty(x.shape, dtype=np.uint8)
    for i, image in enumerate(x):
        moved = _affine(image, rng, strength) + rng.normal(0.0, strength["noise"], size=image.shape)
        out[i] = np.clip(np.rint(moved), 0, 255).astype(np.uint8)
    same = np.flatnonzero(np.all(out.reshape(len(x), -1) == x.reshape(len(x), -1), axis=1))
    for i in same:  # (practically never) an image the map and the noise left unchanged
        r, c = divmod(int(np.argmax(out[i])), x.shape[2])
        out[i, r, c] = out[i, r, c] - 1 if out[i, r, c] > 0 else 1
    return out


def derive_arrays(x: np.ndarray, y: np.ndarray, pair, secret: str,
                  strength: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(x, y)`` of ``pair``'s held-out set derived with ``secret``: new order, derived images, same labels."""
    rng = secret_rng(secret, pair)
    order = rng.permutation(len(y))
    return transform_images(np.asarray(x)[order], rng, strength), np.asarray(y)[order]


def derive_heldout(source: Path, dest: Path, secret: str) -> int:
    """Write ``dest``: the held-out file ``source`` (written by ``mlp-course data``) derived
    with ``secret``; same keys (``x``, ``y``, ``dataset``, ``pair``) plus ``derived`` (the
    method, never the secret). Returns the number of images."""
    with np.load(source, allow_pickle=False) as data:
        held = {k: data[k] for k in data.files}
    pair = tuple(int(d) for d in held["pair"])
    held["x"], held["y"] = derive_arrays(held["x"], held["y"], pair, secret)
    held["derived"] = np.array(f"{VERSION}: secret order, affine {STRENGTH}")
    with open(dest, "wb") as handle:
        np.savez_compressed(handle, **held)
    return len(held["y"])
