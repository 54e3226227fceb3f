"""Peak memory of a running notebook: what Gradescope's container limit is compared with.

:class:`PeakMemory` samples, in a background thread, the resident memory (RSS) of one process
and of every process it started (psutil over the process tree: a notebook may start
subprocesses), and keeps the largest sum seen. :data:`MEMORY_BUDGET` is the budget the
solution notebook and the recommended student path must stay under; Gradescope's default
autograder container has 768 MB, which also holds otter's own process next to the kernel.
"""

from __future__ import annotations

import threading

import psutil

MB = 1_000_000
# The executed solution's kernel must peak below this (issue 18): Gradescope's default
# container (768 MB) also holds otter's process, so the kernel alone needs some headroom.
MEMORY_BUDGET = 700 * MB
# Where an instructor raises the container's memory on Gradescope.
GRADESCOPE_SETTING = "the assignment's Configure Autograder > Autograder Settings, memory"


def tree_rss(process: psutil.Process, match: str | None = None) -> tuple[int, int]:
    """Resident bytes of ``process`` and all its descendants (those that ended meanwhile count 0),
    and of those among them whose command line contains ``match`` (0 without ``match``)."""
    total = matched = 0
    try:
        members = [process] + process.children(recursive=True)
    except psutil.Error:
        return 0, 0
    for member in members:
        try:
            rss = member.memory_info().rss
            total += rss
            if match and any(match in part for part in member.cmdline()):
                matched += rss
        except psutil.Error:
            pass
    return total, matched


class PeakMemory:
    """Largest :func:`tree_rss` of a process tree, sampled every ``interval`` seconds.

    Usage: ``peak = PeakMemory(); peak.watch(pid); ...; peak.stop()`` -> bytes. With ``match``,
    ``peak_matched`` is the largest sum over the processes whose command line contains it
    (``"ipykernel"``: a notebook's kernel, without the program that started it)."""

    def __init__(self, interval: float = 0.02, match: str | None = None):
        self.interval = interval
        self.match = match
        self.peak = self.peak_matched = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def watch(self, pid: int) -> None:
        """Start sampling the tree rooted at ``pid`` (a no-op if that process is already gone)."""
        try:
            process = psutil.Process(pid)
        except psutil.Error:
            return
        self._thread = threading.Thread(target=self._sample, args=(process,), daemon=True)
        self._thread.start()

    def _sample(self, process: psutil.Process) -> None:
        while not self._stop.is_set():
            total, matched = tree_rss(process, self.match)
            self.peak, self.peak_matched = max(self.peak, total), max(self.peak_matched, matched)
            self._stop.wait(self.interval)

    def stop(self) -> int:
        """Stop sampling; return the peak in bytes (0 if nothing was watched)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        return self.peak


def budget_warning(peak: int, budget: int = MEMORY_BUDGET) -> str | None:
    """One line for the instructor when ``peak`` bytes exceed ``budget``, else None."""
    if peak <= budget:
        return None
    need = -(-int(peak + 200 * MB) // (256 * MB)) * 256  # + otter's own process, in steps of 256 MB
    return (f"WARNING: the solution's kernel peaked at {peak / MB:.0f} MB, above the {budget / MB:.0f} MB "
            f"budget: on Gradescope, raise the memory limit ({GRADESCOPE_SETTING}) to at least "
            f"{need} MB; with too little, the kernel is killed and students get no result.")
