"""PDF records of the child-friendly commune assessment (WeasyPrint).

Public API (the web app and the CLI call these; each returns the PDF as bytes):

    render_proposal(result_self, result_verified, corrections, config, *,
                    criteria_set=None, assessment=None, annexes=None, ...)
    render_summary(results, config, *, criteria_set=None, period=None, ...)
    render_progress_report(entries, config, *, kind="half"|"year", year, previous_period=None, ...)
    render_self_assessment(result, config, *, criteria_set=None, assessment=None, ...)
    pdf_filename(kind, result)  -> an ASCII download name

`config` is a ReportConfig, a path to a YAML file, or None (env var CFC_REPORT_CONFIG, else the demo file
reports/config/ia-hdrai-2022.yaml). FontMissingError is raised before rendering when Liberation Serif
(`apt-get install fonts-liberation2`) is not installed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .config import ConfigError, ReportConfig, config_for, load_config
    from .fonts import FontMissingError, check_fonts
    from .progress import PeriodFigures, ProgressEntry, progress_workbook, render_progress_report
    from .render import SummaryEntry, pdf_filename, render_proposal, render_self_assessment, render_summary
    from .views import AnnexSection, Correction, ntm_annex

# The public names, imported on first use (PEP 562): `cfc report` is found through reports.cli, and listing
# it in `cfc --help` must not load WeasyPrint, Jinja and openpyxl, which only rendering needs.
_HOME = {
    "ConfigError": "config", "ReportConfig": "config", "config_for": "config", "load_config": "config",
    "FontMissingError": "fonts", "check_fonts": "fonts",
    "PeriodFigures": "progress", "ProgressEntry": "progress", "progress_workbook": "progress",
    "render_progress_report": "progress",
    "SummaryEntry": "render", "pdf_filename": "render", "render_proposal": "render",
    "render_self_assessment": "render", "render_summary": "render",
    "AnnexSection": "views", "Correction": "views", "ntm_annex": "views",
}


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'reports' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value

__all__ = [
    "AnnexSection",
    "ConfigError",
    "Correction",
    "FontMissingError",
    "PeriodFigures",
    "ProgressEntry",
    "ReportConfig",
    "SummaryEntry",
    "check_fonts",
    "config_for",
    "load_config",
    "ntm_annex",
    "pdf_filename",
    "progress_workbook",
    "render_progress_report",
    "render_proposal",
    "render_self_assessment",
    "render_summary",
]
