"""The numerics every grading run shares, defined in this ONE place.

* :data:`GRADING_THREADS` -- BLAS/OpenMP threads of each submission's kernel. Fixed, NOT
  derived from ``--jobs`` or the core count: a matrix product summed by one thread or by two
  can differ in its last bits, enough to move a borderline accuracy, so the same notebook
  must see the same thread count however the batch is run. One thread also keeps parallel
  submissions from oversubscribing the cores (OpenBLAS spin-waits).
* :data:`GRADING_SEED` -- the seed the safe engine sets before every cell (as otter's
  intercell seeding does) when the autograder's ``otter_config.json`` has no ``seed``.

:func:`thread_env` is the environment that enforces the thread count; the grade engines and
the build's verification kernel (``grader/assemble/steps.py``) all take it from here.
"""

from __future__ import annotations

GRADING_THREADS = 1
GRADING_SEED = 4144
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


def thread_env(threads: int = GRADING_THREADS) -> dict[str, str]:
    """Environment variables that cap every BLAS/OpenMP library a notebook may load at ``threads``."""
    return {name: str(threads) for name in THREAD_VARIABLES}


def grading_seed(config_seed: int | None) -> int:
    """The seed set before every cell: the autograder's ``otter_config.json`` ``seed``, else :data:`GRADING_SEED`."""
    return GRADING_SEED if config_seed is None else config_seed
