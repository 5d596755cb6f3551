"""The web app: commune self-assessment and district review.

Application factory in the style of Flask's flaskr tutorial: configuration from the environment,
blueprints by responsibility, templates beside them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, abort, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.routing import BaseConverter, ValidationError

from . import config as config_module
from . import db, engines

csrf = CSRFProtect()

# Scripts only from our own files (no inline script, no eval); style attributes stay allowed for the colour
# cells of the district matrix, <style> elements do not.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
       "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


class StrictIntConverter(BaseConverter):
    """`<int:...>` for ASCII digits only and at most a database integer: Werkzeug's own accepts any Unicode
    digit ("١٢") and any length, which reached the database as an overflow (a 500)."""

    regex = r"[0-9]{1,10}"
    part_isolating = True

    def to_python(self, value: str) -> int:
        from engine.cells import parse_id

        number = parse_id(value)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value: Any) -> str:
        return str(int(value))


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    # Before any route is added: ids and years in paths are ASCII digits that fit a database integer.
    app.url_map.converters["int"] = StrictIntConverter
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(config_module.from_env(instance))
    if test_config:
        app.config.update(test_config)

    db.init_app(app)
    csrf.init_app(app)
    # The engine is compiled here, once per process, and shared by every request.
    engines.init_app(app)

    from . import (
        admin,
        assessment,
        auth,
        cli,
        criteria_admin,
        district,
        documents,
        review,
        templating,
        versions,
        web,
    )

    auth.init_app(app)
    templating.init_app(app)
    web.init_app(app)
    cli.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(assessment.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(criteria_admin.bp)
    app.register_blueprint(documents.bp)
    app.register_blueprint(district.bp)

    @app.route("/")
    def index() -> Any:
        if current_user.is_authenticated:
            return redirect(auth.home_for(current_user))
        return redirect(url_for("auth.login"))

    @app.errorhandler(CSRFError)
    def _csrf_error(_e: CSRFError) -> Any:
        msg = "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Vui lòng tải lại trang và thử lại."
        return render_template("error.html", code=400, message=msg), 400

    for code, msg in (
        (400, "Yêu cầu không hợp lệ: địa chỉ hoặc dữ liệu gửi lên không đúng. Vui lòng quay lại và thử lại."),
        (403, "Bạn không có quyền truy cập trang này."),
        (404, "Không tìm thấy trang hoặc hồ sơ."),
        (405, "Thao tác không được hỗ trợ."),
        (409, "Hồ sơ chưa ở trạng thái cho phép thao tác này."),
        (413, "Dữ liệu gửi lên quá lớn."),
        # The last line of defence: whatever went wrong, the user reads Vietnamese, never a traceback.
        (500, "Hệ thống gặp lỗi khi xử lý yêu cầu này; chưa có gì được lưu. Vui lòng thử lại sau ít phút."),
    ):
        app.register_error_handler(code, _error_view(code, msg))

    @app.before_request
    def _no_nul_characters() -> Any:
        # No field of this app takes a NUL character, and PostgreSQL refuses one in any text parameter (a
        # 500 there, while SQLite stored it): refused at the door, whatever route it was sent to.
        if "\x00" in request.path or _has_nul(request.args) or (
                request.method == "POST" and _has_nul(request.form)):
            abort(400)
        return None

    @app.before_request
    def _criteria_versions_registered() -> None:
        # Once per process, before the request's own session can write: registering the default criteria
        # files takes the write lock in a session of its own, and would wait (then fail after the busy
        # timeout) behind a request session that already wrote, were it first called later in the request.
        versions.ensure_defaults()

    @app.after_request
    def _security_headers(response: Any) -> Any:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", CSP)
        return response

    return app


def _has_nul(fields: Any) -> bool:
    return any("\x00" in key or "\x00" in value for key, values in fields.lists() for value in values)


def _error_view(code: int, message: str) -> Any:
    def view(_e: Exception) -> Any:
        return render_template("error.html", code=code, message=message), code

    return view
