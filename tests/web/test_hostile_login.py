"""Issue 9.6, 9.7, 11 (limiter memory): throttle the guesser, not the owner. Lockout attempts from several
loopback addresses (127.0.0.x), the per-account growing delay, the per-address ceiling, the bounded table,
and the same password work for an unknown account as for a known one."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from .conftest import PASSWORD, fresh_database_url, make_app
from .hostile_util import client_at, db_fingerprint, login_from


def test_guessing_from_other_addresses_does_not_lock_the_owner_out(app: Flask):
    wrong = 0
    for n in range(2, 10):  # eight machines guessing the reviewer's password, eight tries each
        guesser = client_at(app, f"127.0.0.{n}")
        codes = [login_from(guesser, "thamdinh", "doan-mo").status_code for _ in range(8)]
        # Each machine gets at most five guesses (fewer once the account's delay starts), then waits.
        assert codes.count(401) <= app.config["LOGIN_MAX_ATTEMPTS"] and codes[-1] == 429, codes
        wrong += codes.count(401)
        r = login_from(guesser, "thamdinh", PASSWORD)  # the guesser is throttled, even with the right one
        assert r.status_code == 429 and "quá nhiều lần" in r.text
    assert wrong < 8 * app.config["LOGIN_MAX_ATTEMPTS"]  # the per-account delay cut the total too
    owner = client_at(app, "127.0.0.1")
    r = login_from(owner, "thamdinh", PASSWORD)
    assert r.status_code == 302 and r.location.endswith("/review/")


def test_one_persons_typos_do_not_lock_out_the_office(app: Flask):
    office = "127.0.0.9"  # the whole commune office behind one router
    typist = client_at(app, office)
    for _ in range(app.config["LOGIN_MAX_ATTEMPTS"]):
        login_from(typist, "xa-iatoi", "go-nham")
    assert login_from(typist, "xa-iatoi", PASSWORD).status_code == 429
    colleague = client_at(app, office)
    assert login_from(colleague, "xa-iadal", PASSWORD).status_code == 302
    assert login_from(client_at(app, "127.0.0.10"), "xa-iatoi", PASSWORD).status_code == 302


def test_unknown_accounts_are_throttled_alike(app: Flask):
    guesser = client_at(app, "127.0.0.11")
    for _ in range(app.config["LOGIN_MAX_ATTEMPTS"]):
        r = login_from(guesser, "khong-ton-tai", "x")
        assert r.status_code == 401 and "Tên đăng nhập hoặc mật khẩu không đúng." in r.text
    assert login_from(guesser, "khong-ton-tai", "x").status_code == 429


def test_the_per_account_delay_grows_and_spares_addresses_that_have_not_failed(app: Flask):
    from webform import limiter
    from webform.db import get_session

    limits = limiter.Limits(pair_max=5, window=900, account_soft=20, address_max=1000)
    with app.app_context():
        s = get_session()
        now = 1_000_000.0
        for n in range(20):  # twenty addresses, one failure each: the soft ceiling
            limiter.record_failure(s, limits, "thamdinh", f"10.0.0.{n}", now + n)
        last = now + 19
        # An address that has failed waits 2 s after the account's last failure, then 4 s, 8 s ...
        assert limiter.blocked(s, limits, "thamdinh", "10.0.0.3", last + 1)
        assert not limiter.blocked(s, limits, "thamdinh", "10.0.0.3", last + 2.5)
        limiter.record_failure(s, limits, "thamdinh", "10.0.0.3", last + 3)
        assert limiter.blocked(s, limits, "thamdinh", "10.0.0.3", last + 3 + 3)
        assert not limiter.blocked(s, limits, "thamdinh", "10.0.0.3", last + 3 + 4.5)
        # The owner's address never failed: never delayed.
        assert not limiter.blocked(s, limits, "thamdinh", "192.168.1.5", last + 3.1)
        # Other accounts are not touched.
        assert not limiter.blocked(s, limits, "xa-iatoi", "10.0.0.3", last + 3.1)
        s.rollback()


def test_one_address_trying_many_accounts_is_stopped(_template_db: str, tmp_path: Path):
    app = make_app(fresh_database_url(_template_db, tmp_path), tmp_path, LOGIN_ADDRESS_MAX=10)
    from webform.seed import seed_demo

    with app.app_context():
        seed_demo(app)
    sprayer = client_at(app, "127.0.0.12")
    for n in range(10):
        assert login_from(sprayer, f"tai-khoan-{n}", "123456").status_code == 401
    assert login_from(sprayer, "xa-iadom", PASSWORD).status_code == 429
    assert login_from(client_at(app, "127.0.0.13"), "xa-iadom", PASSWORD).status_code == 302
    app.extensions["cfc_db"].dispose()


def test_the_attempts_table_stays_bounded(app: Flask):
    from webform import limiter
    from webform.db import get_session
    from webform.models import LoginAttempt

    limits = limiter.Limits(window=60, max_rows=50)
    with app.app_context():
        s = get_session()
        for n in range(200):  # a flood of distinct names from distinct addresses
            limiter.record_failure(s, limits, f"u{n}", f"10.1.{n // 250}.{n % 250}", 5_000.0 + n / 100)
        assert s.scalar(select(func.count()).select_from(LoginAttempt)) <= 50
        limiter.record_failure(s, limits, "late", "10.9.9.9", 5_000.0 + 3600)  # an hour later
        assert s.scalar(select(func.count()).select_from(LoginAttempt)) == 1  # the window pruned the rest
        s.rollback()


def test_a_successful_login_forgets_only_its_own_failures(app: Flask):
    from webform.db import get_session
    from webform.models import LoginAttempt

    login_from(client_at(app, "127.0.0.20"), "xa-iatoi", "sai")
    login_from(client_at(app, "127.0.0.21"), "xa-iatoi", "sai")
    assert login_from(client_at(app, "127.0.0.20"), "xa-iatoi", PASSWORD).status_code == 302
    with app.app_context():
        left = get_session().scalars(select(LoginAttempt.address)).all()
    assert left == ["127.0.0.21"]


def test_unknown_and_known_accounts_cost_the_same_hash_work(app: Flask, monkeypatch):
    import webform.auth as auth

    calls: list[str] = []
    real = auth.check_password_hash

    def counting(pwhash: str, password: str) -> bool:
        calls.append(pwhash.split("$", 1)[0])
        return real(pwhash, password)

    monkeypatch.setattr(auth, "check_password_hash", counting)
    for username in ("khong-co-ai", "xa-iatoi"):
        login_from(client_at(app, "127.0.0.30"), username, "sai-mat-khau")
    # One verification each, with the same method and cost: the answer's timing tells nothing.
    assert len(calls) == 2 and calls[0] == calls[1] == app.config["PASSWORD_HASH_METHOD"]


def test_a_refused_login_stores_nothing_but_the_attempt(app: Flask):
    before = db_fingerprint(app, skip=("login_attempts",))
    for name in ("xa-iatoi", "' OR 1=1 --", "x" * 60, "quantri"):
        assert login_from(client_at(app, "127.0.0.40"), name, "sai").status_code == 401
    assert db_fingerprint(app, skip=("login_attempts",)) == before
