"""Fixtures of the browser tests: one JupyterLab and one Chromium per module, a fresh tab per
test, and evidence (a screenshot and the page's text) kept when a test fails.

Evidence goes to ``$BROWSER_ARTIFACTS`` when it is set (CI can keep that folder), else to a
folder under pytest's temporary directory; its path is printed with the failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from lab import CHROMIUM_ARGS, JupyterLab, Lab, chromium


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """When a test using a ``lab`` tab fails, keep the tab's screenshot and text and say where."""
    outcome = yield
    report = outcome.get_result()
    tab = item.funcargs.get("lab") if hasattr(item, "funcargs") else None
    if report.when == "call" and report.failed and tab is not None:
        kept = tab.keep_evidence(item.funcargs["artifacts"], item.name)
        report.sections.append(("browser evidence", f"kept: {', '.join(map(str, kept))}; "
                                                    f"JupyterLab's log: {tab.server.log_path}"))


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory) -> Path:
    """Where failures keep their evidence: $BROWSER_ARTIFACTS, else a temporary folder."""
    where = os.environ.get("BROWSER_ARTIFACTS")
    return Path(where) if where else tmp_path_factory.mktemp("browser-artifacts")


@pytest.fixture(scope="module")
def playwright_api():
    pytest.importorskip("jupyterlab", reason="JupyterLab is not installed: pip install -e '.[test]'")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="Playwright is not installed: pip install -e '.[test]'")
    if chromium() is None:
        pytest.skip("no Chromium: install the Debian package chromium (listed in .ci/apt-packages.txt)")
    with sync_api.sync_playwright() as api:
        yield api


@pytest.fixture(scope="module")
def browser(playwright_api, tmp_path_factory):
    """Debian's Chromium (not Playwright's download), headless, with a fresh profile."""
    context = playwright_api.chromium.launch_persistent_context(
        str(tmp_path_factory.mktemp("chromium-profile")), executable_path=chromium(), headless=True,
        args=[a for a in CHROMIUM_ARGS if a != "--headless"],  # Playwright adds --headless itself
        viewport={"width": 1400, "height": 1000})
    yield context
    context.close()


@pytest.fixture(scope="module")
def lab_root(built, tmp_path_factory) -> Path:
    """JupyterLab's root: an empty folder the tests fill with copies of ``dist/student``."""
    return tmp_path_factory.mktemp("lab-root")


@pytest.fixture(scope="module")
def server(lab_root, browser, tmp_path_factory):
    server = JupyterLab(lab_root, tmp_path_factory.mktemp("jupyter-home"))
    yield server
    server.stop()


@pytest.fixture
def lab(browser, server, artifacts):
    """A new tab on the server (its evidence kept on failure, see the hook above); its
    kernels are shut down after the test."""
    page = browser.new_page()
    yield Lab(page, server)
    page.close()
    server.shut_down_kernels()
