"""`cfc score` prints byte for byte what it printed before it was made faster (outputs recorded from the
older code: tests/data/score_golden/record.py), on the examples and on the 5,000-assessment property run,
in JSON and as text. Run as a real subprocess, as users run it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.golden import GOLDEN, ROOT, TEXT_CHUNK, digest_lines, property_files


def cfc(cwd: Path, *args: str) -> str:
    out = subprocess.run([sys.executable, "-m", "engine", *args], cwd=cwd, capture_output=True, text=True)
    assert not out.stderr, out.stderr
    return out.stdout


EXAMPLES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "examples").glob("*.yaml"))


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_examples_unchanged(fmt):
    args = ["--json"] if fmt == "json" else []
    want = (GOLDEN / f"examples.{fmt}.txt").read_text(encoding="utf-8")
    assert cfc(ROOT, "score", *args, *EXAMPLES) == want


@pytest.fixture(scope="module")
def property_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("property")
    return folder, property_files(folder)


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_property_run_unchanged(property_run, fmt):
    folder, names = property_run
    out = cfc(folder, "score", *(["--json"] if fmt == "json" else []), *names)
    head = (GOLDEN / f"property-head.{fmt}.txt").read_text(encoding="utf-8")
    assert out.startswith(head)  # shows the first difference readably, if there is one early on
    want = (GOLDEN / f"property.{fmt}.sha256").read_text().split()
    got = digest_lines(out, 1 if fmt == "json" else TEXT_CHUNK)
    first_bad = next((i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b), None)
    assert len(got) == len(want) and first_bad is None, f"first differing chunk: {first_bad}"
