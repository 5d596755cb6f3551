"""The administrator's spreadsheet of units: export, edit, upload; every cell checked, nothing stored on any
error."""

from __future__ import annotations

import io

from flask import Flask
from openpyxl import load_workbook

from webform.unit_sheet import FIRST_ROW, SHEET


def _download(admin, province: str = "51"):
    r = admin.get(f"/admin/units.xlsx?province={province}")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    return load_workbook(io.BytesIO(r.data))


def _row(wb, code: str) -> int:
    ws = wb[SHEET]
    return next(r for r in range(FIRST_ROW, ws.max_row + 1) if ws.cell(r, 1).value == code)


def _upload(admin, wb):
    buf = io.BytesIO()
    wb.save(buf)
    return admin.post("/admin/units", data={"file": (io.BytesIO(buf.getvalue()), "don-vi.xlsx")},
                      content_type="multipart/form-data")


def _profile(app: Flask, code: str):
    from webform.units import find_commune

    with app.app_context():
        c = find_commune(code)
        return c.type, c.region, c.flags.get("ntm_tdmnpb_override", False)


def test_export_lists_the_province_in_vietnamese_order_with_the_stored_tiers(app: Flask, admin):
    wb = _download(admin)
    ws = wb[SHEET]
    codes = [ws.cell(r, 1).value for r in range(FIRST_ROW, ws.max_row + 1)]
    assert len(codes) == 96 and "23538" in codes and "23537" not in codes
    cs = app.extensions["cfc_scoring"].for_period(2026)
    tier = {t.id: t.label for t in cs.tiers}["mien_nui_dbkk"]
    assert ws.cell(_row(wb, "23538"), 4).value == tier
    assert ws.cell(_row(wb, "23538"), 3).value == "Tỉnh Quảng Ngãi"
    legend = {row[0] for row in wb["Danh mục"].iter_rows(values_only=True) if row}
    assert legend >= {t.label for t in cs.tiers}


def test_upload_sets_tiers_and_regions_in_bulk(app: Flask, admin):
    cs = app.extensions["cfc_scoring"].for_period(2026)
    wb = _download(admin)
    ws = wb[SHEET]
    other = next(t for t in cs.tiers if t.id != "mien_nui_dbkk")
    for r in range(FIRST_ROW, FIRST_ROW + 10):
        ws.cell(r, 4, other.label)
        ws.cell(r, 5, cs.regions[0].id)  # the id is accepted as well as the label
    code = ws.cell(FIRST_ROW, 1).value
    r = _upload(admin, wb)
    assert r.status_code == 200, r.text[:2000]
    assert "cập nhật 10 xã" in r.text
    assert _profile(app, code)[:2] == (other.id, cs.regions[0].id)
    r = _upload(admin, wb)  # the same file again changes nothing
    assert "cập nhật 0 xã" in r.text


def test_one_bad_cell_stores_nothing_and_every_bad_cell_is_named(app: Flask, admin):
    before = _profile(app, "23538"), _profile(app, "23535")
    wb = _download(admin)
    ws = wb[SHEET]
    cs = app.extensions["cfc_scoring"].for_period(2026)
    ws.cell(_row(wb, "23535"), 4, cs.tiers[0].label)             # a good change...
    ws.cell(_row(wb, "23538"), 4, "Xã loại đặc biệt")            # ... and bad cells
    ws.cell(_row(wb, "23538"), 5, "Tây Bắc Bộ mới")
    ws.cell(_row(wb, "23538"), 6, "Có lẽ")
    ws.cell(ws.max_row + 1, 1, "99999")
    ws.cell(ws.max_row + 1, 1, "23535")
    r = _upload(admin, wb)
    assert r.status_code == 400
    for text in ("Chưa lưu gì: tệp có 5 lỗi", "loại xã không có trong danh mục",
                 "vùng không có trong danh mục", "phải là Có hoặc Không",
                 "mã xã 99999 không có trong danh mục", "mỗi xã một dòng"):
        assert text in r.text, text
    assert (_profile(app, "23538"), _profile(app, "23535")) == before


def test_not_a_workbook_and_roles(app: Flask, admin, reviewer, officer):
    r = admin.post("/admin/units", data={"file": (io.BytesIO(b"not a zip"), "x.xlsx")},
                   content_type="multipart/form-data")
    assert r.status_code == 400 and "unit-errors" in r.text
    r = admin.post("/admin/units", data={}, content_type="multipart/form-data")
    assert r.status_code == 400 and "Chưa chọn tệp" in r.text
    for client in (reviewer, officer):
        assert client.get("/admin/units").status_code == 403
        assert client.get("/admin/units.xlsx").status_code == 403
    assert admin.get("/admin/units").status_code == 200
