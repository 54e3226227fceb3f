"""The otter engine's child: runs ``otter run`` on one submission inside resource limits.

Started by :mod:`grader.grade.engines.otter` as ``python -m grader.grade.engines.otter_child ...`` in a fresh
session and a fresh temporary folder. It first limits itself (the limits are inherited by
the notebook kernel it starts), then grades with otter's own ``otter.run.main`` and writes
two files into ``--out``:

* ``results.json``: otter's raw results, exactly as ``otter run`` writes them;
* ``verdict.json``: per test case ``{question, name, hidden, passed, message,
  failure_message}`` plus the errors raised by notebook cells, so that the parent never
  has to parse otter's text summaries nor unpickle anything.

Limits, output cap and cell errors come from :mod:`grader.grade.engines.child_toolkit`, shared with
the sandboxed child. Exit status: 0 graded, ``OUTPUT_LIMIT_EXIT`` (of the toolkit) when the
cells printed more than the output cap (the kernel is left for the parent to kill), anything else is a crash.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from grader.grade.engines.child_toolkit import cap_output, cell_errors, limit_self

FILE_LIMIT_MB = 256  # largest file a submission may write (RLIMIT_FSIZE)


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
    notebook = getattr(results, "notebook", None)
    return {"cases": cases, "cell_errors": cell_errors(notebook.cells if notebook is not None else [])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.grade.engines.otter_child")
    parser.add_argument("submission")
    parser.add_argument("--autograder", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--memory-mb", type=int, required=True)
    parser.add_argument("--output-bytes", type=int, required=True)
    args = parser.parse_args(argv)

    limit_self(memory_mb=args.memory_mb, file_mb=FILE_LIMIT_MB)
    from nbclient import NotebookClient

    cap_output(NotebookClient, args.output_bytes)  # otter makes its own client: cap the class
    import otter.run

    results = otter.run.main(args.submission, autograder=args.autograder,
                             output_dir=args.out, no_logo=True)
    Path(args.out, "verdict.json").write_text(json.dumps(verdict(results)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
