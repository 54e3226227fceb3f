"""What both grading children share: self-imposed limits, an output cap, cell errors, exit codes.

Used by the otter engine's child (:mod:`grader.grade.engines.otter_child`, started as ``python -m
grader.grade.engines.otter_child``) and by the sandboxed child (:mod:`grader.grade.engines.probe_child`), which runs
as a plain script in a folder where ``grader`` cannot be imported: the grader copies this file
beside it (:data:`grader.grade.engines.sandboxed.CHILD_FILES`), so it imports only the standard library and,
lazily, nbclient. Each child keeps its own caps (its file-size limit differs) and passes them in.

Exit statuses a child reports, read by :mod:`grader.grade.engines.status`:
:data:`OUTPUT_LIMIT_EXIT` (cells printed past the cap), :data:`CELL_TIMEOUT_EXIT` (a cell still
ran at the deadline), :data:`DISK_LIMIT_EXIT` (the notebook filled its folder).
"""

from __future__ import annotations

import os
import resource
import sys

# jsonschema (imported by nbformat and nbclient) imports rfc3987_syntax when it is installed (jupyter's
# jsonschema[format-nongpl] brings it), and that builds a lark grammar at import: about 0.5-1 s per child,
# only to check "iri" string formats, which the notebook schema never uses. Marked absent, jsonschema
# skips that one checker (it imports it under suppress(ImportError)). The student's kernel is another
# process and is not affected.
sys.modules.setdefault("rfc3987_syntax", None)

OUTPUT_LIMIT_EXIT = 75
CELL_TIMEOUT_EXIT = 76
DISK_LIMIT_EXIT = 77


def limit_self(*, memory_mb: int, file_mb: int, cpu_s: int | None = None, open_files: int | None = None,
               processes: int | None = None, core_dumps: bool = True) -> None:
    """Hard limits (soft = hard) for this process and everything it starts (the kernel):
    address space ``memory_mb``, largest file ``file_mb``; optionally CPU seconds, open files,
    processes of this uid, and no core dumps. A limit left None is not changed."""
    mb = 1024 * 1024
    limits = [(resource.RLIMIT_AS, memory_mb * mb), (resource.RLIMIT_CPU, cpu_s),
              (resource.RLIMIT_FSIZE, file_mb * mb), (resource.RLIMIT_NOFILE, open_files),
              (resource.RLIMIT_NPROC, processes), (resource.RLIMIT_CORE, None if core_dumps else 0)]
    for what, value in limits:
        if value is not None:
            resource.setrlimit(what, (value, value))


def cap_output(owner, limit_bytes: int, *, sent: list | None = None, number=None) -> None:
    """Exit :data:`OUTPUT_LIMIT_EXIT` once the cells have sent more than ``limit_bytes`` of output.

    ``owner`` is an nbclient ``NotebookClient`` or the class itself (otter makes its own client),
    whose ``output`` method is wrapped; ``sent[0]`` counts the bytes (pass the same list to count
    over several clients); ``number(cell_index)`` names the cell in the message (default: the index).
    """
    original, sent = owner.output, [0] if sent is None else sent

    def count(msg, cell_index) -> None:
        sent[0] += len(str(msg.get("content", "")))
        if sent[0] > limit_bytes:
            cell = cell_index if number is None else number(cell_index)
            print(f"output limit: cell {cell} pushed output past {limit_bytes} bytes", file=sys.stderr, flush=True)
            os._exit(OUTPUT_LIMIT_EXIT)

    if isinstance(owner, type):
        def output(self, outs, msg, display_id, cell_index):
            count(msg, cell_index)
            return original(self, outs, msg, display_id, cell_index)
    else:
        def output(outs, msg, display_id, cell_index):
            count(msg, cell_index)
            return original(outs, msg, display_id, cell_index)
    owner.output = output


def cell_errors(cells: list, numbers: list | None = None) -> list[dict]:
    """Errors raised by executed ``cells``: ``[{cell, ename, evalue}]``, each under its student's
    cell number (``numbers[i]``; cells numbered None are the child's own; default: the index)."""
    numbers = list(range(len(cells))) if numbers is None else numbers
    return [{"cell": numbers[i], "ename": o.get("ename", ""), "evalue": str(o.get("evalue", ""))[:500]}
            for i, cell in enumerate(cells) if numbers[i] is not None
            for o in cell.get("outputs", []) if o.get("output_type") == "error"]
