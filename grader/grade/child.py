"""The grading child: runs ``otter run`` on one submission inside resource limits.

Started by :mod:`grader.grade.execute` as ``python -m grader.grade.child ...`` in a fresh
session and a fresh temporary folder. It first limits itself (the limits are inherited by
the notebook kernel it starts), then grades with otter's own ``otter.run.main`` and writes
two files into ``--out``:

* ``results.json``: otter's raw results, exactly as ``otter run`` writes them;
* ``verdict.json``: per test case ``{question, name, hidden, passed, message,
  failure_message}`` plus the errors raised by notebook cells, so that the parent never
  has to parse otter's text summaries nor unpickle anything.

Exit status: 0 graded, :data:`OUTPUT_LIMIT_EXIT` when the cells printed more than the
output cap (the kernel is left for the parent to kill), anything else is a crash.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
from pathlib import Path

OUTPUT_LIMIT_EXIT = 75
FILE_LIMIT_MB = 256  # largest file a submission may write (RLIMIT_FSIZE)


def limit_self(*, memory_mb: int) -> None:
    """Cap address space and file size for this process and its children (the kernel)."""
    mb = 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory_mb * mb, memory_mb * mb))
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_LIMIT_MB * mb, FILE_LIMIT_MB * mb))


def cap_cell_output(limit_bytes: int) -> None:
    """Stop grading (exit :data:`OUTPUT_LIMIT_EXIT`) once cells have sent ``limit_bytes`` of output."""
    from nbclient import NotebookClient

    original = NotebookClient.output
    sent = [0]

    def output(self, outs, msg, display_id, cell_index):
        sent[0] += len(str(msg.get("content", "")))
        if sent[0] > limit_bytes:
            print(f"output limit: cell {cell_index} pushed output past {limit_bytes} bytes",
                  file=sys.stderr, flush=True)
            os._exit(OUTPUT_LIMIT_EXIT)
        return original(self, outs, msg, display_id, cell_index)

    NotebookClient.output = output


def cell_errors(notebook) -> list[dict]:
    """Errors raised by code cells of the executed notebook: ``[{cell, ename, evalue}]``."""
    found = []
    for index, cell in enumerate(notebook.cells if notebook is not None else []):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                found.append({"cell": index, "ename": out.get("ename", ""),
                              "evalue": str(out.get("evalue", ""))[:500]})
    return found


def verdict(results) -> dict:
    """Turn otter's ``GradingResults`` into plain JSON (one entry per test case)."""
    cases = []
    for question, test_file in results.results.items():
        for tcr in test_file.test_case_results:
            tc = tcr.test_case
            cases.append({"question": question, "name": tc.name, "hidden": bool(tc.hidden),
                          "passed": bool(tcr.passed), "points": tc.points,
                          "message": (tcr.message or "")[:5000],
                          "failure_message": tc.failure_message})
    return {"cases": cases, "cell_errors": cell_errors(getattr(results, "notebook", None))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.grade.child")
    parser.add_argument("submission")
    parser.add_argument("--autograder", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--memory-mb", type=int, required=True)
    parser.add_argument("--output-bytes", type=int, required=True)
    args = parser.parse_args(argv)

    limit_self(memory_mb=args.memory_mb)
    cap_cell_output(args.output_bytes)
    import otter.run

    results = otter.run.main(args.submission, autograder=args.autograder,
                             output_dir=args.out, no_logo=True)
    Path(args.out, "verdict.json").write_text(json.dumps(verdict(results)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
