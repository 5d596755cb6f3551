"""`cfc` imports only what a command needs: scoring never loads the reports package nor the PDF, spreadsheet
or template libraries, and `cfc --help` lists `report` without the libraries its rendering needs."""

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
    # A few files are scored in this process: the process pool is not even imported.
    assert not loaded & {"multiprocessing", "concurrent"}, loaded & {"multiprocessing", "concurrent"}


def test_help_lists_report_without_the_pdf_libraries():
    """Listing `report` imports its command module (reports/cli.py, found through the entry-point group) but
    neither WeasyPrint, Jinja nor openpyxl, which only rendering needs."""
    loaded = imported_after("--help")
    assert "reports" in loaded
    assert not loaded & {"weasyprint", "jinja2", "openpyxl"}, loaded & {"weasyprint", "jinja2", "openpyxl"}
    out = subprocess.run([sys.executable, "-m", "engine", "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    assert "\n  report    In văn bản PDF: tờ trình, biên bản" in out.stdout


def test_report_is_declared_in_the_entry_point_group():
    """The engine finds `cfc report` through package metadata, never by importing reports itself."""
    from importlib.metadata import entry_points

    from engine.cli.main import COMMAND_GROUP

    (ep,) = [ep for ep in entry_points(group=COMMAND_GROUP) if ep.name == "report"]
    assert ep.value == "reports.cli:report"
    from reports.cli import report

    assert ep.load() is report


def test_report_command_still_runs():
    out = subprocess.run([sys.executable, "-m", "engine", "report", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "tờ trình" in out.stdout


def test_help_builds_no_engine():
    """`cfc --help` (and listing `report`) imports neither the models nor the rule engine nor a YAML reader:
    each command imports what it uses when it runs (issue 13: start-up)."""
    loaded = imported_after("--help")
    assert not loaded & {"pydantic", "pydantic_core", "durable", "durable_rules_engine", "yaml", "orjson"}, (
        loaded & {"pydantic", "pydantic_core", "durable", "durable_rules_engine", "yaml", "orjson"})
