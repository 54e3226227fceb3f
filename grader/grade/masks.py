"""Hide this project (the grader and the answer key) from the bubblewrap sandbox.

The sandbox binds the Python prefixes read-only, so after a regular ``pip install .`` their
``site-packages`` hold ``solutions`` (the answer key) and ``grader``; a submission could
import them. :func:`mask_args` returns the bwrap arguments that hide them, in mount order:

1. find the folders the sandbox's Python could import from (:func:`site_folders`: both
   prefixes' ``site-packages``, the grader's ``sys.path``, the system's ``dist-packages``)
   and this project's checkouts (:func:`project_roots`: the folders holding the grader's own
   ``grader`` / ``solutions`` packages when not named ``site-packages`` / ``dist-packages``,
   even if they are on ``sys.path``);
2. keep those inside a folder the sandbox binds (the others are invisible anyway);
3. a checkout is covered by an empty tmpfs (notebooks, tests and answers with it);
4. a ``site-packages`` holding any of :func:`project_entries` is rebuilt: an empty tmpfs,
   then every OTHER entry bound back read-only (symlinks re-created), then made read-only,
   so ``import solutions`` finds nothing at all (an empty folder would still import as a
   namespace package).

Each block is anchored at its path; the caller sorts all mounts by depth (parents first).
"""

from __future__ import annotations

import glob
import importlib.metadata
import importlib.util
import os
import re
import sys
import sysconfig
from pathlib import Path

DISTRIBUTION = "mlp-course"
PACKAGES = ("grader", "solutions")
SITE_NAMES = ("site-packages", "dist-packages")  # a project root named otherwise is a checkout
METADATA = re.compile(r"^(__editable__[._]+)?mlp[-_]course\b", re.IGNORECASE)
SYSTEM_SITES = ("/usr/lib/python3*/dist-packages", "/usr/lib/python3*/site-packages",
                "/usr/local/lib/python3*/dist-packages", "/usr/local/lib/python3*/site-packages")


def site_folders() -> list[Path]:
    """Existing folders the sandbox's Python (or a submission editing ``sys.path``) could import from."""
    found = [sysconfig.get_path(key, vars={"base": prefix, "platbase": prefix})
             for prefix in (sys.prefix, sys.base_prefix) for key in ("purelib", "platlib")]
    found += [p for p in sys.path if p] + [p for pattern in SYSTEM_SITES for p in glob.glob(pattern)]
    return sorted({Path(p).resolve() for p in found if os.path.isdir(p)})


def project_roots() -> list[Path]:
    """Folders holding this grader's own ``grader`` / ``solutions`` packages (a checkout, or ``site-packages``)."""
    roots = set()
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        for location in (spec.submodule_search_locations or []) if spec else []:
            roots.add(Path(location).resolve().parent)
    return sorted(roots)


def _is_ours(dist) -> bool:
    return re.sub(r"[-_.]+", "-", (dist.metadata["Name"] or "").lower()) == DISTRIBUTION


def project_entries(site: Path) -> set[str]:
    """Names in ``site`` that belong to this project: its packages, metadata, editable finder and ``.pth``."""
    try:
        names = set(os.listdir(site))
    except OSError:
        return set()
    ours = {n for n in names if n.split(".")[0] in PACKAGES or METADATA.match(n)}
    # Each of our .dist-info folders lists what the install put here (RECORD). Read directly:
    # importlib.metadata caches folder listings per process, which can miss a fresh folder.
    for info in sorted(n for n in names if n.endswith(".dist-info")):
        dist = importlib.metadata.PathDistribution(site / info)
        if _is_ours(dist):
            tops = {Path(f).parts[0] for f in dist.files or [] if Path(f).parts}
            ours |= (tops - {"..", "__pycache__"}) & names
    return ours


def _inside(path: Path, roots: list[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def _rebuilt(site: Path, hidden: set[str]) -> list[str]:
    """bwrap arguments that remount ``site`` without ``hidden`` (see step 4 of the module docstring)."""
    args = ["--tmpfs", str(site)]
    for name in sorted(set(os.listdir(site)) - hidden):
        path = site / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir() or path.is_file():
            args += ["--ro-bind", str(path), str(path)]
    return args + ["--remount-ro", str(site)]


def mask_args(bound: list[Path], sites: list[Path] | None = None,
              roots: list[Path] | None = None) -> list[tuple[Path, list[str]]]:
    """``(anchor, bwrap arguments)`` blocks hiding the project inside the ``bound`` folders (module docstring)."""
    sites = site_folders() if sites is None else sites
    roots = project_roots() if roots is None else roots
    checkouts = [r for r in roots if r.name not in SITE_NAMES and _inside(r, bound)]
    blocks = [(root, ["--tmpfs", str(root)]) for root in checkouts]
    for site in sites:
        hidden = project_entries(site) if _inside(site, bound) and not _inside(site, checkouts) else set()
        if hidden:
            blocks.append((site, _rebuilt(site, hidden)))
    return blocks
