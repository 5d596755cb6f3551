"""Spreadsheets in and out: the template to fill, its upload (stored by webform/services/sheet_import.py),
the results of a period as xlsx and CSV."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from flask import Response, abort, flash, render_template, request
from flask_login import current_user

from engine.cells import parse_id
from engine.states import STATE_LABELS

from ..auth import role_required
from ..db import get_session
from ..engines import scoring
from ..messages import MSG_NO_CRITERIA, MSG_NO_SHEET
from ..models import ROLE_COMMUNE, ROLE_REVIEWER
from ..services.sheet_import import import_workbook
from . import bp
from .scope import periods_visible, scope, scored_period, set_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(wb: Any, filename: str) -> Response:
    from engine.io.sheets import workbook_bytes

    return Response(workbook_bytes(wb), mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _upload_period() -> int:
    text = (request.values.get("period") or "").strip()
    year = parse_id(text)
    if year is not None and 2000 <= year <= 2100:
        return year
    periods = periods_visible()
    return periods[0] if periods else date.today().year


@bp.route("/template.xlsx")
@role_required(ROLE_COMMUNE, ROLE_REVIEWER)
def template() -> Any:
    from engine.io.sheets import template_workbook

    period = _upload_period()
    cs = set_for(period)
    if cs is None:
        return render_template("error.html", code=404, message=MSG_NO_CRITERIA.format(period=period)), 404
    communes = [c.profile(period) for c in scope(period)]
    return xlsx_response(template_workbook(cs, period, communes), f"mau-tu-danh-gia-{period}.xlsx")


@bp.route("/upload", methods=["GET", "POST"])
@role_required(ROLE_COMMUNE, ROLE_REVIEWER)
def upload() -> Any:
    period = _upload_period()
    if request.method == "GET":
        return render_template("district/upload.html", period=period, report=None)
    file = request.files.get("file")
    if file is None or not file.filename:
        flash(MSG_NO_SHEET, "error")
        return render_template("district/upload.html", period=period, report=None), 400
    report = import_workbook(get_session(), current_user, file.read(), file.filename, period)
    report.errors = [_readable(e) for e in capped(report.errors)]
    status = 400 if report.errors else 200
    return render_template("district/upload.html", period=period, report=report), status


def capped(errors: list[Any]) -> list[Any]:
    from engine.io.sheets import capped as cap

    return cap(errors)


def _readable(error: Any) -> Any:
    """Long texts typed in a file are cut before they reach the page."""
    return error if len(error.header) <= 120 else replace(error, header=error.header[:117] + "…")


def _export_rows(period: int) -> tuple[list[Any], dict[str, str]]:
    if not 2000 <= period <= 2100:
        abort(404)
    rows = [r for r in scored_period(scope(period), period) if r.final is not None]
    states = {r.commune.code: STATE_LABELS.get(r.a.state, r.a.state) for r in rows if r.a is not None}
    return [r.final for r in rows], states


def _sets_by_id() -> dict[str, Any]:
    """Criteria sets by id: the exports name the set and the missing figures by their labels."""
    return {cs.id: cs for cs in scoring().sets()}


@bp.route("/results-<int:period>.xlsx")
@role_required(ROLE_REVIEWER)
def export_xlsx(period: int) -> Any:
    from engine.io.sheets import results_workbook

    results, states = _export_rows(period)
    wb = results_workbook(results, states=states, sets=_sets_by_id())
    return xlsx_response(wb, f"ket-qua-{period}.xlsx")


@bp.route("/results-<int:period>.csv")
@role_required(ROLE_REVIEWER)
def export_csv(period: int) -> Any:
    from engine.io.sheets import results_csv_bytes

    results, states = _export_rows(period)
    return Response(results_csv_bytes(results, states=states, sets=_sets_by_id()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="ket-qua-{period}.csv"'})
