"""The periodic progress reports (six-monthly, yearly): each commune against its own previous record."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, render_template, request
from flask_login import current_user

from engine.cells import parse_id
from engine.states import VERIFIED_STATES

from ..auth import role_required
from ..models import ROLE_REVIEWER, Assessment, Commune
from ..units import merge_note, predecessors, reference_date, report_config
from . import bp
from .scope import assessments, scope, score_stored, set_for
from .sheets import xlsx_response


def _figures(c: Commune, a: Assessment | None) -> Any:
    from reports import PeriodFigures

    if a is None:
        return None
    s = score_stored(c, a)
    if a.state == "recognised":
        recognised: bool | None = True
    elif a.state == "not_recognised":
        recognised = False
    else:
        recognised = a.verified_recognised if a.state in VERIFIED_STATES else None
    return PeriodFigures(
        period=a.period, state=a.state,
        self_total=s.self_result.total if s.self_result is not None else None,
        verified_total=s.verified_result.total if s.verified_result is not None else None,
        threshold=s.threshold, recognised=recognised)


def progress_entries(year: int) -> tuple[list[Any], int | None]:
    from reports import ProgressEntry

    # Like with like: each commune of the year against its own previous record. A commune whose area
    # changed between the two periods (a merge or split in between) is compared with its own record still,
    # and the row says what changed; a new commune without a record of its own shows none.
    communes = scope(year)
    stored = assessments(communes)
    previous_period = max((a.period for a in stored if a.period < year), default=None)
    by_key = {(a.commune_id, a.period): a for a in stored}
    entries = []
    for c in communes:
        current = by_key.get((c.id, year))
        earlier = [a for a in stored if a.commune_id == c.id and a.period < year]
        prev = earlier[-1] if earlier else None
        changes = [p for p in predecessors(c) if prev is None or prev.period < p.on.year <= year
                   or (prev.period <= p.on.year and p.on <= reference_date(year))]
        note = ""
        if changes:
            note = "Đơn vị thay đổi giữa hai kỳ: " + merge_note(c)
            if prev is None:
                note += "; không so sánh với số liệu của đơn vị cũ"
        entries.append(ProgressEntry(code=c.code, name=c.name, current=_figures(c, current),
                                     previous=_figures(c, prev) if prev else None, note=note))
    return entries, previous_period


def _report_args() -> tuple[str, int]:
    kind = request.args.get("kind", "year")
    year_text = request.args.get("year", "")
    year = parse_id(year_text)
    if kind not in ("half", "year") or year is None or not 2000 <= year <= 2100:
        abort(404)
    return kind, year


@bp.route("/report.pdf")
@role_required(ROLE_REVIEWER)
def report_pdf() -> Any:
    from reports import ConfigError, FontMissingError, render_progress_report

    kind, year = _report_args()
    entries, previous = progress_entries(year)
    try:
        # The reviewing unit's configuration (a district before 2025, a province after); the
        # administrator's report uses the first commune's.
        unit = current_user.unit if current_user.role == ROLE_REVIEWER else next(iter(scope(year)), None)
        pdf = render_progress_report(entries, report_config(unit, year), kind=kind, year=year,
                                     previous_period=previous,
                                     criteria_set=set_for(year))
    except (FontMissingError, ConfigError) as exc:
        return render_template("error.html", code=503, message=f"Chưa in được báo cáo: {exc}"), 503
    name = f"bao-cao-{'6-thang' if kind == 'half' else 'nam'}-{year}.pdf"
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/report.xlsx")
@role_required(ROLE_REVIEWER)
def report_xlsx() -> Any:
    from reports import progress_workbook

    kind, year = _report_args()
    entries, _previous = progress_entries(year)
    name = f"bao-cao-{'6-thang' if kind == 'half' else 'nam'}-{year}.xlsx"
    return xlsx_response(progress_workbook(entries, kind=kind, year=year), name)
