"""The sandboxed child of the safe engine: run the student's notebook, then the probes.

Copied ALONE into the submission's folder and run there as
``python probe_child.py NOTEBOOK --calls calls.json --memory-mb M --cpu-s S --output-bytes B --seed N``
(inside :mod:`grader.grade.isolation`); it imports nothing of ``grader``. Its steps:

1. limit itself (inherited by the kernel);
2. build the cells to run (:func:`grading_cells`): the notebook's, export cells dropped,
   then one appended cell that runs every probe listed in ``calls.json``; seeded as otter's
   intercell seeding does: a first cell ``import numpy as ..; import random as ..`` and,
   at the top of every code cell not starting with ``%%`` (the probe cell too),
   ``np.random.seed(N)`` and ``random.seed(N)``;
3. execute them with nbclient (errors allowed); the probe cell writes ``probe_outputs.npz``
   (plain arrays, no pickle) and ``probe_errors.json``;
4. write ``cells.json``: errors raised by cells, numbered as in the student's notebook.

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
SEED_MODULES = ("np_mlp_grade", "random_mlp_grade")  # otter names them np_<random id>, random_<random id>
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


def cap_output(client, limit_bytes: int, numbers: list) -> None:
    """Exit :data:`OUTPUT_LIMIT_EXIT` once the cells have sent ``limit_bytes`` of output."""
    original, sent = client.output, [0]

    def output(outs, msg, display_id, cell_index):
        sent[0] += len(str(msg.get("content", "")))
        if sent[0] > limit_bytes:
            print(f"output limit: cell {numbers[cell_index]} pushed output past {limit_bytes} bytes", file=sys.stderr)
            sys.stderr.flush()
            os._exit(OUTPUT_LIMIT_EXIT)
        return original(outs, msg, display_id, cell_index)

    client.output = output


def grading_cells(cells: list, calls: list, seed: int) -> tuple[list, list]:
    """``(cells to run, the student's number of each)``: see step 2 of the module docstring.

    Numbers are indices in ``cells``; the added first cell has None, the probe cell ``len(cells)``.
    """
    import nbformat

    kept = [(i, c) for i, c in enumerate(cells) if c.cell_type != "code" or not any(s in c.source for s in SKIPPED)]
    kept.append((len(cells), nbformat.v4.new_code_cell(PROBE_CELL % (calls,))))
    np_name, random_name = SEED_MODULES
    for _, cell in kept:
        if cell.cell_type == "code" and not cell.source.startswith("%%"):
            cell.source = f"{np_name}.random.seed({seed})\n{random_name}.seed({seed})\n{cell.source}"
    first = nbformat.v4.new_code_cell(f"import numpy as {np_name}\nimport random as {random_name}")
    return [first] + [c for _, c in kept], [None] + [i for i, _ in kept]


def cell_errors(cells: list, numbers: list) -> list[dict]:
    """Errors raised by ``cells``, each under its student's cell number (``numbers``)."""
    return [{"cell": numbers[i], "ename": o.get("ename", ""), "evalue": str(o.get("evalue", ""))[:500]}
            for i, cell in enumerate(cells) if numbers[i] is not None
            for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("notebook")
    for name in ("--calls", "--memory-mb", "--cpu-s", "--output-bytes", "--seed"):
        parser.add_argument(name, required=True)
    args = parser.parse_args(argv)
    limit_self(int(args.memory_mb), int(args.cpu_s))
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(args.notebook, as_version=4)
    with open(args.calls, encoding="utf-8") as f:
        calls = json.load(f)
    nb.cells, numbers = grading_cells(nb.cells, calls, int(args.seed))
    client = NotebookClient(nb, timeout=None, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": os.getcwd()}})
    cap_output(client, int(args.output_bytes), numbers)
    try:
        client.execute()
    finally:
        with open("cells.json", "w", encoding="utf-8") as f:
            json.dump(cell_errors(nb.cells, numbers), f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
