"""Issues 9.1–9.3, 11.5, 11.14, 11.16 over HTTP: hostile and foreign spreadsheets uploaded to the web app.
Each refusal says why in Vietnamese, never in English, and stores nothing: the database is byte-for-byte the
same. .ods and .xls files are read like .xlsx. A reviewer's file only takes drafts and never quotes a
draft's stored figures."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import Flask
from openpyxl import load_workbook

from engine.io.sheetfile import MSG_BROKEN, MSG_FORMATS, MSG_TOO_BIG
from engine.io.sheets import FIRST_ROW, ID_ROW, SHEET
from tests.sheet_files import inline_row, minimal_xlsx, ods_bytes, workbook_rows

from .conftest import assessment_of, example_values, form_data
from .district_util import download_template, fill, row_of, submit, upload, upload_bytes
from .hostile_util import db_fingerprint

DATA = Path(__file__).resolve().parents[1] / "data"
ENGLISH = ("File is not", "zip file", "Traceback", "Error:", "Exception", "BadZipFile", "XmlError")


def _refused(app: Flask, r, message: str, before: str) -> None:
    assert r.status_code == 400
    assert message in r.text
    assert not any(word in r.text for word in ENGLISH)
    assert db_fingerprint(app) == before


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"PK\x03\x04 not really a zip", "so-lieu.xlsx", MSG_BROKEN),
    (b"not a zip file", "so-lieu.xlsx", MSG_BROKEN),
    (b"ma_xa,ten\n23538,Ia Toi\n", "so-lieu.csv", MSG_FORMATS),
    (b"%PDF-1.4", "so-lieu.pdf", MSG_FORMATS),
    (b"PK\x03\x04", "so-lieu.docx", MSG_FORMATS),
    (minimal_xlsx(SHEET, inline_row(1, ["x"]) + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'),
     "bom.xlsx", MSG_TOO_BIG),
])
def test_unreadable_files_are_refused_in_vietnamese(app: Flask, officer, data: bytes, name: str,
                                                    message: str):
    before = db_fingerprint(app)
    _refused(app, upload_bytes(officer, data, name=name), message, before)


def test_a_truncated_template(app: Flask, officer):
    wb = download_template(officer)
    buffer = io.BytesIO()
    wb.save(buffer)
    before = db_fingerprint(app)
    _refused(app, upload_bytes(officer, buffer.getvalue()[:-200]), "Không đọc được tệp", before)


def test_hostile_cells_are_listed_and_nothing_is_saved(app: Flask, officer):
    wb = download_template(officer)
    row = row_of(wb, "23538")
    fill(wb, row, {**example_values(), "c2_births": "14.2", "c3_abused": "1 4 2 0", "c9_eligible": "١٢",
                   "c12_play_area": "²"})
    before = db_fingerprint(app)
    r = upload(officer, wb)
    _refused(app, r, "phải là số nguyên không âm", before)
    assert r.text.count("phải là số nguyên không âm") == 3  # c12_play_area is Có/Không
    assert "phải là Có hoặc Không" in r.text


def test_many_bad_rows_give_a_short_page(app: Flask, officer):
    keys = ["commune.code", "period", "values.c2_births", "values.c3_abused"]
    body = inline_row(ID_ROW, keys) + "".join(inline_row(n, ["23538", 2022, "14.2", -1])
                                              for n in range(FIRST_ROW, FIRST_ROW + 4000))
    data = minimal_xlsx(SHEET, body)
    assert len(data) < 256 * 1024
    before = db_fingerprint(app)
    r = upload_bytes(officer, data)
    _refused(app, r, "lỗi khác (chỉ liệt kê 200 lỗi đầu tiên)", before)
    assert len(r.data) < 150_000


def test_an_ods_upload_stores_what_the_xlsx_would(app: Flask, officer):
    wb = download_template(officer)
    fill(wb, row_of(wb, "23538"), example_values())
    r = officer.post("/district/upload", data={"period": "2022", "file": (
        io.BytesIO(ods_bytes({SHEET: workbook_rows(wb, SHEET)})), "so-lieu.ods")},
        content_type="multipart/form-data")
    assert r.status_code == 200, r.text[:2000]
    assert assessment_of(app).values == example_values()


def test_the_libreoffice_xls_fixture_uploads(app: Flask, officer):
    r = officer.post("/district/upload", data={"period": "2022", "file": (
        io.BytesIO((DATA / "filled-2022.xls").read_bytes()), "so-lieu.xls")},
        content_type="multipart/form-data")
    # The fixture holds three communes; the officer may write only the own one: all refused, nothing saved.
    assert r.status_code == 400 and "không thuộc phạm vi tài khoản của bạn" in r.text


def test_the_xls_fixture_uploads_for_the_district(app: Flask, reviewer):
    r = reviewer.post("/district/upload", data={"period": "2022", "file": (
        io.BytesIO((DATA / "filled-2022.xls").read_bytes()), "so-lieu.xls")},
        content_type="multipart/form-data")
    assert r.status_code == 200, r.text[:3000]
    assert assessment_of(app).values == example_values()


def test_a_reviewers_file_does_not_change_a_returned_record(app: Flask, officer, reviewer):
    values = example_values()
    aid = submit(app, officer, values)
    for name, extra in (("start_review", {}), ("return", {"comment": "Xem lại tiêu chí 3"})):
        a = assessment_of(app)
        r = reviewer.post(f"/review/{aid}/transition", data={"name": name, "version": a.version, **extra})
        assert r.status_code == 302
    assert assessment_of(app).state == "returned"
    wb = download_template(reviewer)
    fill(wb, row_of(wb, "23538"), {"c3_abused": values["c3_abused"] + 7})
    before = db_fingerprint(app)
    r = upload(reviewer, wb)
    assert "hồ sơ đang ở trạng thái “Trả lại”: tổ thẩm định chỉ nhập bảng tính cho hồ sơ nháp" in r.text
    assert assessment_of(app).values == values
    assert db_fingerprint(app) == before


def test_a_reviewers_file_never_quotes_a_drafts_figures(app: Flask, officer, reviewer):
    a = assessment_of(app)
    values = example_values()
    values["c2_births"] = 4321
    values["c2_registered_on_time"] = 4300
    assert officer.post(f"/assessment/{a.id}", data=form_data(values, a.version)).status_code == 302
    wb = download_template(reviewer)
    fill(wb, row_of(wb, "23538"), {"c2_births": 17})  # now the stored part (4300) is larger than the whole
    before = db_fingerprint(app)
    r = upload(reviewer, wb)
    assert r.status_code == 400
    assert "mâu thuẫn với số liệu xã đang nhập" in r.text
    for figure in ("4321", "4300", "4.300", "4.321"):
        assert figure not in r.text
    assert db_fingerprint(app) == before
    # The same file from the commune itself names its own figures.
    wb = download_template(officer)
    fill(wb, row_of(wb, "23538"), {"c2_births": 17})
    r = upload(officer, wb)
    assert r.status_code == 400 and "4300" in r.text


def test_a_reviewers_matching_file_does_not_reveal_that_it_matches(app: Flask, officer, reviewer):
    a = assessment_of(app)
    values = example_values()
    assert officer.post(f"/assessment/{a.id}", data=form_data(values, a.version)).status_code == 302
    wb = download_template(reviewer)
    fill(wb, row_of(wb, "23538"), {"c3_abused": values["c3_abused"]})  # a guess equal to the draft
    before = db_fingerprint(app)
    r = upload(reviewer, wb)
    # "không đổi" would tell the district that its guess equals the draft's figure.
    assert r.status_code == 200 and "0 không đổi." in r.text and "Xã Ia Tơi" in r.text.split("Cập nhật:")[1]
    assert db_fingerprint(app) == before  # and nothing was written for it


def test_a_long_text_cell_is_refused(app: Flask, officer):
    wb = download_template(officer)
    fill(wb, row_of(wb, "23538"), {"commune.name": "X" * 5000})
    before = db_fingerprint(app)
    r = upload(officer, wb)
    _refused(app, r, "quá dài (tối đa 120 ký tự)", before)
    assert "X" * 200 not in r.text


def test_the_upload_page_names_the_accepted_formats(officer):
    page = officer.get("/district/upload").text
    assert 'accept=".xlsx,.xls,.ods"' in page and "LibreOffice Calc (.ods)" in page
    r = officer.post("/district/upload", data={"period": "2022"}, content_type="multipart/form-data")
    assert r.status_code == 400 and "Chưa chọn tệp bảng tính (.xlsx, .xls hoặc .ods)" in r.text


def test_template_and_workbook_reader_round_trip_via_openpyxl(app: Flask, officer):
    # The template itself (written by openpyxl) reads back through calamine unchanged.
    wb = download_template(officer)
    buffer = io.BytesIO()
    wb.save(buffer)
    back = load_workbook(io.BytesIO(buffer.getvalue()))
    assert workbook_rows(back, SHEET)[ID_ROW - 1] == workbook_rows(wb, SHEET)[ID_ROW - 1]
