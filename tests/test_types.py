"""mypy over engine/, reports/ and webform/ finds no error, so `make test` fails on a type error as
`make lint` does.

SLOW (about 30 s on a quiet machine, more on a busy one): it runs the whole type checker with the settings of
[tool.mypy] in pyproject.toml. Deselect with `-m "not slow"` while working on something else.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_mypy_passes_over_engine_reports_and_webform():
    proc = subprocess.run([sys.executable, "-m", "mypy", "engine", "reports", "webform"], cwd=ROOT,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Success: no issues found" in proc.stdout
