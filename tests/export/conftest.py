"""Fixtures of the ``export`` tests."""

from __future__ import annotations

import nbformat
import pytest
from export_helpers import execute, homework


@pytest.fixture(scope="session")
def executed_homework(tmp_path_factory) -> nbformat.NotebookNode:
    """``homework()`` run once, so that its figure output is real matplotlib output."""
    return execute(homework(), tmp_path_factory.mktemp("run"))
