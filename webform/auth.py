"""Login, logout, and the role checks every other blueprint uses."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import bindparam, inspect, select
from sqlalchemy.orm import lazyload
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from . import limiter
from .db import commit, get_session, write_lock
from .models import (  # noqa: F401
    ROLE_COMMUNE,
    ROLE_REVIEWER,
    Assessment,
    Commune,
    Correction,
    ItemReview,
    User,
    unit_chain,
)

bp = Blueprint("auth", __name__, url_prefix="/auth")
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
# "basic", not "strong": an officer on a mobile network changes address often, and a logout in the
# middle of a form would lose what was typed.
login_manager.session_protection = "basic"

MSG_BAD_LOGIN = "Tên đăng nhập hoặc mật khẩu không đúng."
MSG_RATE_LIMITED = "Bạn đã đăng nhập sai quá nhiều lần. Vui lòng thử lại sau ít phút."
MSG_LOCKED = "Tài khoản này đã bị khóa. Vui lòng liên hệ quản trị hệ thống để được mở khóa."
MSG_PASSWORD_CHANGED = "Đã đổi mật khẩu. Các phiên đăng nhập khác của tài khoản này đã kết thúc."
MIN_PASSWORD = 8
# The session check reads the account row alone: its commune or unit is read when a page asks for it, mostly
# from the units the record's own query already loaded (models.unit_chain), which costs no query.
USER_ONLY = (lazyload(User.commune), lazyload(User.unit))
ASSESSMENT_CHAIN = unit_chain(Assessment.commune)
# The two lookups of every request, built once: a statement used again keeps its SQL cache key, which
# session.get() works out anew on each call by walking the loader options (a third of the lookup's cost).
USER_BY_ID = select(User).where(User.id == bindparam("uid")).options(*USER_ONLY)
ASSESSMENT_BY_ID = select(Assessment).where(Assessment.id == bindparam("aid")).options(*ASSESSMENT_CHAIN)
# A record's corrections and accepted items, for the pages that show them. Not through the lazy loaders: a
# lazy load carries the record query's loader options (the unit chain) and walks them for its cache key each
# time, about 0.8 ms apiece; and the pages never read who made a correction, so that account (and its
# units) stays unloaded until something asks for it.
CORRECTIONS_OF = (select(Correction).where(Correction.assessment_id == bindparam("aid"))
                  .order_by(Correction.id).options(lazyload(Correction.user)))
ITEM_REVIEWS_OF = select(ItemReview).where(ItemReview.assessment_id == bindparam("aid"))


def hash_password(password: str) -> str:
    # scrypt by default; the test suite sets a cheaper method so hundreds of logins stay fast.
    return generate_password_hash(password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


class LoginForm(FlaskForm):
    username = StringField("Tên đăng nhập", validators=[DataRequired("Nhập tên đăng nhập."), Length(max=60)])
    password = PasswordField("Mật khẩu", validators=[DataRequired("Nhập mật khẩu."), Length(max=200)])


class PasswordForm(FlaskForm):
    current = PasswordField("Mật khẩu hiện tại", validators=[DataRequired("Nhập mật khẩu hiện tại."),
                                                             Length(max=200)])
    new = PasswordField("Mật khẩu mới", validators=[
        DataRequired("Nhập mật khẩu mới."),
        Length(min=MIN_PASSWORD, max=200, message=f"Mật khẩu mới từ {MIN_PASSWORD} đến 200 ký tự.")])
    confirm = PasswordField("Nhập lại mật khẩu mới", validators=[DataRequired("Nhập lại mật khẩu mới.")])


def init_app(app: Any) -> None:
    login_manager.init_app(app)
    app.extensions["cfc_login_limits"] = limiter.Limits(
        pair_max=app.config["LOGIN_MAX_ATTEMPTS"], window=app.config["LOGIN_WINDOW_SECONDS"],
        account_soft=app.config["LOGIN_ACCOUNT_SOFT_LIMIT"], address_max=app.config["LOGIN_ADDRESS_MAX"])


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    """The one session-validity check, on every request: the cookie names the user and the session epoch it
    was opened in; a logout, password change or reset, or lock since then bumped the epoch in the database."""
    from engine.cells import parse_id

    uid_text, _, epoch_text = user_id.partition(".")
    uid, epoch = parse_id(uid_text), parse_id(epoch_text)
    if uid is None or epoch is None:
        return None  # a cookie from before session epochs, or forged: signed in again
    user = get_session().execute(USER_BY_ID, {"uid": uid}).scalar_one_or_none()
    if user is None or not user.active or (user.session_epoch or 0) != epoch:
        return None
    return user


def _dummy_hash() -> str:
    # Verified against when the account does not exist, so an unknown name costs the same work as a known one
    # and the answer's timing does not tell which accounts exist.
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    cache = current_app.extensions.setdefault("cfc_dummy_hash", {})
    if method not in cache:
        cache[method] = generate_password_hash("not-a-password", method=method)
    return cache[method]


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
        limits: limiter.Limits = current_app.extensions["cfc_login_limits"]
        session = get_session()
        username = form.username.data.strip().lower()
        address = request.remote_addr
        if limiter.blocked(session, limits, username, address):
            form.form_errors.append(MSG_RATE_LIMITED)
            return render_template("auth/login.html", form=form), 429
        user = session.scalar(select(User).where(User.username == username))
        password_ok = check_password_hash(user.password_hash if user is not None else _dummy_hash(),
                                          form.password.data)
        if user is None or not password_ok:
            with write_lock():  # the prune and insert are one write, queued like every other
                limiter.record_failure(session, limits, username, address)
                session.commit()
            form.form_errors.append(MSG_BAD_LOGIN)
            status = 401
        elif not user.active:
            # Said only to someone who knows the password: a guesser learns nothing from it.
            form.form_errors.append(MSG_LOCKED)
            status = 403
        else:
            with write_lock():
                limiter.clear_pair(session, username, address)
                session.commit()
            login_user(user)
            return redirect(home_for(user))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Any:
    # Ends every session of this user (a copied cookie too), not only this browser's.
    session = get_session()
    user = session.get(User, current_user.id)
    if user is not None:
        user.end_sessions()
        commit(session)
    logout_user()
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password() -> Any:
    """The user's own password: the other sessions end, this one goes on."""
    form = PasswordForm()
    status = 200
    if form.validate_on_submit():
        session = get_session()
        user = session.get(User, current_user.id)
        if user is None:  # the account was removed since this page was opened: signed in no more
            abort(404)
        if not check_password_hash(user.password_hash, form.current.data):
            form.current.errors.append("Mật khẩu hiện tại không đúng.")
        elif form.new.data != form.confirm.data:
            form.confirm.errors.append("Hai lần nhập mật khẩu mới không giống nhau.")
        elif form.new.data == form.current.data:
            form.new.errors.append("Mật khẩu mới phải khác mật khẩu hiện tại.")
        else:
            user.password_hash = hash_password(form.new.data)
            user.end_sessions()
            commit(session)
            login_user(user)  # this browser continues under the new epoch
            flash(MSG_PASSWORD_CHANGED, "success")
            return redirect(home_for(user))
        status = 400
    elif request.method == "POST":
        status = 400
    return render_template("auth/password.html", form=form), status

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
    assessment = get_session().execute(ASSESSMENT_BY_ID, {"aid": assessment_id}).unique().scalar_one_or_none()
    if assessment is None or not can_see(user, assessment):
        abort(404)
    return assessment


def load_team_rows(assessment: Assessment) -> Assessment:
    """Load the record's corrections and item reviews (unless loaded already) in two prebuilt queries."""
    state = inspect(assessment)
    session = get_session()
    if "corrections" not in state.dict:
        set_committed_value(assessment, "corrections",
                            list(session.scalars(CORRECTIONS_OF, {"aid": assessment.id})))
    if "item_reviews" not in state.dict:
        set_committed_value(assessment, "item_reviews",
                            list(session.scalars(ITEM_REVIEWS_OF, {"aid": assessment.id})))
    return assessment


def communes_for_reviewer(user: User, period: int | None = None) -> list[Commune]:
    """The communes under the reviewer's unit in that period (every year with assessments when None)."""
    from .units import communes_ever_visible, communes_visible

    return communes_visible(user, period) if period is not None else communes_ever_visible(user)
