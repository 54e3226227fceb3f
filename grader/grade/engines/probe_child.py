"""The sandboxed child of the safe engine: run the student's notebook, then the probes.

Copied ALONE into the submission's folder and run there as
``python probe_child.py NOTEBOOK --calls calls.json --memory-mb M --cpu-s S --output-bytes B --seed N
--deadline-s D [--out-fd FD]`` (inside :mod:`grader.grade.engines.isolation`); it imports nothing of
``grader`` but :mod:`grader.grade.engines.child_toolkit`, copied beside it (limits, output cap, cell
errors and exit codes, shared with the otter engine's child). Its steps:

1. limit itself (inherited by the kernel), then protect itself (:func:`protect_self`): not
   dumpable (so the kernel, same uid, can neither ptrace it nor read its memory or fds) and a
   seccomp filter, inherited by every process it starts, that refuses new user namespaces,
   ``ptrace`` and cross-process memory access;
2. build the cells to run (:func:`grading_cells`): the notebook's, export cells dropped,
   then one appended cell that runs every probe listed in ``calls.json`` (``[probe name,
   {parameter: ["name", notebook name] or ["const", value]}]``, the plan's probe runs); seeded as otter's
   intercell seeding does: a first cell ``import numpy as ..; import random as ..`` (which
   also makes ``exit()``/``quit()`` raise ``SystemExit`` in their cell, as ``sys.exit()``
   does, instead of stopping the kernel: :data:`NO_EXIT`) and,
   at the top of every code cell not starting with ``%%`` (the probe cell too),
   ``np.random.seed(N)`` and ``random.seed(N)``;
3. execute them with nbclient (errors allowed; :func:`run_cells`): every cell may run until
   the deadline, ``D`` seconds after the start (the wall limit minus a margin, so that this
   child ends, and reports, before the grader kills it). A cell still running then ends the
   run (exit :data:`CELL_TIMEOUT_EXIT`). A cell that kills its kernel (noticed within about a
   second) is blanked, marked with a ``DeadKernelError`` and the notebook is run again in a
   fresh kernel without it (at most :data:`MAX_RESTARTS` times; not for the probe cell), so
   the other cells keep their points. The probe cell writes ``probe_outputs.npz`` (plain
   arrays, no pickle) and ``probe_errors.json``;
4. write ``cells.json``: errors raised by cells, numbered as in the student's notebook.
   With ``--out-fd`` (bwrap: this folder is the sandbox's own size-limited tmpfs, which
   vanishes with it), ``cells.json`` and the two probe files (regular files, at most
   :data:`FILE_LIMIT_MB` MB) are written through FD, the grader's folder, which no other
   process of the sandbox can reach; the run then exits :data:`DISK_LIMIT_EXIT` if the
   notebook filled that tmpfs.

Nothing it writes is trusted by the grader beyond "what the student's functions returned".

Exit status 0 when the notebook ran, :data:`OUTPUT_LIMIT_EXIT` past the output cap,
:data:`CELL_TIMEOUT_EXIT` at the deadline, :data:`DISK_LIMIT_EXIT` when the disk filled.
"""

from __future__ import annotations

import argparse
import ctypes
import errno
import json
import math
import os
import platform
import stat
import struct
import sys
import time

if __package__:  # imported by the grader as grader.grade.engines.probe_child
    from .child_toolkit import (CELL_TIMEOUT_EXIT, DISK_LIMIT_EXIT, OUTPUT_LIMIT_EXIT,  # noqa: F401 - public names
                                cap_output, cell_errors, limit_self)
else:  # run as a script in the sandbox, with child_toolkit.py copied beside it
    from child_toolkit import (CELL_TIMEOUT_EXIT, DISK_LIMIT_EXIT, OUTPUT_LIMIT_EXIT,  # noqa: F401 - public names
                               cap_output, cell_errors, limit_self)

