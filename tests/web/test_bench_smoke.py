"""The web benchmark itself works (a few seconds of it): every request it makes succeeds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_web_runs_without_errors():
    env = dict(
        os.environ, BENCH_SECONDS="2", BENCH_SATURATION_SECONDS="0", BENCH_CLIENTS="5", BENCH_THINK_MS="100"
    )
    env.pop("BENCH_DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "bench" / "bench_web.py")],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "errors: 0" in out.stdout, out.stdout
    assert "save draft" in out.stdout and "review page" in out.stdout
