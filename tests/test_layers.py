"""The one direction of dependencies (issue 10): webform -> reports -> engine, the engine's core below
engine/io and engine/cli, and a core that reads no file. `make test` fails when a wrong arrow appears."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CORE = sorted([*(ROOT / "engine").glob("*.py"), *(ROOT / "engine" / "ntm").glob("*.py")])
# Calls that read or list files: the core parses bytes and text it is given, engine/io/ reads them.
FILE_CALLS = {"read_text", "read_bytes", "write_text", "write_bytes", "glob", "rglob", "iterdir", "listdir",
              "scandir", "walk"}


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True,
                          env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"})


def test_the_import_contracts_are_kept():
    out = lint_imports(ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Contracts: 3 kept, 0 broken." in out.stdout


def test_a_wrong_arrow_breaks_the_contracts(tmp_path):
    """The same check on a copy where the core imports the PDF records: it must fail, naming the arrow."""
    for name in ("engine", "reports", "webform"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns(
            "static", "templates", "data", "migrations", "__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    rates = tmp_path / "engine" / "rates.py"
    rates.write_text(rates.read_text(encoding="utf-8") + "\nimport reports.views  # noqa\n", encoding="utf-8")
    out = lint_imports(tmp_path)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "webform -> reports -> engine, nothing back BROKEN" in out.stdout
    assert "pure core reads no file, spreadsheet, web or template library BROKEN" in out.stdout
    assert "engine.rates -> reports.views" in out.stdout


def test_the_core_reads_no_file():
    assert len(CORE) >= 15, CORE
    found = []
    for path in CORE:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(
                    func, ast.Attribute) else None
                if name == "open" or name in FILE_CALLS:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}()")
            elif isinstance(node, ast.Import | ast.ImportFrom):
                modules = ([a.name for a in node.names] if isinstance(node, ast.Import)
                           else [node.module or ""])
                found += [f"{path.relative_to(ROOT)}:{node.lineno} import {m}" for m in modules
                          if m.split(".")[0] in {"pathlib", "glob", "shutil", "tempfile"}]
    assert found == []


def test_the_engine_package_exports_only_core_names():
    import engine

    for name in engine.__all__:
        module = getattr(engine, name).__module__
        assert module.startswith("engine.") and module.split(".")[1] not in {"io", "cli"}, (name, module)