FILE_LIMIT_MB = 64
MAX_RESTARTS = 2
IOPUB_TIMEOUT_S = 4  # a cell that replied but never reports idle costs at most this much
DISK_FULL_BYTES = 1024 * 1024  # less free space than this at the end: the notebook filled its disk
RESULTS = ("probe_outputs.npz", "probe_errors.json")
SKIPPED = ("grader.export(", "grader.check_all(")
SEED_MODULES = ("np_mlp_grade", "random_mlp_grade")  # otter names them np_<random id>, random_<random id>
PROBE_CELL = '''
def _mlp_run_probes(calls):
    import json as _json
    import numpy as _np
    import mlp_hidden_checks as _checks
    outputs, errors = {}, {}
    for index, (probe, args) in enumerate(calls):
        try:
            missing = [a for kind, a in args.values() if kind == "name" and a not in globals()]
            if missing:
                raise NameError(f"{missing[0]} is not defined (a cell failed or it was renamed)")
            values = {k: globals()[a] if kind == "name" else a for k, (kind, a) in args.items()}
            result = _checks.REGISTRY.run_probe(probe, values)
            outputs.update({f"p{index}__{k}": _np.asarray(v) for k, v in result.items()})
        except BaseException as exc:
            errors[str(index)] = f"{type(exc).__name__}: {exc}"[:2000]
    _np.savez("probe_outputs.npz", **outputs)
    with open("probe_errors.json", "w") as f:
        _json.dump(errors, f)
_mlp_run_probes(%r)
'''


# exit() / quit() (IPython's exiter) would stop the kernel after their cell, so the NEXT cell
# would be charged with its death and the rest of the notebook lost: instead they raise
# SystemExit in their own cell, like sys.exit() does, and the notebook goes on.
NO_EXIT = """def _mlp_grade_no_exit(*args, **kwargs):
    raise SystemExit("exit() and quit() do not stop a graded notebook: this cell stopped here, the next cells ran")
if "get_ipython" in globals():
    get_ipython().ask_exit = _mlp_grade_no_exit
del _mlp_grade_no_exit"""


# seccomp: syscall numbers per machine; unshare/clone are refused only with CLONE_NEWUSER, clone3
# (whose flags a filter cannot read) answers ENOSYS so that glibc falls back to clone
SYSCALLS = {
    "x86_64": (0xC000003E, {"unshare": 272, "clone": 56, "clone3": 435, "ptrace": 101, "process_vm_readv": 310,
                            "process_vm_writev": 311, "pidfd_getfd": 438}),
    "aarch64": (0xC00000B7, {"unshare": 97, "clone": 220, "clone3": 435, "ptrace": 117, "process_vm_readv": 270,
                             "process_vm_writev": 271, "pidfd_getfd": 438}),
}
CLONE_NEWUSER = 0x10000000
X32_SYSCALL_BIT = 0x40000000
LOAD, JEQ, JGE, JSET, RET = 0x20, 0x15, 0x35, 0x45, 0x06  # BPF_LD|W|ABS, BPF_JMP|{JEQ,JGE,JSET}|K, BPF_RET|K
ALLOW, DENY, NOSYS = 0x7FFF0000, 0x00050000 | errno.EPERM, 0x00050000 | errno.ENOSYS
PR_SET_DUMPABLE, PR_SET_SECCOMP, PR_SET_NO_NEW_PRIVS, SECCOMP_MODE_FILTER = 4, 22, 38, 2


