"""The administrator: accounts, communes, criteria sets."""

from __future__ import annotations

from flask import Flask

from .conftest import login


def test_admin_page_lists_users_communes_and_criteria_sets(app: Flask, admin):
    page = admin.get("/admin/").text
    # The communes of today: Ia Dom ended on 30/06/2025 (its account is still listed).
    for text in ("xa-iatoi", "xa-iadom", "thamdinh", "quantri", "Xã Ia Tơi", "23538", "Xã Ia Đal"):
        assert text in page
    cs = app.extensions["cfc_scoring"].for_period(2022)
    assert cs.name in page and str(cs.provisional_count) in page
    # Officers read labels and Vietnamese dates, never the codes of the YAML files.
    assert f"<td>{cs.effective_from:%d/%m/%Y}</td>" in page
    assert cs.id not in page and str(cs.effective_from) not in page
    communes = page.split('id="admin-communes"', 1)[1].split("</table>", 1)[0]
    assert "Tây Nguyên" in communes
    assert "Xã, thị trấn thuộc miền núi, hải đảo; xã đặc biệt khó khăn" in communes
    assert "tay_nguyen" not in communes and "mien_nui_dbkk" not in communes


def test_create_user_validates_and_the_new_user_can_log_in(app: Flask, admin):
    r = admin.post("/admin/users", data={"username": "A B", "role": "commune", "password": "ngan"})
    assert r.status_code == 400
    assert (
        "Tên đăng nhập gồm" in r.text and "Mật khẩu tối thiểu 8" in r.text and "Cán bộ xã phải gắn" in r.text
    )
    assert 'value="A B"' in r.text
    r = admin.post(
        "/admin/users", data={"username": "thamdinh2", "role": "reviewer", "password": "matkhau123"}
    )
    assert r.status_code == 400 and "Tổ thẩm định phải gắn" in r.text
    r = admin.post(
        "/admin/users",
        data={
            "username": "thamdinh2",
            "full_name": "Tổ 2",
            "role": "reviewer",
            "unit": "618",  # Huyện Ia H'Drai
            "password": "matkhau123",
        },
    )
    assert r.status_code == 302
    c = app.test_client()
    assert login(c, "thamdinh2", "matkhau123").location.endswith("/review/")
    r = admin.post("/admin/users", data={"username": "thamdinh2", "role": "admin", "password": "matkhau123"})
    assert r.status_code == 400 and "Tên đăng nhập đã có." in r.text


def test_reset_password_too_short_is_refused_on_the_page(app: Flask, admin):
    r = admin.post("/admin/users/1/password", data={"password": "ngan"})
    assert r.status_code == 400 and "mật khẩu tối thiểu 8 ký tự" in r.text
    assert login(app.test_client(), "xa-iatoi", "demo2022").status_code == 302


def test_reset_password_and_cannot_lock_self(app: Flask, admin):
    r = admin.post("/admin/users/1/password", data={"password": "moi-mat-khau"})
    assert r.status_code == 302
    assert login(app.test_client(), "xa-iatoi", "moi-mat-khau").status_code == 302
    assert login(app.test_client(), "xa-iatoi", "demo2022").status_code == 401
    from sqlalchemy import select

    from webform.db import get_session
    from webform.models import User

    with app.app_context():
        me = get_session().scalar(select(User.id).where(User.username == "quantri"))
    r = admin.post(f"/admin/users/{me}/toggle", follow_redirects=True)
    assert "Không thể tự khóa" in r.text
    assert admin.get("/admin/").status_code == 200


def test_create_commune_validates(admin):
    r = admin.post(
        "/admin/communes", data={"code": "12", "name": "", "parent": "", "type": "x", "region": "y"}
    )
    assert r.status_code == 400
    for msg in ("đúng 5 chữ số", "Nhập tên xã.", "Nhập mã tỉnh (2 chữ số)", "Chọn loại xã.", "Chọn vùng."):
        assert msg in r.text
    r = admin.post(
        "/admin/communes",
        data={
            "code": "23538",
            "name": "Trùng",
            "parent": "51",
            "type": "mien_nui_dbkk",
            "region": "tay_nguyen",
        },
    )
    assert r.status_code == 400 and "Mã xã đã có." in r.text
