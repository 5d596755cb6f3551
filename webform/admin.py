"""The administrator: accounts, communes, and the criteria sets the engine loaded."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engine.cells import parse_id

from .auth import hash_password, role_required
from .db import commit, get_session
from .models import ROLE_ADMIN, ROLE_COMMUNE, ROLE_REVIEWER, ROLES, Commune, User
from .scoring import nfc, scoring

bp = Blueprint("admin", __name__, url_prefix="/admin")

USERNAME_RE = re.compile(r"[a-z0-9][a-z0-9._-]{2,59}")
CODE_RE = re.compile(r"[0-9]{5}")  # ASCII: \d would also take "١٢٣٤٥"
MIN_PASSWORD = 8


@bp.route("/")
@role_required(ROLE_ADMIN)
def index() -> Any:
    session = get_session()
    users = list(session.scalars(select(User).order_by(User.role, User.username)))
    communes = list(session.scalars(select(Commune).order_by(Commune.district, Commune.name)))
    return render_template("admin/index.html", users=users, communes=communes, roles=ROLES,
                           sets=scoring().sets(), errors={}, typed={})


def _render_with(errors: dict[str, str], typed: dict[str, str]) -> Any:
    session = get_session()
    users = list(session.scalars(select(User).order_by(User.role, User.username)))
    communes = list(session.scalars(select(Commune).order_by(Commune.district, Commune.name)))
    return render_template("admin/index.html", users=users, communes=communes, roles=ROLES,
                           sets=scoring().sets(), errors=errors, typed=typed), 400


@bp.route("/users", methods=["POST"])
@role_required(ROLE_ADMIN)
def create_user() -> Any:
    f = {k: nfc(request.form.get(k)) for k in ("username", "full_name", "role", "commune_id", "district")}
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
    if f["role"] == ROLE_REVIEWER and not f["district"]:
        errors["district"] = "Tổ thẩm định phải gắn với một huyện (đơn vị thẩm định)."
    if errors:
        return _render_with(errors, f)
    user = User(username=username, full_name=f["full_name"][:120], role=f["role"],
                password_hash=hash_password(f["password"]),
                commune_id=commune.id if commune else None,
                district=f["district"][:120] if f["role"] == ROLE_REVIEWER else None, active=True)
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
    f = {k: nfc(request.form.get(k)) for k in ("code", "name", "district", "province", "type", "region")}
    errors: dict[str, str] = {}
    cs = _current_set()
    tiers = {t.id for t in cs.tiers} if cs else set()
    regions = {r.id for r in cs.regions} if cs else set()
    if not CODE_RE.fullmatch(f["code"]):
        errors["code"] = "Mã đơn vị hành chính gồm đúng 5 chữ số."
    if not f["name"]:
        errors["name"] = "Nhập tên xã."
    if not f["province"]:
        errors["province"] = "Nhập tên tỉnh."
    if f["type"] not in tiers:
        errors["type"] = "Chọn loại xã."
    if f["region"] not in regions:
        errors["region"] = "Chọn vùng."
    if errors:
        return _render_with(errors, f)
    session = get_session()
    session.add(Commune(code=f["code"], name=f["name"][:120], district=f["district"][:120],
                        province=f["province"][:120], type=f["type"], region=f["region"],
                        ntm_tdmnpb_override=request.form.get("ntm_tdmnpb_override") == "1"))
    try:
        commit(session)
    except IntegrityError:
        session.rollback()
        return _render_with({"code": "Mã xã đã có."}, f)
    flash(f"Đã thêm {f['name']}.", "success")
    return redirect(url_for("admin.index"))


def _current_set() -> Any:
    sets = scoring().sets()
    return sets[-1] if sets else None