def seccomp_filter(machine: str) -> bytes | None:
    """The BPF program of :func:`protect_self` for ``machine`` (``platform.machine()``); None if unknown.

    Steps: another ABI (e.g. i386 via ``int 0x80``) -> ENOSYS; x32 syscalls -> ENOSYS;
    ``unshare``/``clone`` with CLONE_NEWUSER -> EPERM; ``clone3`` -> ENOSYS; ``ptrace``,
    ``process_vm_*``, ``pidfd_getfd`` -> EPERM; anything else is allowed.
    """
    if machine not in SYSCALLS:
        return None
    arch, nr = SYSCALLS[machine]
    prog = [(LOAD, 0, 0, 4), (JEQ, 1, 0, arch), (RET, 0, 0, NOSYS), (LOAD, 0, 0, 0)]
    if machine == "x86_64":
        prog += [(JGE, 0, 1, X32_SYSCALL_BIT), (RET, 0, 0, NOSYS)]
    for name in ("unshare", "clone"):  # flags are the first argument (low 32 bits at offset 16)
        prog += [(JEQ, 0, 4, nr[name]), (LOAD, 0, 0, 16), (JSET, 0, 1, CLONE_NEWUSER), (RET, 0, 0, DENY),
                 (RET, 0, 0, ALLOW)]
    prog += [(JEQ, 0, 1, nr["clone3"]), (RET, 0, 0, NOSYS)]
    for name in ("ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd"):
        prog += [(JEQ, 0, 1, nr[name]), (RET, 0, 0, DENY)]
    return b"".join(struct.pack("=HBBI", *op) for op in prog + [(RET, 0, 0, ALLOW)])


def _prctl(libc, *args) -> None:
    if libc.prctl(*args) != 0:
        number = ctypes.get_errno()
        raise OSError(number, f"prctl{args[:2]}: {os.strerror(number)}")


def protect_self() -> None:
    """Not dumpable, no new privileges, and the :func:`seccomp_filter` (inherited by the kernel and its children).

    Raises ``OSError`` if the kernel refuses; on a machine without a filter it only prints a warning.
    """

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    libc = ctypes.CDLL(None, use_errno=True)
    _prctl(libc, PR_SET_DUMPABLE, ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))
    _prctl(libc, PR_SET_NO_NEW_PRIVS, ctypes.c_ulong(1), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))
    code = seccomp_filter(platform.machine())
    if code is None:
        print(f"warning: no seccomp filter for {platform.machine()}: the notebook may create user namespaces "
              "and ptrace its own processes", file=sys.stderr)
        return
    buffer = ctypes.create_string_buffer(code, len(code))
    program = Program(len(code) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    _prctl(libc, PR_SET_SECCOMP, ctypes.c_ulong(SECCOMP_MODE_FILTER), ctypes.byref(program),
           ctypes.c_ulong(0), ctypes.c_ulong(0))


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
    first = nbformat.v4.new_code_cell(f"import numpy as {np_name}\nimport random as {random_name}\n{NO_EXIT}")
    return [first] + [c for _, c in kept], [None] + [i for i, _ in kept]


def deadline_for(wall_s: float) -> float:
    """Seconds the cells may run: the wall limit minus a margin (10 %, 5 to 30 s) to shut down and report."""
    return max(1.0, wall_s - min(30.0, max(5.0, wall_s / 10)))


def _error(ename: str, evalue: str):
    import nbformat

    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[])


def new_client(nb, numbers: list, deadline: float, output_bytes: int, sent: list):
    """``(client, running)``: an nbclient whose every cell may run until ``deadline`` (monotonic);
    ``running[0]`` is the index of the cell it last started."""
    from nbclient import NotebookClient

    running = [None]

    def remaining(*_) -> int:
        return max(1, math.ceil(deadline - time.monotonic()))

    client = NotebookClient(nb, kernel_name="python3", allow_errors=True, timeout_func=remaining,
                            interrupt_on_timeout=False, raise_on_iopub_timeout=False, iopub_timeout=IOPUB_TIMEOUT_S,
                            startup_timeout=min(60, remaining()), shutdown_kernel="immediate",
                            on_cell_execute=lambda cell, cell_index: running.__setitem__(0, cell_index),
                            resources={"metadata": {"path": os.getcwd()}})
    cap_output(client, output_bytes, sent=sent, number=numbers.__getitem__)
    return client, running


