"""The district's view over its communes: the overview of a period (totals, criteria × communes, charts,
NTM), spreadsheets in and out, the years, the periodic progress reports, and merges of communes.

Nothing here knows a criterion: criteria, inputs and thresholds come from the criteria YAML through the
engine, exactly as on the form and the review page.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError

from engine.cells import parse_id

from . import history
from .auth import role_required
from .dates import parse_day
from .db import get_session, write_lock
from .engines import make_assessment, score_or_none, scoring
from .form_values import nfc
from .models import LEVEL_COMMUNE, ROLE_ADMIN, ROLE_COMMUNE, ROLE_REVIEWER, Assessment, Commune, UnitSuccessor
from .review import verified_values
from .units import (
    communes_ever_visible,
    communes_on,
    communes_visible,
    find_commune,
    merge_note,
    predecessors,
    reference_date,
    report_config,
    search,
    sort_units,
    successors,
    visible_periods,
    visible_states,
)
from .versions import criteria_of, engine_of, in_force
from .workflow import EDITABLE_STATES, STATE_LABELS, period_with_work

bp = Blueprint("district", __name__, url_prefix="/district")

# States in which the team's verified figures exist.
VERIFIED_STATES = {"verified", "proposed", "recognised", "not_recognised"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MSG_NO_FILE = "Chưa chọn tệp bảng tính (.xlsx, .xls hoặc .ods) để tải lên."
MSG_REVIEWER_DRAFTS_ONLY = (
    "hồ sơ đang ở trạng thái “{state}”: tổ thẩm định chỉ nhập bảng tính cho hồ sơ nháp. Số liệu của xã đã "
    "gửi chỉ được điều chỉnh trên trang thẩm định, từng ô, có ghi lý do; số liệu của dòng này không được "
    "lưu.")
MSG_CONFLICTS_WITH_DRAFT = (
    "«{label}»: số liệu trong tệp mâu thuẫn với số liệu xã đang nhập ở hồ sơ nháp (số liệu chưa gửi không "
    "được hiển thị cho cấp huyện).")
MANY = 12  # above this many communes the overview lays its tables and chart out for a province


# ---------------------------------------------------------------- who sees what

def scope(period: int | None = None) -> list[Commune]:
    """The communes this account works on in that period (webform.units.communes_visible), or in any year
    when no period is given: the own commune, the communes under the own unit, or (administrator, for the
    registry of merges only: the administrator keeps accounts and communes and sees no figures) all."""
    if period is not None:
        return communes_visible(current_user, period)
    if current_user.role == ROLE_COMMUNE:
        return [current_user.commune] if current_user.commune is not None else []
    return communes_ever_visible(current_user)


def _commune_in_scope(code: str) -> Commune:
    # A code can name an old and a new unit (codes repeat across the reform): the newest one first.
    found = [c for c in scope() if c.code == code]
    if not found:
        abort(404)
    return max(found, key=lambda c: (c.valid_to or date.max, c.id))


def exists_in(c: Commune, period: int) -> bool:
    """The unit holds on the period's reference date."""
    return c.holds_on(reference_date(period))


def _visible_periods() -> list[int]:
    return visible_periods(current_user)


def _assessments(communes: list[Commune], period: int | None = None) -> list[Assessment]:
    if not communes:
        return []
    q = select(Assessment).where(Assessment.commune_id.in_([c.id for c in communes]))
    if period is not None:
        q = q.where(Assessment.period == period)
    return list(get_session().scalars(q.order_by(Assessment.period)))


def set_for(period: int | None) -> Any:
    """The criteria set in force for a year, or None (no set covers it): a page, never a crash."""
    if period is None:
        return None
    try:
        return in_force(period)
    except LookupError:  # no set covers the year
        return None


def _period_arg(periods: list[int], name: str = "period", default: int | None = None) -> int | None:
    text = (request.args.get(name) or "").strip()
    if text:
        year = parse_id(text)
        if year is None or not 2000 <= year <= 2100:
            abort(404)
        return year
    if default is not None:
        return default
    return periods[0] if periods else None


# ---------------------------------------------------------------- scores of a stored assessment

