"""Issue 9.5 and 11.8: a session ends everywhere on logout, password change or reset, and lock; the check
is in the database, so it holds in every process (a second app on the same database stands for a second
gunicorn worker). A user changes the own password; the other sessions end, this one goes on."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import select

from .conftest import PASSWORD, logged_in, login, make_app
from .hostile_util import db_fingerprint


def _copy(client) -> str:
    return client.get_cookie("session").value


def _replay(app: Flask, cookie: str):
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief


def _uid(app: Flask, username: str) -> int:
    from webform.db import get_session
    from webform.models import User

    with app.app_context():
        return get_session().scalar(select(User.id).where(User.username == username))


def _still_in(client) -> bool:
    return client.get("/assessment/").status_code == 200


def test_a_cookie_copied_before_logout_is_dead_after_it(app: Flask):
    officer = logged_in(app, "xa-iatoi")
    cookie = _copy(officer)
    assert _still_in(_replay(app, cookie))
    assert officer.post("/auth/logout").status_code == 302
    r = _replay(app, cookie).get("/assessment/")
    assert r.status_code == 302 and "/auth/login" in r.location


def test_logout_ends_the_session_in_every_process(app: Flask, _template_db: str, tmp_path: Path):
    other_process = make_app(app.config["DATABASE_URL"], tmp_path)
    officer = logged_in(app, "xa-iatoi")
    cookie = _copy(officer)
    assert _still_in(_replay(other_process, cookie))
    officer.post("/auth/logout")
    assert not _still_in(_replay(other_process, cookie))
    other_process.extensions["cfc_db"].dispose()


def test_a_password_reset_ends_sessions_opened_before_it(app: Flask):
    officer = logged_in(app, "xa-iatoi")
    admin = logged_in(app, "quantri")
    r = admin.post(f"/admin/users/{_uid(app, 'xa-iatoi')}/password", data={"password": "mat-khau-moi-1"})
    assert r.status_code == 302
    r = officer.get("/assessment/")
    assert r.status_code == 302 and "/auth/login" in r.location
    assert login(app.test_client(), "xa-iatoi").status_code == 401
    assert login(app.test_client(), "xa-iatoi", "mat-khau-moi-1").status_code == 302


def test_a_lock_ends_sessions_and_unlocking_does_not_revive_them(app: Flask):
    officer = logged_in(app, "xa-iatoi")
    cookie = _copy(officer)
    admin = logged_in(app, "quantri")
    uid = _uid(app, "xa-iatoi")
    assert admin.post(f"/admin/users/{uid}/toggle").status_code == 302
    assert not _still_in(officer)
    assert admin.post(f"/admin/users/{uid}/toggle").status_code == 302  # unlocked again
    assert not _still_in(_replay(app, cookie))
    r = login(app.test_client(), "xa-iatoi")
    assert r.status_code == 302


def test_changing_the_own_password_ends_the_other_sessions_only(app: Flask):
    here = logged_in(app, "xa-iatoi")
    elsewhere = logged_in(app, "xa-iatoi")
    page = here.get("/auth/password")
    assert page.status_code == 200 and "Đổi mật khẩu" in page.text and "Mật khẩu hiện tại" in page.text
    r = here.post("/auth/password", data={"current": PASSWORD, "new": "mat-khau-rieng-9",
                                          "confirm": "mat-khau-rieng-9"}, follow_redirects=True)
    assert r.status_code == 200 and "Đã đổi mật khẩu" in r.text
    assert _still_in(here)
    assert not _still_in(elsewhere)
    assert login(app.test_client(), "xa-iatoi").status_code == 401
    assert login(app.test_client(), "xa-iatoi", "mat-khau-rieng-9").status_code == 302


def test_a_wrong_password_change_is_refused_next_to_the_field_and_changes_nothing(app: Flask):
    here = logged_in(app, "thamdinh")
    before = db_fingerprint(app)
    for data, message in [
        ({"current": "sai", "new": "mat-khau-moi-1", "confirm": "mat-khau-moi-1"},
         "Mật khẩu hiện tại không đúng."),
        ({"current": PASSWORD, "new": "mat-khau-moi-1", "confirm": "mat-khau-moi-2"},
         "Hai lần nhập mật khẩu mới không giống nhau."),
        ({"current": PASSWORD, "new": "ngan", "confirm": "ngan"}, "Mật khẩu mới từ 8 đến 200 ký tự."),
        ({"current": PASSWORD, "new": PASSWORD, "confirm": PASSWORD},
         "Mật khẩu mới phải khác mật khẩu hiện tại."),
        ({"current": "", "new": "", "confirm": ""}, "Nhập mật khẩu hiện tại."),
    ]:
        r = here.post("/auth/password", data=data)
        assert r.status_code == 400 and message in r.text, message
        assert 'aria-invalid="true"' in r.text
    assert db_fingerprint(app) == before
    assert _still_in_review(here)


def _still_in_review(client) -> bool:
    return client.get("/review/").status_code == 200


def test_a_cookie_without_an_epoch_or_forged_is_anonymous(app: Flask):
    from flask.sessions import SecureCookieSessionInterface

    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    uid = _uid(app, "xa-iatoi")
    for user_id in (str(uid), f"{uid}.99", f"{uid}.١", "x.0", f"{uid}.0.0", "9" * 30 + ".0"):
        cookie = serializer.dumps({"_user_id": user_id, "_fresh": True})
        r = _replay(app, cookie).get("/assessment/")
        assert r.status_code == 302 and "/auth/login" in r.location, user_id
