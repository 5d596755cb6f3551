"""The administrator: accounts, communes, and the criteria sets the engine loaded."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engine.cells import parse_id

from .auth import hash_password, role_required
from .db import commit, get_session
from .engines import scoring
from .flags import declared, form_field, set_flags
from .form_values import nfc
from .models import ROLE_ADMIN, ROLE_COMMUNE, ROLE_REVIEWER, ROLES, Commune, User

bp = Blueprint("admin", __name__, url_prefix="/admin")

USERNAME_RE = re.compile(r"[a-z0-9][a-z0-9._-]{2,59}")
CODE_RE = re.compile(r"[0-9]{5}")  # ASCII: \d would also take "١٢٣٤٥"
MIN_PASSWORD = 8


@bp.route("/")
@role_required(ROLE_ADMIN)
def index() -> Any:
    session = get_session()
    users = list(session.scalars(select(User).order_by(User.role, User.username)))
    communes = _communes()
    return render_template("admin/index.html", users=users, communes=communes, roles=ROLES,
                           sets=scoring().sets(), flags=declared(), flag_field=form_field,
                           errors={}, typed={})


def _render_with(errors: dict[str, str], typed: dict[str, str]) -> Any:
    session = get_session()
    users = list(session.scalars(select(User).order_by(User.role, User.username)))
    communes = _communes()
    return render_template("admin/index.html", users=users, communes=communes, roles=ROLES,
                           sets=scoring().sets(), flags=declared(), flag_field=form_field,
                           errors=errors, typed=typed), 400


@bp.route("/users", methods=["POST"])
@role_required(ROLE_ADMIN)
def create_user() -> Any:
    f = {k: nfc(request.form.get(k)) for k in ("username", "full_name", "role", "commune_id", "unit")}
    f["password"] = request.form.get("password") or ""
    errors: dict[str, str] = {}
    username = f["username"].lower()
    if not USERNAME_RE.fullmatch(username):
        errors["username"] = "Tên đăng nhập gồm 3–60 ký tự: chữ thường không dấu, số, dấu chấm, gạch."
    if f["role"] not in ROLES:
        errors["role"] = "Chọn vai trò."
    if len(f["password"]) < MIN_PASSWORD:
        errors["password"] = f"Mật khẩu tối thiểu {MIN_PASSWORD} ký tự."
    session = get_session()
    commune = None
    if f["role"] == ROLE_COMMUNE:
        commune_id = parse_id(f["commune_id"])
        commune = session.get(Commune, commune_id) if commune_id is not None else None
        if commune is None:
            errors["commune_id"] = "Cán bộ xã phải gắn với một xã."
    unit = None
    if f["role"] == ROLE_REVIEWER:
        from .units import find_reviewing_unit

        unit = find_reviewing_unit(f["unit"])
        if unit is None:
            errors["unit"] = ("Tổ thẩm định phải gắn với một đơn vị trong danh mục: mã tỉnh (2 chữ số) "
                              "hoặc mã huyện (3 chữ số, trước 01/07/2025).")
    if errors:
        return _render_with(errors, f)
    user = User(username=username, full_name=f["full_name"][:120], role=f["role"],
                password_hash=hash_password(f["password"]),
                commune_id=commune.id if commune else None,
                unit_id=unit.id if unit is not None else None, active=True)
    session.add(user)
    try:
        commit(session)
    except IntegrityError:
        session.rollback()
        return _render_with({"username": "Tên đăng nhập đã có."}, f)
    flash(f"Đã tạo tài khoản {username}.", "success")
    return redirect(url_for("admin.index"))


@bp.route("/users/<int:user_id>/toggle", methods=["POST"])
@role_required(ROLE_ADMIN)
def toggle_user(user_id: int) -> Any:
    session = get_session()
    user = session.get(User, user_id)
    if user is None:
        return redirect(url_for("admin.index"))
    if user.id == current_user.id:
        flash("Không thể tự khóa tài khoản của mình.", "error")
        return redirect(url_for("admin.index"))
    user.active = not user.active
    user.end_sessions()  # a locked account is signed out everywhere at once
    commit(session)
    flash(f"Đã {'mở khóa' if user.active else 'khóa'} tài khoản {user.username}.", "success")
    return redirect(url_for("admin.index"))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@role_required(ROLE_ADMIN)
def reset_password(user_id: int) -> Any:
    session = get_session()
    user = session.get(User, user_id)
    password = request.form.get("password") or ""
    if user is None:
        return redirect(url_for("admin.index"))
    if len(password) < MIN_PASSWORD:
        flash(f"Chưa đặt lại mật khẩu cho {user.username}: mật khẩu tối thiểu {MIN_PASSWORD} ký tự.", "error")
        return index(), 400
    user.password_hash = hash_password(password)
    user.end_sessions()  # whoever held the old password is signed out
    commit(session)
    flash(f"Đã đặt lại mật khẩu cho {user.username}.", "success")
    return redirect(url_for("admin.index"))


@bp.route("/communes", methods=["POST"])
@role_required(ROLE_ADMIN)
def create_commune() -> Any:
    f = {k: nfc(request.form.get(k)) for k in ("code", "name", "parent", "type", "region")}
    errors: dict[str, str] = {}
    cs = _current_set()
    tiers = {t.id for t in cs.tiers} if cs else set()
    regions = {r.id for r in cs.regions} if cs else set()
    if not CODE_RE.fullmatch(f["code"]):
        errors["code"] = "Mã đơn vị hành chính gồm đúng 5 chữ số."
    if not f["name"]:
        errors["name"] = "Nhập tên xã."
    from .units import find_reviewing_unit

    parent = find_reviewing_unit(f["parent"])
    if parent is None:
        errors["parent"] = "Nhập mã tỉnh (2 chữ số) hoặc mã huyện (3 chữ số) có trong danh mục."
    if f["type"] not in tiers:
        errors["type"] = "Chọn loại xã."
    if f["region"] not in regions:
        errors["region"] = "Chọn vùng."
    from .flags import parse_form

    flags, flag_errors, flag_raw = parse_form(request.form)
    errors.update(flag_errors)
    f.update(flag_raw)
    if errors or parent is None:
        return _render_with(errors, f)
    session = get_session()
    from .models import UnitParent

    if session.scalar(select(Commune.id).where(Commune.level == "xa", Commune.code == f["code"],
                                               Commune.valid_to.is_(None))) is not None:
        return _render_with({"code": "Mã xã đã có."}, f)
    commune = Commune(code=f["code"], name=f["name"][:120], level="xa", kind=f["name"].split(" ")[0],
                      type=f["type"], region=f["region"])
    set_flags(session, commune, flags, current_user.id, "Thêm xã")
    commune.parent_links.append(UnitParent(parent_id=parent.id))
    session.add(commune)
    try:
        commit(session)
    except IntegrityError:
        session.rollback()
        return _render_with({"code": "Mã xã đã có."}, f)
    flash(f"Đã thêm {f['name']}.", "success")
    return redirect(url_for("admin.index"))


def _communes() -> list[Commune]:
    """The communes of today, in Vietnamese order (the registry of every level is kept by import-units)."""
    from .units import communes_on, sort_units

    return sort_units(communes_on(date.today()))


def _current_set() -> Any:
    sets = scoring().sets()
    return sets[-1] if sets else None


# ---------------------------------------------------------------- tier, NTM region and flags in bulk

def _unit_registry(province: str = "") -> list[Commune]:
    """Today's communes, in Vietnamese order; those of one province when its code is given."""
    from .units import communes_on, find_reviewing_unit, sort_units, units_under

    if province:
        unit = find_reviewing_unit(province)
        return sort_units(units_under(unit, date.today())) if unit is not None else []
    return sort_units(communes_on(date.today()))