@dataclass
class Scored:
    commune: Commune
    a: Assessment | None
    self_result: Any = None
    verified_result: Any = None
    threshold: int | None = None

    @property
    def visible(self) -> bool:
        # A draft is the commune's work in progress: the district sees its state, not its figures, and an
        # officer sees the own commune's draft only (not a merged predecessor's).
        return self.a is not None and (self.a.state != "draft" or (
            current_user.role == ROLE_COMMUNE and self.a.commune_id == current_user.commune_id))

    @property
    def final(self) -> Any:
        return self.verified_result if self.verified_result is not None else self.self_result


def score_stored(c: Commune, a: Assessment | None) -> Scored:
    out = Scored(c, a)
    if a is None:
        return out
    eng = engine_of(a)
    try:
        out.threshold = criteria_of(a).tier(c.type).threshold
    except KeyError:  # a set or commune type this process does not know: the page still shows the rest
        out.threshold = None
    if not out.visible:
        return out
    out.self_result = score_or_none(eng, make_assessment(c.profile(a.period), a.period, a.values or {}))
    if a.state in VERIFIED_STATES:
        out.verified_result = score_or_none(
            eng, make_assessment(c.profile(a.period), a.period, verified_values(a)))
    return out


def _scored_period(communes: list[Commune], period: int) -> list[Scored]:
    by_commune = {a.commune_id: a for a in _assessments(communes, period)}
    return [score_stored(c, by_commune.get(c.id)) for c in communes
            if c.id in by_commune or exists_in(c, period)]


# ---------------------------------------------------------------- overview

@bp.route("/")
@role_required(ROLE_REVIEWER)
def overview() -> Any:
    from engine.ntm.models import district_view
    from reports.charts import ProfileBar, TotalBar, profile_chart, share_colour, totals_chart

    periods = _visible_periods()
    # The year with work waiting, not the newest year any commune has started a draft in.
    waiting = period_with_work(visible_states(current_user))
    period = _period_arg(periods, default=waiting)
    rows = _filtered_scored(scope(period), period) if period is not None else []
    cs = set_for(period)
    scored = [r for r in rows if r.final is not None]

    bars = [TotalBar(label=r.commune.name, total=r.final.total, threshold=r.threshold or r.final.threshold,
                     recognised=r.verified_result.recognised if r.verified_result is not None else None)
            for r in scored]
    ranked = len(bars) > MANY
    if ranked:  # a province: the bars as a ranking, highest first, so the chart reads as a list
        bars.sort(key=lambda b: -(b.total or 0))
    totals_svg = Markup(totals_chart(bars)) if bars else None

    selected = next((r for r in scored if r.commune.code == request.args.get("commune")),
                    scored[0] if scored else None)
    profile_svg = None
    if selected is not None:
        title = f"{selected.commune.name}: điểm từng tiêu chí so với tối đa"
        profile_svg = Markup(profile_chart(
            [ProfileBar(c.id, c.name, c.points, c.max, c.assessed) for c in selected.final.criteria], title))

    matrix = []
    if len(scored) > MANY:
        # Many communes: one row per commune, one column per criterion (13 columns fit; 100 do not).
        crits = cs.criteria if cs is not None else []
        for r in scored:
            by_id = {x.id: x for x in r.final.criteria}
            cells = []
            for crit in crits:
                cr = by_id.get(crit.id)
                if cr is None or not cr.assessed:
                    cells.append({"text": "—", "colour": "#eeeeee", "title": "chưa đánh giá"})
                else:
                    cells.append({"text": str(cr.points), "colour": share_colour(cr.points, cr.max),
                                  "title": f"{crit.id}. {crit.name}: {cr.points}/{cr.max} điểm"})
            matrix.append({"row": r, "cells": cells})
    for crit in (cs.criteria if cs is not None and len(scored) <= MANY else []):
        cells = []
        for r in scored:
            cr = next((x for x in r.final.criteria if x.id == crit.id), None)
            if cr is None or not cr.assessed:
                cells.append({"text": "—", "colour": "#eeeeee", "title": "chưa đánh giá"})
            else:
                cells.append({"text": str(cr.points), "colour": share_colour(cr.points, cr.max),
                              "title": f"{cr.points}/{cr.max} điểm"})
        matrix.append({"crit": crit, "cells": cells})

    ntm = district_view([r.final for r in scored])
    return render_template(
        "district/overview.html", rows=rows, periods=periods, period=period, matrix=matrix, scored=scored,
        totals_svg=totals_svg, profile_svg=profile_svg, selected=selected, ntm=ntm, states=STATE_LABELS,
        by_commune=len(scored) > MANY, ranked=ranked,
    )


