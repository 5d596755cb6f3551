"""The administrator's "Bộ tiêu chí" pages: the legal table of each version, upload, entry form, comparison
with the version in force, impact on the assessments it would cover, activation.

Route handlers only read the request and render; the work is in webform/versions.py and criteria_form.py.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from engine.diff import RULE_VI, STATUS_VI, Change, band_text, inputs_text

from . import criteria_form, versions
from .auth import role_required
from .dates import parse_day
from .db import commit, get_session
from .form_values import nfc
from .messages import (
    MSG_ALREADY_ACTIVE,
    MSG_CONFIRM,
    MSG_DUPLICATE,
    MSG_EFFECTIVE_DATE,
    MSG_NO_CRITERIA_FILE,
    MSG_NOT_STORED,
    MSG_STORED,
)
from .models import ROLE_ADMIN, CriteriaVersion

bp = Blueprint("criteria_admin", __name__, url_prefix="/admin/criteria")


def _version(vid: int) -> CriteriaVersion:
    v = get_session().get(CriteriaVersion, vid)
    if v is None:
        abort(404)
    return v


def _state(v: CriteriaVersion, current_ids: set[int]) -> str:
    if v.id in current_ids:
        return "Đang áp dụng"
    if v.active:
        return "Đã thay thế"
    return "Chờ kích hoạt"


def _list_page(problems: list[Any] | None = None, status: int = 200, note: str = "") -> Any:
    session = get_session()
    rows = versions.all_versions(session)
    current = versions.governing_ids(rows)
    items = [{"v": v, "cs": versions.criteria_set_of(v), "state": _state(v, current)} for v in rows]
    page = render_template("admin/criteria_list.html", items=items, problems=problems or [], note=note)
    return page, status


@bp.route("/")
@role_required(ROLE_ADMIN)
def index() -> Any:
    return _list_page()


@bp.route("/upload", methods=["POST"])
@role_required(ROLE_ADMIN)
def upload() -> Any:
    file = request.files.get("file")
    note = nfc(request.form.get("note"))[:500]
    if file is None or not file.filename:
        return _list_page([MSG_NO_CRITERIA_FILE], 400, note)
    raw = file.read(versions.MAX_UPLOAD + 1)
    session = get_session()
    outcome = versions.store(session, raw, nfc(file.filename), current_user.id, "upload", note or None)
    if outcome.duplicate is not None:
        _flash_duplicate(outcome.duplicate)
        return redirect(url_for("criteria_admin.show", vid=outcome.duplicate.id))
    if outcome.version is None:
        return _list_page([MSG_NOT_STORED.format(n=len(outcome.problems)),
                           *[str(p) for p in outcome.problems]], 400, note)
    commit(session)
    flash(MSG_STORED.format(label=outcome.version.label), "success")
    return redirect(url_for("criteria_admin.show", vid=outcome.version.id))


def _flash_duplicate(v: CriteriaVersion) -> None:
    flash(MSG_DUPLICATE.format(name=versions.version_name(v), label=v.label), "error")


def _effective(v: CriteriaVersion, text: str | None) -> tuple[date, str | None]:
    """The effective date typed (dd/mm/yyyy as everywhere in the app; yyyy-mm-dd is still read), or the
    version's own when nothing was typed."""
    default = v.effective_from or versions.criteria_set_of(v).effective_from
    if not text:
        return default, None
    day = parse_day(text)
    return (default, MSG_EFFECTIVE_DATE) if day is None else (day, None)


def _show(v: CriteriaVersion, status: int = 200, errors: dict[str, str] | None = None,
          effective_text: str | None = None) -> Any:
    session = get_session()
    cs = versions.criteria_set_of(v)
    text = effective_text if effective_text is not None else request.args.get("effective")
    effective, date_error = _effective(v, text)
    errors = dict(errors or {})
    if date_error:
        errors.setdefault("effective_from", date_error)
    # A date refused stays in its field as typed, beside its message.
    typed = (text or "").strip() if "effective_from" in errors else f"{effective:%d/%m/%Y}"
    base: CriteriaVersion | None = None
    changes: list[Change] = []
    rows: list[versions.ImpactRow] = []
    if not v.active or request.args.get("compare"):
        base, changes = versions.table_changes(session, v, effective)
        rows = versions.impact(session, v, effective)
    return render_template(
        "admin/criteria_version.html", v=v, cs=cs, base=base, changes=changes, rows=rows,
        effective=effective, effective_typed=typed, errors=errors, band_text=band_text,
        inputs_text=inputs_text, rule_vi=RULE_VI,
        status_vi=STATUS_VI, changed_rows=[r for r in rows if r.impact is None or r.impact.changed],
        counts={name: sum(1 for r in rows if r.impact is not None and getattr(r.impact, name))
                for name in ("total_changed", "tier_changed", "verdict_changed")},
    ), status


