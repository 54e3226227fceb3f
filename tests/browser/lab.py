"""JupyterLab started for a test, and a student's hands on it through Playwright's sync API.

``JupyterLab`` runs ``python -m jupyterlab`` on a free loopback port with a random token, its
root a folder of the test, its configuration, data, runtime and settings in the test's own
folders (nothing read from or written to the user's ``~/.jupyter``), one BLAS thread for the
kernels (the machine's cores are shared). ``Lab`` is one browser tab on it: it opens a
notebook, waits for the kernel, runs cells and the ``Kernel > Restart Kernel and Run All
Cells…`` menu as a student clicks them, and reads what the page shows.

Waits are on what a student sees: every cell of the file drawn, the status bar's
``| Idle``, each input prompt's ``[n]:`` (``[*]:`` while queued or running).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

CHROMIUM = "/usr/bin/chromium"  # Debian's package (Playwright's own download is not used)
# As root, on a machine without a display or outside network: no sandbox, no GPU, no calls
# home (which a closed network refuses, many at a time).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Settings a student could set; these keep every cell in the page (no virtual scrolling) and
# keep JupyterLab from fetching news or looking for updates.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                        "checkForUpdates": False},
}
CELLS = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell"  # the open notebook's cells


def chromium() -> str | None:
    """Path of the Debian chromium binary, or None when it is not installed."""
    return CHROMIUM if os.access(CHROMIUM, os.X_OK) else shutil.which("chromium")


def student_folder(built, lab_root: Path, name: str) -> Path:
    """A copy of the built ``dist/student`` as a student unpacks it, at ``lab_root / name``."""
    return Path(shutil.copytree(built.student_notebook.parent, lab_root / name))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JupyterLab:
    """``python -m jupyterlab`` serving ``root`` on a free port; ``stop()`` ends it."""

    def __init__(self, root: Path, home: Path, start_timeout: float = 120):
        self.root, self.home = root, home
        self.port, self.token = free_port(), os.urandom(16).hex()
        self.log_path = home / "jupyterlab.log"
        for name, values in LAB_SETTINGS.items():
            path = home / "settings" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values), encoding="utf-8")
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_DATA_DIR": str(home / "data"),
               "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "IPYTHONDIR": str(home / "ipython"),
               "JUPYTER_PLATFORM_DIRS": "1"}
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
               "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
               f"--ServerApp.root_dir={root}", f"--LabApp.user_settings_dir={home / 'settings'}",
               f"--LabApp.workspaces_dir={home / 'workspaces'}"]
        if os.geteuid() == 0:
            cmd.append("--allow-root")
        self._log = open(self.log_path, "w", encoding="utf-8")
        self.process = subprocess.Popen(cmd, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        self._wait_until_up(start_timeout)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _wait_until_up(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {self.process.returncode}: see {self.log_path}")
            try:
                urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=2)
                return
            except OSError:
                time.sleep(0.3)
        raise TimeoutError(f"JupyterLab did not answer on {self.url} within {timeout:.0f} s: see {self.log_path}")

    def shut_down_kernels(self) -> None:
        """End every kernel the server runs (a student closing the notebooks)."""
        headers = {"Authorization": f"token {self.token}"}
        with urllib.request.urlopen(urllib.request.Request(f"{self.url}/api/kernels", headers=headers)) as r:
            kernels = json.load(r)
        for kernel in kernels:
            urllib.request.urlopen(urllib.request.Request(f"{self.url}/api/kernels/{kernel['id']}",
                                                          headers=headers, method="DELETE"))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


class Lab:
    """One browser tab on ``server``."""

    def __init__(self, page, server: JupyterLab):
        self.page, self.server = page, server

    # --- opening ---------------------------------------------------------------------------
    def open(self, path: str, timeout: float = 120) -> None:
        """Open the notebook at ``path`` (relative to the server's root) and wait until every
        one of its cells is drawn and its kernel is idle."""
        count = len(json.loads((self.server.root / path).read_text(encoding="utf-8"))["cells"])
        self.page.goto(f"{self.server.url}/lab/tree/{quote(path)}?token={self.server.token}&reset")
        self.page.wait_for_function(f"document.querySelectorAll({json.dumps(CELLS)}).length >= {count}",
                                    timeout=timeout * 1000)
        self.wait_idle(timeout)

    def wait_idle(self, timeout: float = 120) -> None:
        """Wait for the status bar to say ``<kernel> | Idle``."""
        self.page.wait_for_function(
            "[...document.querySelectorAll('.jp-StatusBar-TextItem')].some(e => /\\| Idle$/.test(e.textContent.trim()))",
            timeout=timeout * 1000)

    # --- reading ---------------------------------------------------------------------------
    def cell_count(self) -> int:
        return self.page.locator(CELLS).count()

    def prompts(self) -> list[str]:
        """The input prompt of every code cell, as shown: ``"[ ]:"``, ``"[*]:"``, ``"[3]:"``."""
        return [p.strip() for p in self.page.locator(f"{CELLS}.jp-CodeCell .jp-InputPrompt").all_inner_texts()]

    def output_text(self, index: int) -> str:
        """What the output area of cell ``index`` (counting every cell) shows, as text."""
        return self.page.locator(CELLS).nth(index).locator(".jp-OutputArea").inner_text()

    def output_kinds(self, index: int) -> list[str]:
        """The MIME type of each output of cell ``index`` (error outputs show as stderr-like
        ``application/vnd.jupyter.stderr`` with a traceback)."""
        return self.page.locator(CELLS).nth(index).locator(".jp-OutputArea-output").evaluate_all(
            "es => es.map(e => e.getAttribute('data-mime-type'))")

    # --- acting ----------------------------------------------------------------------------
    def run_cell(self, index: int, timeout: float = 120) -> str:
        """Select cell ``index`` (click its prompt), press Ctrl+Enter and wait until its prompt
        went through ``[*]:`` to ``[n]:`` (a cell run before may get the same ``n`` again in a
        new kernel, so a change of text alone does not tell); returns its output text."""
        cell = self.page.locator(CELLS).nth(index)
        cell.evaluate("""cell => {
            cell.dataset.sawRunning = "no";
            const seen = () => { if (cell.querySelector('.jp-InputPrompt').textContent.includes('[*]'))
                                     cell.dataset.sawRunning = "yes"; };
            new MutationObserver(seen).observe(cell, {subtree: true, childList: true, characterData: true});
        }""")
        cell.locator(".jp-InputPrompt").click()
        self.page.keyboard.press("Control+Enter")
        self.page.wait_for_function(
            """([selector, index]) => {
                const cell = document.querySelectorAll(selector)[index];
                return cell.dataset.sawRunning === "yes"
                    && /\\[\\d+\\]/.test(cell.querySelector('.jp-InputPrompt').textContent);
            }""", arg=[CELLS, index], timeout=timeout * 1000)
        self.wait_idle(timeout)
        return self.output_text(index)

    def restart_and_run_all(self, timeout: float = 600) -> float:
        """Kernel > Restart Kernel and Run All Cells…, then the dialog's Restart; wait until no
        cell is queued or running. Returns the seconds from the click on Restart to then."""
        self.page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Kernel$")).click()
        self.page.locator(".lm-Menu-item", has=self.page.locator(
            ".lm-Menu-itemLabel", has_text=re.compile(r"^Restart Kernel and Run All Cells"))).click()
        self.page.locator(".jp-Dialog .jp-mod-accept", has_text="Restart").click()
        start = time.monotonic()
        self.page.wait_for_function(  # the run has started: a cell is queued or running
            f"[...document.querySelectorAll({json.dumps(CELLS + ' .jp-InputPrompt')})].some(p => p.textContent.includes('[*]'))",
            timeout=60_000)
        self.page.wait_for_function(  # ... and ended: none is left
            f"![...document.querySelectorAll({json.dumps(CELLS + ' .jp-InputPrompt')})].some(p => p.textContent.includes('[*]'))",
            timeout=timeout * 1000, polling=500)
        elapsed = time.monotonic() - start
        self.wait_idle()
        return elapsed

    # --- evidence --------------------------------------------------------------------------
    def keep_evidence(self, folder: Path, name: str) -> list[Path]:
        """Save a full-page screenshot and the page's text into ``folder``; return the paths."""
        folder.mkdir(parents=True, exist_ok=True)
        shot, text = folder / f"{name}.png", folder / f"{name}.txt"
        try:
            self.page.screenshot(path=str(shot), full_page=True)
        except Exception as exc:  # noqa: BLE001 - evidence is best effort; the failure is reported anyway
            shot.with_suffix(".png.error").write_text(repr(exc), encoding="utf-8")
        try:
            text.write_text(self.page.inner_text("body"), encoding="utf-8")
        except Exception as exc:  # noqa: BLE001
            text.write_text(f"(could not read the page: {exc!r})", encoding="utf-8")
        return [shot, text]
