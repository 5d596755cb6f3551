"""Login, logout, and the role checks every other blueprint uses."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from .db import get_session
from .limiter import AttemptLimiter
from .models import ROLE_COMMUNE, ROLE_REVIEWER, Assessment, Commune, User  # noqa: F401

bp = Blueprint("auth", __name__, url_prefix="/auth")
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
# "basic", not "strong": an officer on a mobile network changes address often, and a logout in the
# middle of a form would lose what was typed.
login_manager.session_protection = "basic"

MSG_BAD_LOGIN = "Tên đăng nhập hoặc mật khẩu không đúng."
MSG_RATE_LIMITED = "Bạn đã đăng nhập sai quá nhiều lần. Vui lòng thử lại sau ít phút."


def hash_password(password: str) -> str:
    # scrypt by default; the test suite sets a cheaper method so hundreds of logins stay fast.
    return generate_password_hash(password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


class LoginForm(FlaskForm):
    username = StringField("Tên đăng nhập", validators=[DataRequired("Nhập tên đăng nhập."), Length(max=60)])
    password = PasswordField("Mật khẩu", validators=[DataRequired("Nhập mật khẩu."), Length(max=200)])


def init_app(app: Any) -> None:
    login_manager.init_app(app)
    app.extensions["cfc_login_limiter"] = AttemptLimiter(
        app.config["LOGIN_MAX_ATTEMPTS"], app.config["LOGIN_WINDOW_SECONDS"]
    )


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    return get_session().get(User, int(user_id))


def home_for(user: User) -> str:
    if user.role == ROLE_COMMUNE:
        return url_for("assessment.index")
    if user.role == ROLE_REVIEWER:
        return url_for("review.queue")
    return url_for("admin.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        limiter: AttemptLimiter = current_app.extensions["cfc_login_limiter"]
        username = form.username.data.strip().lower()
        # Per address and per account, so one office cannot lock out another by guessing.
        keys = [f"ip:{request.remote_addr}", f"user:{username}"]
        if any(limiter.blocked(k) for k in keys):
            form.form_errors.append(MSG_RATE_LIMITED)
            return render_template("auth/login.html", form=form), 429
        user = get_session().scalar(select(User).where(User.username == username))
        if user is None or not user.active or not check_password_hash(user.password_hash, form.password.data):
            for k in keys:
                limiter.hit(k)
            form.form_errors.append(MSG_BAD_LOGIN)
            status = 401
        else:
            limiter.reset(f"user:{username}")
            login_user(user)
            return redirect(home_for(user))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Any:
    logout_user()
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("auth.login"))


def role_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def can_see(user: User, assessment: Assessment) -> bool:
    # One rule for every page: the commune is under the account's unit on the period's reference date.
    from .units import can_see_assessment

    return can_see_assessment(user, assessment)


def assessment_for(user: User, assessment_id: int) -> Assessment:
    """The assessment if this user may see it; 404 otherwise, so nothing leaks about others."""
    assessment = get_session().get(Assessment, assessment_id)
    if assessment is None or not can_see(user, assessment):
        abort(404)
    return assessment


def communes_for_reviewer(user: User, period: int | None = None) -> list[Commune]:
    """The communes under the reviewer's unit in that period (every year with assessments when None)."""
    from .units import communes_ever_visible, communes_visible

    return communes_visible(user, period) if period is not None else communes_ever_visible(user)