# ---------------------------------------------------------------- spreadsheets in and out

def _xlsx(wb: Any, filename: str) -> Response:
    from engine.io.sheets import workbook_bytes

    return Response(workbook_bytes(wb), mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _upload_period() -> int:
    text = (request.values.get("period") or "").strip()
    year = parse_id(text)
    if year is not None and 2000 <= year <= 2100:
        return year
    periods = _visible_periods()
    return periods[0] if periods else date.today().year


@bp.route("/template.xlsx")
@role_required(ROLE_COMMUNE, ROLE_REVIEWER)
def template() -> Any:
    from engine.io.sheets import template_workbook

    period = _upload_period()
    cs = set_for(period)
    if cs is None:
        return render_template("error.html", code=404,
                               message=f"Chưa có bộ tiêu chí áp dụng cho năm {period}."), 404
    communes = [c.profile(period) for c in scope(period)]
    return _xlsx(template_workbook(cs, period, communes), f"mau-tu-danh-gia-{period}.xlsx")


@dataclass
class UploadReport:
    errors: list[Any]
    created: list[str]
    updated: list[str]
    unchanged: list[str]
    refused: list[str]


def _column_letters(cs: Any) -> dict[str, str]:
    from openpyxl.utils import get_column_letter

    from engine.io.sheets import columns

    return {col.key: get_column_letter(n) for n, col in enumerate(columns(cs), start=1)}


@bp.route("/upload", methods=["GET", "POST"])
@role_required(ROLE_COMMUNE, ROLE_REVIEWER)
def upload() -> Any:
    period = _upload_period()
    if request.method == "GET":
        return render_template("district/upload.html", period=period, report=None)
    file = request.files.get("file")
    if file is None or not file.filename:
        flash(MSG_NO_FILE, "error")
        return render_template("district/upload.html", period=period, report=None), 400
    report = import_workbook(file.read(), file.filename, period)
    report.errors = [_readable(e) for e in capped(report.errors)]
    status = 400 if report.errors else 200
    return render_template("district/upload.html", period=period, report=report), status


def import_workbook(data: bytes, filename: str, period: int) -> UploadReport:
    """Create or update the drafts of a filled template in one transaction: all rows or none."""
    from engine.io.sheets import CellError, read_workbook

    report = UploadReport([], [], [], [], [])
    cs = set_for(period)
    if cs is None:
        report.errors.append(CellError("", 0, "", "", f"Chưa có bộ tiêu chí áp dụng cho năm {period}."))
        return report
    eng = scoring().engine_for(cs)
    rows, errors = read_workbook(data, cs, validate=eng.validate, filename=filename)
    report.errors.extend(errors)
    letters = _column_letters(cs)
    session = get_session()
    registry = {c.code: c for c in communes_on(reference_date(period))}
    allowed = {c.code for c in scope(period)}
    seen: dict[str, int] = {}
    plan: list[tuple[Any, Commune]] = []
    for row in rows:
        def bad(key: str, header: str, message: str, row: Any = row) -> None:
            report.errors.append(CellError(row.sheet, row.row, letters.get(key, ""), header, message))

        code = str(row.document["commune"].get("code") or "")
        commune = registry.get(code)
        if not code:
            bad("commune.code", "Mã xã", "chưa nhập mã xã")
        elif commune is None:
            bad("commune.code", "Mã xã", f"mã xã {code} không có trong danh mục xã của hệ thống")
        elif code not in allowed:
            bad("commune.code", "Mã xã", f"{commune.name} ({code}) không thuộc phạm vi tài khoản của bạn: "
                "không được nhập số liệu cho xã khác")
        elif code in seen:
            bad("commune.code", "Mã xã", f"{commune.name} đã có ở dòng {seen[code]}: mỗi xã một dòng")
        if row.document.get("period") != period:
            bad("period", "Năm đánh giá", f"phải là năm {period} (năm đã chọn khi tải tệp lên)")
        if commune is not None and code in allowed and code not in seen:
            seen[code] = row.row
            plan.append((row, commune))
    if report.errors:
        return report

    reason = f"Nhập từ bảng tính «{nfc(filename)[:120]}»"
    order = [d.id for d in cs.inputs]
    try:
        with write_lock():  # one write transaction for the whole file
            for row, commune in plan:
                a = session.scalar(select(Assessment).where(Assessment.commune_id == commune.id,
                                                            Assessment.period == period))
                own = current_user.role == ROLE_COMMUNE
                if a is not None and not own and a.state != "draft":
                    # A returned or submitted record holds figures the commune sent: a district file must
                    # not change them behind its back (corrections are made, with a reason, on the review
                    # page).
                    state = STATE_LABELS.get(a.state, a.state)
                    report.refused.append(f"Dòng {row.row}: {commune.name} — "
                                          + MSG_REVIEWER_DRAFTS_ONLY.format(state=state))
                    continue
                if a is not None and a.state not in EDITABLE_STATES:
                    report.refused.append(f"Dòng {row.row}: {commune.name} — hồ sơ đang ở trạng thái "
                                          f"“{STATE_LABELS.get(a.state, a.state)}”, không sửa được từ "
                                          "bảng tính; số liệu của dòng này không được lưu.")
                    continue
                # A blank cell keeps the stored figure: a file never erases what was typed on the form.
                old = dict(a.values or {}) if a is not None else {}
                new = {**old, **row.document["values"]}
                doc = make_assessment(commune.profile(period), period, new)
                problems = eng.validate(doc)
                for fe in problems:
                    # The commune's own stored figures may be quoted to the commune; to the district a draft's
                    # figures are not shown, so the message names the field only.
                    message = fe.message if own or a is None else MSG_CONFLICTS_WITH_DRAFT.format(
                        label=_input_label(cs, str(fe.field)))
                    report.errors.append(CellError(row.sheet, row.row, letters.get(str(fe.field), ""),
                                                   _input_label(cs, str(fe.field)), message))
                if problems:
                    continue
                if a is None:
                    a = Assessment(commune_id=commune.id, period=period, criteria_set_id=cs.id,
                                   criteria_hash=cs.content_hash, state="draft", values={}, sources={})
                    session.add(a)
                    session.flush()
                    history.record(session, a, current_user.id, "state", None, "draft", reason)
                    report.created.append(commune.name)
                elif new == old:
                    # To the district, "unchanged" would tell that the file matches the draft's figures.
                    (report.unchanged if own else report.updated).append(commune.name)
                    continue
                else:
                    report.updated.append(commune.name)
                # The same history and totals as a save of the form.
                result = score_or_none(eng, doc)
                history.store_figures(session, a, current_user.id, new,
                                      result.total if result is not None else None, order, reason=reason)
            if report.errors:
                session.rollback()
                report.created.clear()
                report.updated.clear()
                report.unchanged.clear()
                return report
            session.commit()
    except (IntegrityError, StaleDataError, SQLAlchemyError):
        session.rollback()
        report.errors.append(CellError("", 0, "", "", "Hồ sơ vừa được người khác thay đổi trong lúc tải lên; "
                                       "chưa lưu gì. Vui lòng tải tệp lên lại."))
        report.created.clear()
        report.updated.clear()
    return report


def _input_label(cs: Any, field: str) -> str:
    name = field.split(".", 1)[1] if field.startswith("values.") else field
    return cs.input(name).label if cs.has_input(name) else name


def capped(errors: list[Any]) -> list[Any]:
    from engine.io.sheets import capped as cap

    return cap(errors)


def _readable(error: Any) -> Any:
    """Long texts typed in a file are cut before they reach the page."""
    return error if len(error.header) <= 120 else replace(error, header=error.header[:117] + "…")


def _export_rows(period: int) -> tuple[list[Any], dict[str, str]]:
    if not 2000 <= period <= 2100:
        abort(404)
    rows = [r for r in _scored_period(scope(period), period) if r.final is not None]
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
    return _xlsx(results_workbook(results, states=states, sets=_sets_by_id()), f"ket-qua-{period}.xlsx")


@bp.route("/results-<int:period>.csv")
@role_required(ROLE_REVIEWER)
def export_csv(period: int) -> Any:
    from engine.io.sheets import results_csv_bytes

    results, states = _export_rows(period)
    return Response(results_csv_bytes(results, states=states, sets=_sets_by_id()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="ket-qua-{period}.csv"'})


# ---------------------------------------------------------------- years

def _cell(c: Commune, a: Assessment | None) -> dict[str, Any] | None:
    if a is None:
        return None
    s = score_stored(c, a)
    return {"period": a.period, "state": a.state,
            "self": s.self_result.total if s.self_result is not None else None,
            "verified": s.verified_result.total if s.verified_result is not None else None,
            "threshold": s.threshold,
            "verdict": (s.final.verdict if s.final is not None else None),
            "commune": c}


@bp.route("/years")
@role_required(ROLE_REVIEWER)
def years() -> Any:
    communes = search(scope(), request.args.get("q", ""))
    periods = sorted({a.period for a in _assessments(communes)})
    by_key = {(a.commune_id, a.period): a for a in _assessments(communes)}
    table = [{"commune": c, "note": merge_note(c), "successors": successors(c),
              "cells": [_cell(c, by_key.get((c.id, p))) for p in periods]} for c in communes]
    return render_template("district/years.html", table=table, periods=periods)


@bp.route("/years/<code>")
@role_required(ROLE_COMMUNE, ROLE_REVIEWER)
def commune_years(code: str) -> Any:
    c = _commune_in_scope(code)
    own = [_cell(c, a) for a in _assessments([c])]
    # The predecessors' records, by year, under their own codes; a divided commune's record appears under
    # each of its successors, with a note naming the others.
    before = []
    preds = predecessors(c)
    for p in preds:
        for a in _assessments([p.unit]):
            if a.period <= p.on.year:
                cell = _cell(p.unit, a)
                cell["split_with"] = p.shared_with if p.kind == "split" else None
                before.append(cell)
    before.sort(key=lambda x: (x["period"], x["commune"].code))
    return render_template("district/commune_years.html", c=c, rows=own, before=before, note=merge_note(c),
                           preds=preds, successors=successors(c))


# ---------------------------------------------------------------- periodic progress reports

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
    stored = _assessments(communes)
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
    return _xlsx(progress_workbook(entries, kind=kind, year=year), name)


# ---------------------------------------------------------------- merges (administrator)



@bp.route("/communes", methods=["GET", "POST"])
@role_required(ROLE_ADMIN)
def communes() -> Any:
    session = get_session()
    errors: list[str] = []
    if request.method == "POST":
        pred = find_commune(request.form.get("predecessor") or "")
        succ = find_commune(request.form.get("successor") or "")
        on = parse_day(request.form.get("merged_on") or "")
        if pred is None or succ is None:
            errors.append("Chọn xã sáp nhập và xã sau sáp nhập trong danh mục.")
        elif pred.id == succ.id:
            errors.append("Xã sáp nhập và xã sau sáp nhập phải khác nhau.")
        elif successors(pred):
            errors.append(f"{pred.name} đã được ghi sáp nhập vào xã khác.")
        elif successors(succ):
            errors.append(f"{succ.name} đã sáp nhập vào xã khác nên không nhận thêm xã.")
        if on is None:
            errors.append("Ngày sáp nhập không hợp lệ (ví dụ: 01/07/2025).")
        if not errors and pred is not None and succ is not None and on is not None:
            session.add(UnitSuccessor(predecessor_id=pred.id, successor_id=succ.id, on=on, kind="merge",
                                      source=f"Quản trị ghi ngày {date.today():%d/%m/%Y}"))
            pred.valid_to = on - timedelta(days=1)
            with write_lock():
                session.commit()
            flash(f"Đã ghi: {pred.name} sáp nhập vào {succ.name} từ {on:%d/%m/%Y}.", "success")
            return redirect(url_for("district.communes"))
    rows = sort_units(list(session.scalars(select(Commune).where(Commune.level == LEVEL_COMMUNE))))
    succ_of = {s.predecessor_id: s for s in session.scalars(select(UnitSuccessor))}
    page = render_template("district/communes.html", succ_of=succ_of, communes=rows, errors=errors)
    return page, 400 if errors else 200


def _filtered_scored(communes: list[Commune], period: int) -> list[Scored]:
    """The overview's search (name without diacritics, or code) and state filter, applied BEFORE scoring
    (a province's overview scores only what it shows); the order stays Vietnamese."""
    communes = search(communes, request.args.get("q", ""))
    by_commune = {a.commune_id: a for a in _assessments(communes, period)}
    state = request.args.get("state", "")
    if state == "none":
        communes = [c for c in communes if c.id not in by_commune]
    elif state in STATE_LABELS:
        communes = [c for c in communes if c.id in by_commune and by_commune[c.id].state == state]
    return [score_stored(c, by_commune.get(c.id)) for c in communes]
