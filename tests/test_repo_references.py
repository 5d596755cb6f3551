"""Code, criteria and tests point only at files inside the repository, and every docs/ file they name exists
(issue 10.8: the reference facts the code relies on live in docs/)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("engine", "reports", "webform", "criteria", "tests", "tools")
SUFFIXES = {".py", ".yaml", ".html", ".css", ".md"}
OUTSIDE = re.compile(r"\.\./shared/|shared/reference/|/work/")
DOCS_REF = re.compile(r"docs/[\w./-]+\.md")


def _files() -> list[Path]:
    out = []
    for top in SCANNED:
        for path in (ROOT / top).rglob("*"):
            if path.suffix in SUFFIXES and "node_modules" not in path.parts and path.is_file():
                out.append(path)
    return out


def test_no_pointer_outside_the_repository():
    here = Path(__file__).resolve()
    found = [f"{p.relative_to(ROOT)}:{n}" for p in _files() if p != here
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if OUTSIDE.search(line)]
    assert found == []


def test_every_docs_file_named_exists():
    named = {m.group(0) for p in _files() for m in DOCS_REF.finditer(p.read_text(encoding="utf-8"))}
    assert "docs/reference/durable-rules.md" in named  # engine/rules.py names it
    missing = sorted(n for n in named if not (ROOT / n).is_file())
    assert missing == []
