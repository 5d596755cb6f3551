"""Issue 9.9: no input reaches the user as a 500. A walk of every route of app.url_map with malformed path
and query/form parameters, as every role: each answer is a Vietnamese page (or a redirect, a file), never
Werkzeug's English "Internal Server Error". TESTING propagates exceptions: a crash fails the test itself."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from flask import Flask

from .conftest import logged_in
from .hostile_util import db_fingerprint

# Non-ASCII digits, superscripts, 20+ digits, negative, zero, NUL, a path escape, a very long text.
HOSTILE = ["١٢", "๑๒", "²", "9" * 25, "-1", "0", "2022\x00", "../../etc/passwd", "x" * 3000, "1e3", " 7 "]
PARAMS = ("period", "year", "kind", "state", "commune", "version", "item_id", "input_id", "value", "name",
          "action", "comment", "reason", "decision_date", "predecessor", "successor", "merged_on", "role",
          "commune_id", "username", "password", "code", "district", "type", "region")


def _urls(app: Flask, value: str) -> list[tuple[str, str, list[str]]]:
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<(?:[a-z]+:)?[a-z_]+>", quote(value, safe=""), rule.rule)
        methods = sorted(m for m in rule.methods if m in ("GET", "POST"))
        out.append((rule.endpoint, path, methods))
    # Logging out ends the session: last.
    return sorted(out, key=lambda t: t[0] == "auth.logout")


def _check(r, where: str) -> None:
    assert r.status_code < 500, where
    if r.mimetype == "text/html":
        body = r.get_data(as_text=True)
        assert "Internal Server Error" not in body and "Traceback" not in body, where
        if r.status_code >= 400:
            assert '<html lang="vi">' in body and "Lỗi" in body or "flash error" in body \
                or 'class="err"' in body, where


@pytest.mark.parametrize("role", ["anonymous", "xa-iatoi", "thamdinh", "quantri"])
def test_every_route_with_malformed_parameters(app: Flask, role: str):
    client = app.test_client() if role == "anonymous" else logged_in(app, role)
    # Nothing malformed may be stored (failed logins are noted by design; logout, last, bumps the epoch).
    before = db_fingerprint(app, skip=("login_attempts",))
    for value in HOSTILE:
        query = "&".join(f"{p}={quote(value, safe='')}" for p in PARAMS)
        for endpoint, path, methods in _urls(app, value):
            if endpoint == "auth.logout":
                if value != HOSTILE[-1]:
                    continue
                assert db_fingerprint(app, skip=("login_attempts",)) == before
            where = f"{role} {path} {value!r}"
            if "GET" in methods:
                _check(client.get(f"{path}?{query}"), "GET " + where)
            if "POST" in methods:
                _check(client.post(f"{path}?{query}", data={p: value for p in PARAMS}), "POST " + where)


def test_a_commune_code_in_other_digits_is_refused(app: Flask):
    admin = logged_in(app, "quantri")
    before = db_fingerprint(app)
    r = admin.post("/admin/communes", data={"code": "٢٣٥٣٩", "name": "Xã Giả", "district": "Huyện X",
                                            "province": "Tỉnh Y", "type": "mien_nui_dbkk",
                                            "region": "tay_nguyen"})
    assert r.status_code == 400 and "Mã đơn vị hành chính gồm đúng 5 chữ số." in r.text
    r = admin.post("/district/communes", data={"predecessor": "23535", "successor": "23538",
                                               "merged_on": "٠١/٠٧/٢٠٢٥"})
    assert r.status_code == 400 and "Ngày sáp nhập không hợp lệ" in r.text
    assert db_fingerprint(app) == before


@pytest.mark.parametrize("path", ["/assessment/١", "/review/²", "/assessment/" + "9" * 25,
                                  "/district/results-" + "9" * 25 + ".xlsx", "/review/?period=٢٠٢٢",
                                  "/district/?period=" + "9" * 25, "/district/report.pdf?kind=year&year=²"])
def test_malformed_numbers_give_a_vietnamese_404(app: Flask, path: str):
    reviewer = logged_in(app, "thamdinh")
    r = reviewer.get(path)
    assert r.status_code in (403, 404), path
    assert "Không tìm thấy trang hoặc hồ sơ." in r.text or "không có quyền" in r.text


def test_an_unexpected_error_is_a_vietnamese_500_page(app: Flask):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/__boom")
    def boom():  # pragma: no cover - the handler is what is tested
        raise RuntimeError("boom")

    r = app.test_client().get("/__boom")
    assert r.status_code == 500
    assert "Hệ thống gặp lỗi" in r.text and "Internal Server Error" not in r.text and "boom" not in r.text


@pytest.mark.parametrize("where", ["path", "query", "form"])
def test_a_nul_character_is_refused_before_any_query(app: Flask, where: str):
    """PostgreSQL refuses NUL in text (a 500 there; SQLite stored it): every route refuses it with the
    Vietnamese 400 page, and nothing is stored, not even a failed login."""
    client = app.test_client()
    before = db_fingerprint(app)
    if where == "path":
        r = client.get("/district/years/2022%00")
    elif where == "query":
        r = client.get("/auth/login?next=%00")
    else:
        r = client.post("/auth/login", data={"username": "xa-iatoi\x00", "password": "x"})
    assert r.status_code == 400
    assert '<html lang="vi">' in r.text and "Yêu cầu không hợp lệ" in r.text
    assert db_fingerprint(app) == before
