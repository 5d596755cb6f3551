"""Login, logout, CSRF, cookies, rate limiting."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from .conftest import fresh_database_url, login, make_app


def test_login_page_renders_in_vietnamese(client):
    r = client.get("/auth/login")
    assert r.status_code == 200
    assert "Đăng nhập" in r.text and "Mật khẩu" in r.text


def test_root_redirects_to_login_when_anonymous(client):
    r = client.get("/")
    assert r.status_code == 302 and "/auth/login" in r.location


def test_each_role_lands_on_its_home(app: Flask):
    for username, home in (("xa-iatoi", "/assessment/"), ("thamdinh", "/review/"), ("quantri", "/admin/")):
        c = app.test_client()
        r = login(c, username)
        assert r.status_code == 302 and r.location.endswith(home)
        assert c.get("/").location.endswith(home)


def test_wrong_password_is_refused_with_message(client):
    r = login(client, "xa-iatoi", "sai-mat-khau")
    assert r.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in r.text
    assert client.get("/assessment/").status_code == 302  # still anonymous


def test_unknown_user_and_empty_form(client):
    assert login(client, "khong-co-ai").status_code == 401
    r = client.post("/auth/login", data={"username": "", "password": ""})
    assert r.status_code == 400 and "Nhập tên đăng nhập." in r.text


def test_deactivated_user_cannot_log_in(app: Flask, admin):
    from sqlalchemy import select

    from webform.db import get_session
    from webform.models import User

    with app.app_context():
        uid = get_session().scalar(select(User.id).where(User.username == "xa-iadom"))
    assert admin.post(f"/admin/users/{uid}/toggle").status_code == 302
    # The right password is told the account is locked; a wrong one learns nothing.
    r = login(app.test_client(), "xa-iadom")
    assert r.status_code == 403 and "Tài khoản này đã bị khóa" in r.text
    r = login(app.test_client(), "xa-iadom", "sai-mat-khau")
    assert r.status_code == 401 and "bị khóa" not in r.text


def test_login_attempts_are_rate_limited(app: Flask):
    c = app.test_client()
    for _ in range(app.config["LOGIN_MAX_ATTEMPTS"]):
        assert login(c, "thamdinh", "sai").status_code == 401
    r = login(c, "thamdinh")  # even the right password waits now
    assert r.status_code == 429
    assert "quá nhiều lần" in r.text


def test_logout_requires_post_and_ends_session(officer):
    assert officer.get("/auth/logout").status_code == 405
    r = officer.post("/auth/logout")
    assert r.status_code == 302
    assert officer.get("/assessment/").status_code == 302


def test_session_cookie_is_httponly_and_samesite(client):
    r = login(client, "xa-iatoi")
    cookie = r.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_passwords_are_hashed(app: Flask):
    from sqlalchemy import select

    from webform.db import get_session
    from webform.models import User

    with app.app_context():
        for user in get_session().scalars(select(User)):
            assert "demo2022" not in user.password_hash
            assert user.password_hash.startswith(("pbkdf2:", "scrypt:"))


def test_csrf_token_is_required_on_every_form(_template_db: str, tmp_path: Path):
    app = make_app(fresh_database_url(_template_db, tmp_path), tmp_path, WTF_CSRF_ENABLED=True)
    from webform.seed import seed_demo

    with app.app_context():
        seed_demo(app)
    c = app.test_client()
    # Without the token the login is refused, and nothing else works either.
    r = c.post("/auth/login", data={"username": "xa-iatoi", "password": "demo2022"})
    assert r.status_code == 400
    page = c.get("/auth/login").text
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    r = c.post("/auth/login", data={"username": "xa-iatoi", "password": "demo2022", "csrf_token": token})
    assert r.status_code == 302
    r = c.post("/assessment/1", data={"action": "save", "version": "1"})
    assert r.status_code == 400 and "Phiên làm việc đã hết hạn" in r.text
    r = c.post("/auth/logout")
    assert r.status_code == 400
    app.extensions["cfc_db"].dispose()


def test_security_headers(client):
    r = client.get("/auth/login")
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
