"""Preflight: the batch's sandbox proves it can grade before any submission is graded.

Steps, once per process per (mode, uid drop) (:func:`check`):

1. prepare -- a fresh folder made like a submission's (mode 0755, a ``tmp/`` inside, owned by
   the sandbox uid when children drop to one) holding one small file and the child's files
   (:data:`.sandboxed.CHILD_FILES`);
2. run     -- the grader's own interpreter (``sys.executable``) through exactly the wrapper
   the batch uses (:meth:`.isolation.Sandbox.wrap`, same uid, same environment as
   :func:`.sandboxed.child_env`, same results handle :func:`.isolation.results_fd`): it protects
   itself as the child will (:func:`.probe_child.protect_self`: seccomp filter, not dumpable),
   imports numpy, nbclient and ipykernel, reads the file, checks it is the grader's Python
   (a uid that cannot read the grader's install may run another one, or none) and writes a
   file back through the results handle;
3. judge   -- anything but success is a ``GraderError`` naming the cause (the child's last
   stderr line), the mode and the fixes. The caller runs this BEFORE writing any row.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from grader.errors import GraderError
from grader.grade.engines import isolation
from grader.grade.engines.sandboxed import CHILD_FILES, child_env
from grader.grade.engines.status import last_line

TIMEOUT_S = 120
TOKEN = "preflight ok"
CODE = f"""import sys
import probe_child
probe_child.protect_self()
import numpy, nbclient, ipykernel
with open("preflight.txt", encoding="utf-8") as f:
    assert f.read() == {TOKEN!r}, "preflight.txt was not readable as written"
if (sys.version, sys.base_prefix) != (sys.argv[1], sys.argv[2]):
    sys.exit(f"the sandbox runs Python {{sys.version.split()[0]}} from {{sys.base_prefix}}, not the grader's "
             f"{{sys.argv[1].split()[0]}} from {{sys.argv[2]}} (its files are unreadable there)")
if sys.argv[3] != "-":
    probe_child.write_result(int(sys.argv[3]), "preflight.out", {TOKEN!r}.encode())
print({TOKEN!r})
"""
FIX_DROPPED = ("fix: install the Debian package bubblewrap (--sandbox bwrap binds the grader's Python into the "
               "sandbox), or run the grader with a Python outside /root (e.g. a venv made from /usr/bin/python3), "
               "or pass --no-drop-uid (student code then runs as root; trusted notebooks only)")
FIX_KEPT = ("fix: install the Debian package bubblewrap or choose another --sandbox, and check that "
            "`{python} -c 'import numpy, nbclient, ipykernel'` works")


def _run(box: isolation.Sandbox, work: Path, uid: int | None) -> str | None:
    """The cause of failure (one line), or None when the probe succeeded."""
    (work / "tmp").mkdir()
    (work / "preflight.txt").write_text(TOKEN, encoding="utf-8")
    for path in CHILD_FILES:
        shutil.copy(path, work / path.name)
    if uid is not None:
        for path in (work, work / "tmp", work / "preflight.txt", *(work / path.name for path in CHILD_FILES)):
            os.chown(path, uid, uid)
    try:
        with isolation.results_fd(box, work) as fd:
            argv = [sys.executable, "-c", CODE, sys.version, sys.base_prefix, "-" if fd is None else str(fd)]
            done = subprocess.run(box.wrap(argv, work, uid), cwd=work, env=child_env(work), capture_output=True,
                                  text=True, errors="replace", timeout=TIMEOUT_S, stdin=subprocess.DEVNULL,
                                  pass_fds=() if fd is None else (fd,))
    except subprocess.TimeoutExpired:
        return f"no answer within {TIMEOUT_S} s"
    except OSError as exc:
        return f"{type(exc).__name__}: {exc}"
    if done.returncode == 0 and done.stdout.strip() == TOKEN:
        written = work / "preflight.out"
        if fd is None or (written.is_file() and written.read_text(encoding="utf-8") == TOKEN):
            return None
        return "the sandbox could not write its results back into the submission's folder"
    return last_line(done.stderr) or last_line(done.stdout) or f"exit status {done.returncode}, no output"


@functools.lru_cache(maxsize=None)
def check(box: isolation.Sandbox) -> None:
    """Raise ``GraderError`` unless ``box`` can run the grader's Python on a submission's folder."""
    uid = box.take_uid()
    try:
        with tempfile.TemporaryDirectory(prefix="mlp-preflight-", ignore_cleanup_errors=True) as tmp:
            os.chmod(tmp, 0o755)
            cause = _run(box, Path(tmp), uid)
    finally:
        isolation.kill_uid(uid)
        isolation.UIDS.give(uid)
    if cause is not None:
        who = f"as uid {uid}" if uid is not None else "as root" if os.geteuid() == 0 else "as this user"
        raise GraderError(f"sandbox preflight failed with --sandbox {box.mode} {who}: {cause}; "
                          "no submission was graded; "
                          + (FIX_DROPPED if uid is not None else FIX_KEPT.format(python=sys.executable)))
