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

from .config import ConfigError, ReportConfig, config_for, load_config
from .fonts import FontMissingError, check_fonts
from .progress import PeriodFigures, ProgressEntry, progress_workbook, render_progress_report
from .render import SummaryEntry, pdf_filename, render_proposal, render_self_assessment, render_summary
from .views import AnnexSection, Correction, ntm_annex

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
