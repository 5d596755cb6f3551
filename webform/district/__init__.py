"""The district's view over its communes, one module per concern, all on the one "district" blueprint (so
the URLs and endpoint names stay district.*):

- scope.py: who sees which communes, and the scores of their stored records;
- overview.py: the overview of a period (totals, criteria × communes, charts, NTM);
- sheets.py: the spreadsheet template, its upload (webform/services/sheet_import.py), the exports;
- years.py: the years of each commune, with its predecessors' records;
- progress.py: the periodic progress reports (PDF, spreadsheet);
- merges.py: the registry of merges (administrator).

Nothing here knows a criterion: criteria, inputs and thresholds come from the criteria YAML through the
engine, exactly as on the form and the review page.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("district", __name__, url_prefix="/district")

# The route modules register their views on bp when imported.
from . import merges, overview, progress, sheets, years  # noqa: E402, F401
