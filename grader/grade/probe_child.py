"""The sandboxed child of the safe engine: run the student's notebook, then the probes.

Copied ALONE into the submission's folder and run there as
``python probe_child.py NOTEBOOK --calls calls.json --memory-mb M --cpu-s S --output-bytes B``
(inside :mod:`grader.grade.isolation`); it imports nothing of ``grader``. It limits
itself (inherited by the kernel), executes the notebook's cells with nbclient (errors
allowed, export cells dropped), then one appended cell that runs every probe listed in
``calls.json`` and writes ``probe_outputs.npz`` (plain arrays, no pickle) and
``probe_errors.json``. It also writes ``cells.json`` (errors raised by cells).
Nothing it writes is trusted by the grader beyond "what the student's functions returned".

Exit status 0 when the notebook ran, :data:`OUTPUT_LIMIT_EXIT` past the output cap.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys

OUTPUT_LIMIT_EXIT = 75
FILE_LIMIT_MB = 64
SKIPPED = ("grader.export(", "grader.check_all(")
PROBE_CELL = '''
def _mlp_run_probes(calls):
    import json as _json
    import numpy as _np
    import mlp_hidden_checks as _checks
    outputs, errors = {}, {}
    for index, (name, args) in enumerate(calls):
        try:
            values = [globals()[a] if kind == "name" else a for kind, a in args]
            result = _checks.CHECKS[name][0](*_checks.probe_args(name, tuple(values)))
            outputs.update({f"p{index}__{k}": _np.asarray(v) for k, v in result.items()})
        except BaseException as exc:
            errors[str(index)] = f"{type(exc).__name__}: {exc}"[:2000]
    _np.savez("probe_outputs.npz", **outputs)
    with open("probe_errors.json", "w") as f:
        _json.dump(errors, f)
_mlp_run_probes(%r)
'''


def limit_self(memory_mb: int, cpu_s: int) -> None:
    """Hard limits for this process and the kernel it starts (equal soft and hard)."""
    mb = 1024 * 1024
    for what, value in ((resource.RLIMIT_AS, memory_mb * mb), (resource.RLIMIT_CPU, cpu_s),
                        (resource.RLIMIT_FSIZE, FILE_LIMIT_MB * mb), (resource.RLIMIT_NOFILE, 256),
                        (resource.RLIMIT_NPROC, 64), (resource.RLIMIT_CORE, 0)):
        resource.setrlimit(what, (value, value))


def cap_output(client, limit_bytes: int) -> None:
    """Exit :data:`OUTPUT_LIMIT_EXIT` once the cells have sent ``limit_bytes`` of output."""
    original, sent = client.output, [0]

    def output(outs, msg, display_id, cell_index):
        sent[0] += len(str(msg.get("content", "")))
        if sent[0] > limit_bytes:
            print(f"output limit: cell {cell_index} pushed output past {limit_bytes} bytes", file=sys.stderr)
            sys.stderr.flush()
            os._exit(OUTPUT_LIMIT_EXIT)
        return original(outs, msg, display_id, cell_index)

    client.output = output


def cell_errors(nb) -> list[dict]:
    return [{"cell": i, "ename": o.get("ename", ""), "evalue": str(o.get("evalue", ""))[:500]}
            for i, cell in enumerate(nb.cells) for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("notebook")
    for name in ("--calls", "--memory-mb", "--cpu-s", "--output-bytes"):
        parser.add_argument(name, required=True)
    args = parser.parse_args(argv)
    limit_self(int(args.memory_mb), int(args.cpu_s))
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(args.notebook, as_version=4)
    nb.cells = [c for c in nb.cells if c.cell_type != "code" or not any(s in c.source for s in SKIPPED)]
    with open(args.calls, encoding="utf-8") as f:
        calls = json.load(f)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE_CELL % (calls,)))
    client = NotebookClient(nb, timeout=None, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": os.getcwd()}})
    cap_output(client, int(args.output_bytes))
    try:
        client.execute()
    finally:
        with open("cells.json", "w", encoding="utf-8") as f:
            json.dump(cell_errors(nb), f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
