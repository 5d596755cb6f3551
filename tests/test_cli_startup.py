"""`cfc` imports only what a command needs: scoring never loads the PDF, spreadsheet or template libraries,
and `cfc --help` lists `report` without importing it."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import EXAMPLES

HEAVY = ("reports", "weasyprint", "jinja2", "openpyxl")


def imported_after(*argv: str) -> set[str]:
    code = ("import sys, runpy\n"
            f"sys.argv = ['cfc', *{list(argv)!r}]\n"
            "try:\n    runpy.run_module('engine', run_name='__main__')\n"
            "except SystemExit:\n    pass\n"
            "print('MODULES', ' '.join(sorted({m.split('.')[0] for m in sys.modules})))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    line = next(x for x in out.stdout.splitlines() if x.startswith("MODULES"))
    return set(line.split()[1:])


def test_score_imports_no_report_libraries():
    loaded = imported_after("score", "--json", str(EXAMPLES / "ia-toi-2022.yaml"))
    assert "engine" in loaded and "durable_rules_engine" in loaded
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_help_lists_report_without_importing_it():
    loaded = imported_after("--help")
    assert not loaded & set(HEAVY)


def test_lazy_help_line_is_the_commands_own():
    from engine.cli.main import _LAZY
    from reports.cli import report

    assert report.help == _LAZY["report"][2]


def test_report_command_still_runs():
    out = subprocess.run([sys.executable, "-m", "engine", "report", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "tờ trình" in out.stdout