@bp.route("/<int:vid>")
@role_required(ROLE_ADMIN)
def show(vid: int) -> Any:
    return _show(_version(vid))


@bp.route("/<int:vid>/yaml")
@role_required(ROLE_ADMIN)
def download(vid: int) -> Any:
    v = _version(vid)
    name = f"{v.set_id}-{v.short_hash}.yaml"
    return Response(v.content, mimetype="application/yaml",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/<int:vid>/activate", methods=["POST"])
@role_required(ROLE_ADMIN)
def activate(vid: int) -> Any:
    v = _version(vid)
    if v.active:
        # Its effective date is part of what assessments were scored under: a change is a new version.
        return render_template("error.html", code=409, message=MSG_ALREADY_ACTIVE), 409
    text = (request.form.get("effective_from") or "").strip()
    effective, error = _effective(v, text or "-")
    errors = {"effective_from": error} if error else {}
    if request.form.get("confirm") != "1":
        errors["confirm"] = MSG_CONFIRM
    if errors:
        return _show(v, 400, errors, text)
    session = get_session()
    moved = versions.activate(session, v, effective, current_user.id)
    commit(session)
    flash(f"Đã kích hoạt phiên bản mới của bộ tiêu chí «{versions.criteria_set_of(v).name}», có hiệu lực từ "
          f"{effective:%d/%m/%Y} (mã {v.label}). {len(moved)} hồ sơ nháp "
          "hoặc bị trả lại đã chuyển sang phiên bản này (ghi trong lịch sử từng hồ sơ); hồ sơ đã gửi thẩm "
          "định trở đi giữ kết quả theo phiên bản đã dùng.", "success")
    return redirect(url_for("criteria_admin.show", vid=v.id))


@bp.route("/<int:vid>/items/<item_id>", methods=["GET", "POST"])
@role_required(ROLE_ADMIN)
def edit_item(vid: int, item_id: str) -> Any:
    v = _version(vid)
    cs = versions.criteria_set_of(v)
    try:
        item = cs.item(item_id)
    except KeyError:
        abort(404)
    if request.method == "GET":
        return render_template("admin/criteria_item.html", v=v, cs=cs, item=item,
                               form=criteria_form.form_of(item), problems=[],
                               threshold_label=criteria_form.threshold_label(item),
                               statuses=criteria_form.STATUS_CHOICES)
    typed, data = criteria_form.parse(item, request.form)
    problems: list[str] = []
    if data is not None:
        raw = criteria_form.replace_item(v.content, cs, item_id, data)
        session = get_session()
        filename = f"{v.set_id} (mục {item_id} nhập qua biểu mẫu)"
        outcome = versions.store(session, raw, filename, current_user.id, "form",
                                 f"Sửa mục {item_id} từ {versions.version_name(v)} ({v.label})")
        if outcome.duplicate is not None:
            _flash_duplicate(outcome.duplicate)
            return redirect(url_for("criteria_admin.show", vid=outcome.duplicate.id))
        if outcome.version is not None:
            commit(session)
            flash(MSG_STORED.format(label=outcome.version.label), "success")
            return redirect(url_for("criteria_admin.show", vid=outcome.version.id))
        problems = [MSG_NOT_STORED.format(n=len(outcome.problems)), *[str(p) for p in outcome.problems]]
    return render_template("admin/criteria_item.html", v=v, cs=cs, item=item, form=typed, problems=problems,
                           threshold_label=criteria_form.threshold_label(item),
                           statuses=criteria_form.STATUS_CHOICES), 400
