"""Every route × every role, and every illegal access: 403 for a wrong role, 404 for someone else's data."""

from __future__ import annotations

import pytest
from flask import Flask

from .conftest import assessment_of, login

ROLES = ["anon", "xa-iatoi", "thamdinh", "quantri"]

# (method, path, expected status per role). Assessment 1 is Xã Ia Tơi's (seeded first).
MATRIX = [
    ("GET", "/assessment/", {"anon": 302, "xa-iatoi": 200, "thamdinh": 403, "quantri": 403}),
    ("GET", "/assessment/1", {"anon": 302, "xa-iatoi": 200, "thamdinh": 302, "quantri": 404}),
    ("GET", "/assessment/1/history", {"anon": 302, "xa-iatoi": 200, "thamdinh": 200, "quantri": 404}),
    ("POST", "/assessment/1", {"anon": 302, "xa-iatoi": 302, "thamdinh": 403, "quantri": 403}),
    ("POST", "/assessment/1/score", {"anon": 302, "xa-iatoi": 200, "thamdinh": 403, "quantri": 403}),
    ("POST", "/assessment/new", {"anon": 302, "xa-iatoi": 302, "thamdinh": 403, "quantri": 403}),
    ("GET", "/review/", {"anon": 302, "xa-iatoi": 403, "thamdinh": 200, "quantri": 403}),
    ("GET", "/review/1", {"anon": 302, "xa-iatoi": 403, "thamdinh": 200, "quantri": 403}),
    ("POST", "/review/1/accept", {"anon": 302, "xa-iatoi": 403, "thamdinh": 409, "quantri": 403}),
    ("POST", "/review/1/correct", {"anon": 302, "xa-iatoi": 403, "thamdinh": 409, "quantri": 403}),
    ("POST", "/review/1/transition", {"anon": 302, "xa-iatoi": 403, "thamdinh": 409, "quantri": 403}),
    ("POST", "/review/1/accept-rest", {"anon": 302, "xa-iatoi": 403, "thamdinh": 409, "quantri": 403}),
    ("POST", "/review/1/proposal-ref", {"anon": 302, "xa-iatoi": 403, "thamdinh": 409, "quantri": 403}),
    ("GET", "/admin/", {"anon": 302, "xa-iatoi": 403, "thamdinh": 403, "quantri": 200}),
    ("POST", "/admin/users", {"anon": 302, "xa-iatoi": 403, "thamdinh": 403, "quantri": 400}),
    ("POST", "/admin/communes", {"anon": 302, "xa-iatoi": 403, "thamdinh": 403, "quantri": 400}),
    ("POST", "/admin/users/1/toggle", {"anon": 302, "xa-iatoi": 403, "thamdinh": 403, "quantri": 302}),
    ("POST", "/admin/users/1/password", {"anon": 302, "xa-iatoi": 403, "thamdinh": 403, "quantri": 400}),
    ("POST", "/auth/logout", {"anon": 302, "xa-iatoi": 302, "thamdinh": 302, "quantri": 302}),
    ("GET", "/auth/login", {"anon": 200, "xa-iatoi": 302, "thamdinh": 302, "quantri": 302}),
]

FORM = {
    "/review/1/accept": {"item_id": "1.1", "version": "1"},
    "/review/1/correct": {"input_id": "c1_officer", "value": "co", "reason": "x", "version": "1"},
    "/review/1/transition": {"name": "verify", "version": "1"},
    "/review/1/accept-rest": {"version": "1", "confirmed": "1"},
    "/review/1/proposal-ref": {"proposal_number": "15", "version": "1"},
    "/assessment/1": {"action": "save", "version": "1"},
    "/assessment/new": {"period": "2024"},
}


@pytest.mark.parametrize("method,path,expected", MATRIX, ids=[f"{m} {p}" for m, p, _ in MATRIX])
@pytest.mark.parametrize("role", ROLES)
def test_route_role_matrix(app: Flask, role: str, method: str, path: str, expected: dict[str, int]):
    c = app.test_client()
    if role != "anon":
        assert login(c, role).status_code == 302
    r = c.get(path) if method == "GET" else c.post(path, data=FORM.get(path, {}))
    assert r.status_code == expected[role], r.text[:400]
    if r.status_code == 302 and role == "anon":
        assert "/auth/login" in r.location


def test_officer_cannot_open_another_communes_assessment(app: Flask, officer):
    other = assessment_of(app, "23535")  # Xã Ia Đal
    for url in (f"/assessment/{other.id}", f"/assessment/{other.id}/history"):
        r = officer.get(url)
        assert r.status_code == 404
        assert "Ia Đal" not in r.text and "23535" not in r.text
    r = officer.post(f"/assessment/{other.id}", data={"action": "save", "version": "1", "v_c2_births": "5"})
    assert r.status_code == 404
    r = officer.post(f"/assessment/{other.id}/score", data={"v_c2_births": "5"})
    assert r.status_code == 404
    assert assessment_of(app, "23535").values == {}


def test_missing_assessment_is_404_like_a_foreign_one(officer):
    assert officer.get("/assessment/9999").status_code == 404


def test_reviewer_sees_only_own_district(app: Flask, admin):
    # A commune and its assessment in another district, and a reviewer of that other district.
    r = admin.post(
        "/admin/communes",
        data={
            "code": "99999",
            "name": "Xã Khác",
            "district": "Huyện Khác",
            "province": "Tỉnh Khác",
            "type": "con_lai",
            "region": "dbsh",
        },
    )
    assert r.status_code == 302
    r = admin.post(
        "/admin/users",
        data={
            "username": "xa-khac",
            "full_name": "Cán bộ Xã Khác",
            "role": "commune",
            "commune_id": "4",
            "password": "matkhau123",
        },
    )
    assert r.status_code == 302
    c = app.test_client()
    assert login(c, "xa-khac", "matkhau123").status_code == 302
    r = c.post("/assessment/new", data={"period": "2022"})
    assert r.status_code == 302
    foreign_id = int(r.location.rstrip("/").split("/")[-1])
    reviewer = app.test_client()
    login(reviewer, "thamdinh")
    assert reviewer.get(f"/review/{foreign_id}").status_code == 404
    assert reviewer.get(f"/assessment/{foreign_id}/history").status_code == 404
    assert "Xã Khác" not in reviewer.get("/review/").text
    # and the other commune's officer cannot see Ia H'Drai's
    assert c.get("/assessment/1").status_code == 404


def test_unknown_url_is_404_in_vietnamese(client):
    r = client.get("/khong-co")
    assert r.status_code == 404 and "Không tìm thấy" in r.text