def _province_arg() -> str:
    text = (request.values.get("province") or "").strip()
    return text if text.isdigit() and len(text) == 2 else ""


@bp.route("/units", methods=["GET", "POST"])
@role_required(ROLE_ADMIN)
def units() -> Any:
    from .db import write_lock
    from .unit_sheet import UnitSheetReport, apply_changes, read_workbook

    province = _province_arg()
    cs = _current_set()
    report: UnitSheetReport | None = None
    status = 200
    if request.method == "POST":
        file = request.files.get("file")
        report = UnitSheetReport()
        if file is None or not file.filename:
            from engine.io.sheets import CellError

            report.errors.append(CellError("", 0, "", "", "Chưa chọn tệp Excel (.xlsx) để tải lên."))
        elif cs is None:
            from engine.io.sheets import CellError

            report.errors.append(CellError("", 0, "", "", "Chưa có bộ tiêu chí: chưa kiểm tra được loại xã."))
        else:
            registry = {c.code: c for c in _unit_registry()}
            changes, errors = read_workbook(file.read(), cs, registry, filename=file.filename,
                                            flags=declared())
            report.errors.extend(errors)
            if not errors:
                session = get_session()
                with write_lock():  # one transaction for the whole file
                    result = apply_changes(session, changes, current_user.id,
                                           f"Nhập từ bảng đơn vị «{nfc(file.filename)[:120]}»")
                    session.commit()
                report.updated, report.unchanged = result.updated, result.unchanged
        status = 400 if report.errors else 200
    from .units import current_provinces_in_registry

    return render_template("admin/units.html", province=province, report=report,
                           provinces=current_provinces_in_registry()), status


@bp.route("/units.xlsx")
@role_required(ROLE_ADMIN)
def units_xlsx() -> Any:
    from flask import Response

    from engine.io.sheets import workbook_bytes

    from .unit_sheet import export_workbook

    cs = _current_set()
    if cs is None:
        return render_template("error.html", code=404, message="Chưa có bộ tiêu chí."), 404
    province = _province_arg()
    data = workbook_bytes(export_workbook(_unit_registry(province), cs, declared()))
    name = f"don-vi-{province or 'ca-nuoc'}.xlsx"
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