def run_cells(nb, numbers: list, deadline: float, output_bytes: int) -> int:
    """Execute ``nb`` (step 3 of the module docstring); 0, or :data:`CELL_TIMEOUT_EXIT` at the deadline.

    Raises ``DeadKernelError`` when the kernel dies outside a student's cell (starting, in the
    probe cell) or once more than :data:`MAX_RESTARTS` cells killed it.
    """
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    sent, restarts = [0], 0
    while True:
        client, running = new_client(nb, numbers, deadline, output_bytes, sent)
        try:
            client.execute()
            return 0
        except CellTimeoutError:
            if running[0] is not None:
                nb.cells[running[0]].outputs.append(_error("TimeoutError", "still running at the time limit"))
            return CELL_TIMEOUT_EXIT
        except DeadKernelError:
            index = running[0]
            if index is None or numbers[index] is None or index == len(nb.cells) - 1 or restarts == MAX_RESTARTS:
                raise
            restarts += 1
            nb.cells[index].source = ""  # nbclient skips an empty cell and keeps its outputs
            nb.cells[index].outputs = [_error("DeadKernelError", "the kernel died while this cell ran; the "
                                              "notebook was run again without it")]
            print(f"kernel died in cell {numbers[index]}: running the notebook again without it", file=sys.stderr)


def write_result(out_fd: int | None, name: str, data: bytes) -> None:
    """Write ``name`` into the grader's folder ``out_fd`` (or this folder when None)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW
    fd = os.open(name, flags, 0o644) if out_fd is None else os.open(name, flags, 0o644, dir_fd=out_fd)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def deliver(out_fd: int) -> None:
    """Copy the probe cell's :data:`RESULTS` to ``out_fd``: regular files only (no links, no fifos), size-capped."""
    for name in RESULTS:
        try:
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                continue
            data = f.read(FILE_LIMIT_MB * 1024 * 1024 + 1)
        if len(data) <= FILE_LIMIT_MB * 1024 * 1024:
            write_result(out_fd, name, data)


def disk_full(cells: list) -> bool:
    """Did the notebook fill this folder: under :data:`DISK_FULL_BYTES` free, or a cell met ENOSPC?"""
    info = os.statvfs(".")
    return info.f_bavail * info.f_frsize < DISK_FULL_BYTES or any(
        os.strerror(errno.ENOSPC) in str(o.get("evalue", ""))
        for cell in cells for o in cell.get("outputs", []) if o.get("output_type") == "error")


def finish(nb, numbers: list, out_fd: int | None) -> int:
    """Write ``cells.json`` (and, with ``out_fd``, deliver the results); :data:`DISK_LIMIT_EXIT` if the disk filled."""
    write_result(out_fd, "cells.json", json.dumps(cell_errors(nb.cells, numbers)).encode())
    if out_fd is None:
        return 0
    deliver(out_fd)
    if disk_full(nb.cells):
        print("disk limit: the notebook filled its folder", file=sys.stderr)
        return DISK_LIMIT_EXIT
    return 0


def main(argv=None) -> int:
    started = time.monotonic()
    parser = argparse.ArgumentParser()
    parser.add_argument("notebook")
    for name in ("--calls", "--memory-mb", "--cpu-s", "--output-bytes", "--seed", "--deadline-s"):
        parser.add_argument(name, required=True)
    parser.add_argument("--out-fd", type=int, help="the grader's folder; this folder is then the sandbox's tmpfs")
    args = parser.parse_args(argv)
    limit_self(memory_mb=int(args.memory_mb), file_mb=FILE_LIMIT_MB, cpu_s=int(args.cpu_s), open_files=256,
               processes=64, core_dumps=False)
    protect_self()
    if args.out_fd is not None:
        os.set_inheritable(args.out_fd, False)
    import nbformat

    nb = nbformat.read(args.notebook, as_version=4)
    with open(args.calls, encoding="utf-8") as f:
        calls = json.load(f)
    nb.cells, numbers = grading_cells(nb.cells, calls, int(args.seed))
    status = 0
    try:
        status = run_cells(nb, numbers, started + float(args.deadline_s), int(args.output_bytes))
    finally:
        disk = finish(nb, numbers, args.out_fd)
    return status or disk


if __name__ == "__main__":
    sys.exit(main())
