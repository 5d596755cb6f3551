"""Spreadsheets through the web: the template round trip, every kind of bad cell (nothing saved), rows of
another commune refused, submitted assessments never touched, and the exports parsed back."""

from __future__ import annotations

import csv
import io

import pytest
from flask import Flask
from openpyxl import Workbook, load_workbook

from .conftest import assessment_of, engine_total, example_values, history_of, login
from .district_util import (
    download_template,
    fill,
    reviewer_of_another_district,
    row_of,
    submit,
    upload,
    upload_bytes,
)


def test_officer_template_round_trip_saves_the_draft_and_its_history(app: Flask, officer):
    wb = download_template(officer)
    row = row_of(wb, "23538")  # the own commune is filled in already, with the period
    values = example_values()
    fill(wb, row, values)
    before = assessment_of(app)
    r = upload(officer, wb, name="ia-toi.xlsx")
    assert r.status_code == 200, r.text[:2000]
    assert "Đã lưu: 0 hồ sơ mới, 1 hồ sơ cập nhật" in r.text
    a = assessment_of(app)
    assert a.state == "draft"
    assert a.values == values
    assert a.version == before.version + 1
    assert a.self_total == engine_total(app, values).total
    entries = [e for e in history_of(app, a.id) if e.field.startswith("values.")]
    assert {e.field for e in entries} == {f"values.{k}" for k in values}
    assert all(e.reason == "Nhập từ bảng tính «ia-toi.xlsx»" for e in entries)
    assert all(e.old_value is None for e in entries)

    # The same file again changes nothing and writes no history; a blank cell keeps the stored figure.
    count = len(history_of(app, a.id))
    wb2 = download_template(officer)
    fill(wb2, row_of(wb2, "23538"), {"c3_abused": values["c3_abused"] + 1})
    r = upload(officer, wb2)
    assert r.status_code == 200
    a = assessment_of(app)
    assert a.values == {**values, "c3_abused": values["c3_abused"] + 1}
    new = history_of(app, a.id)[count:]
    assert [(e.field, e.old_value, e.new_value) for e in new] == [
        ("values.c3_abused", str(values["c3_abused"]), str(values["c3_abused"] + 1))]


def test_reviewer_template_lists_the_district_and_creates_missing_drafts(app: Flask, reviewer):
    wb = download_template(reviewer, 2024)
    ws = wb["Tự đánh giá"]
    codes = {ws.cell(r, 1).value for r in range(6, ws.max_row + 1)} - {None}
    assert codes == {"23535", "23537", "23538"}
    fill(wb, row_of(wb, "23535"), {"c3_abused": 0, "c1_officer": True})
    r = upload(reviewer, wb, period=2024)
    assert r.status_code == 200, r.text[:2000]
    assert "3 hồ sơ mới" in r.text
    from sqlalchemy import select

    from webform.db import get_session
    from webform.models import Assessment, Commune

    with app.app_context():
        rows = get_session().execute(select(Commune.code, Assessment.state, Assessment.values)
                                     .join(Commune).where(Assessment.period == 2024)).all()
    assert {(code, state) for code, state, _ in rows} == {("23535", "draft"), ("23537", "draft"),
                                                          ("23538", "draft")}
    assert dict((c, v) for c, _, v in rows)["23535"] == {"c3_abused": 0, "c1_officer": True}


def _bad(wb, key: str, value) -> None:
    fill(wb, row_of(wb, "23538"), {key: value})


BAD_CELLS = [
    ("negative count", "c3_abused", -1, "phải là số nguyên không âm"),
    ("text in a count", "c2_births", "mười", "phải là số nguyên không âm"),
    ("fraction", "c2_births", 2.5, "phải là số nguyên không âm"),
    ("yes/no", "c1_officer", "có lẽ", "phải là Có hoặc Không"),
    ("tier", "commune.type", "Xã loại 9", "loại xã không có trong danh sách"),
    ("region", "commune.region", "Sao Hỏa", "vùng không có trong danh sách"),
    ("wrong year", "period", 2021, "phải là năm 2022"),
    ("year as text", "period", "năm nay", "phải là năm"),
    ("unknown commune", "commune.code", "99999", "không có trong danh mục"),
]


@pytest.mark.parametrize(("kind", "key", "value", "message"), BAD_CELLS, ids=[b[0] for b in BAD_CELLS])
def test_every_bad_cell_is_reported_and_nothing_is_saved(app: Flask, officer, kind, key, value, message):
    wb = download_template(officer)
    fill(wb, row_of(wb, "23538"), example_values())
    _bad(wb, key, value)
    before = assessment_of(app)
    count = len(history_of(app, before.id))
    r = upload(officer, wb)
    assert r.status_code == 400
    assert "Chưa lưu gì" in r.text
    assert message in r.text
    assert "<td>Tự đánh giá</td><td class=\"num\">6</td>" in r.text  # sheet and row
    after = assessment_of(app)
    assert after.values == before.values == {} and after.version == before.version
    assert len(history_of(app, after.id)) == count


def test_part_larger_than_whole_names_its_column(app: Flask, officer):
    wb = download_template(officer)
    values = example_values()
    values["c2_registered_on_time"] = values["c2_births"] + 1
    fill(wb, row_of(wb, "23538"), values)
    r = upload(officer, wb)
    assert r.status_code == 400
    from openpyxl.utils import get_column_letter

    from engine.io.sheets import columns

    cs = app.extensions["cfc_scoring"].for_period(2022)
    letter = get_column_letter([c.key for c in columns(cs)].index("values.c2_registered_on_time") + 1)
    assert f'<td class="num">6</td><td>{letter}</td>' in r.text
    assert assessment_of(app).values == {}


def test_a_good_row_is_not_saved_when_another_row_is_bad(app: Flask, reviewer):
    wb = download_template(reviewer)
    fill(wb, row_of(wb, "23535"), {"c3_abused": 0})
    fill(wb, row_of(wb, "23537"), {"c3_abused": -5})
    r = upload(reviewer, wb)
    assert r.status_code == 400
    assert assessment_of(app, "23535").values == {}
    assert assessment_of(app, "23537").values == {}


def test_duplicate_rows_and_files_that_are_not_templates(app: Flask, officer):
    wb = download_template(officer)
    fill(wb, 7, {"commune.code": "23538", "period": 2022, "c3_abused": 1})
    r = upload(officer, wb)
    assert r.status_code == 400 and "đã có ở dòng 6" in r.text
    r = upload_bytes(officer, b"not a spreadsheet at all")
    assert r.status_code == 400 and "Không đọc được tệp: tệp không phải bảng tính" in r.text
    other = Workbook()
    r = upload(officer, other)
    assert r.status_code == 400 and "Tệp không có trang «Tự đánh giá»" in r.text
    r = officer.post("/district/upload", data={"period": "2022"}, content_type="multipart/form-data")
    assert r.status_code == 400 and "Chưa chọn tệp" in r.text
    assert assessment_of(app).values == {}


def test_a_row_for_another_commune_is_refused(app: Flask, officer):
    wb = download_template(officer)
    fill(wb, row_of(wb, "23538"), {"c3_abused": 0})
    fill(wb, 7, {"commune.code": "23535", "commune.name": "Xã Ia Đal", "period": 2022, "c3_abused": 0})
    r = upload(officer, wb)
    assert r.status_code == 400
    assert "Xã Ia Đal (23535) không thuộc phạm vi tài khoản của bạn" in r.text
    assert assessment_of(app, "23538").values == {}
    assert assessment_of(app, "23535").values == {}


def test_reviewer_of_another_district_cannot_upload_these_communes(app: Flask, reviewer):
    other = reviewer_of_another_district(app)
    wb = download_template(reviewer)
    fill(wb, row_of(wb, "23538"), {"c3_abused": 0})
    r = upload(other, wb)
    assert r.status_code == 400 and "không thuộc phạm vi" in r.text
    assert assessment_of(app).values == {}


def test_submitted_assessment_is_never_touched_and_its_row_is_reported(app: Flask, officer, reviewer):
    values = example_values()
    submit(app, officer, values)
    before = assessment_of(app)
    wb = download_template(reviewer)
    fill(wb, row_of(wb, "23538"), {"c3_abused": values["c3_abused"] + 3})
    fill(wb, row_of(wb, "23535"), {"c3_abused": 0})
    r = upload(reviewer, wb)
    assert r.status_code == 200, r.text[:2000]
    assert ("Xã Ia Tơi — hồ sơ đang ở trạng thái “Đã gửi”: tổ thẩm định chỉ nhập bảng tính cho hồ sơ nháp"
            in r.text)
    after = assessment_of(app)
    assert after.values == before.values and after.version == before.version
    assert assessment_of(app, "23535").values == {"c3_abused": 0}


def test_exports_xlsx_and_csv_parse_back_with_the_state(app: Flask, officer, reviewer):
    values = example_values()
    submit(app, officer, values)
    total = engine_total(app, values).total
    r = reviewer.get("/district/results-2022.xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.data))["Kết quả"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, [c.value for c in row], strict=True)) for row in ws.iter_rows(min_row=2)]
    # Drafts are the communes' work in progress: only the submitted commune is exported.
    assert [(x["Mã xã"], x["Tổng điểm"], x["Trạng thái"]) for x in rows] == [("23538", total, "Đã gửi")]
    r = reviewer.get("/district/results-2022.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    text = r.data.decode("utf-8-sig")
    parsed = list(csv.DictReader(io.StringIO(text)))
    got = [(x["Mã xã"], int(x["Tổng điểm"]), x["Trạng thái"]) for x in parsed]
    assert got == [("23538", total, "Đã gửi")]
    # People read the set's name and the figures' labels, not the codes of the YAML file.
    cs = app.extensions["cfc_scoring"].for_period(2022)
    assert parsed[0]["Bộ tiêu chí"] == cs.name and rows[0]["Bộ tiêu chí"] == cs.name
    assert cs.id not in text


def test_a_year_without_criteria_set_is_a_message_not_a_crash(app: Flask, officer):
    r = officer.get("/district/template.xlsx?period=2001")
    assert r.status_code == 404 and "Chưa có bộ tiêu chí áp dụng cho năm 2001" in r.text
    wb = download_template(officer)
    r = upload(officer, wb, period=2001)
    assert r.status_code == 400 and "Chưa có bộ tiêu chí áp dụng cho năm 2001" in r.text


def test_a_merged_commune_is_not_in_the_template_after_its_merge(app: Flask, reviewer):
    def codes(period: int) -> set[str]:
        ws = download_template(reviewer, period)["Tự đánh giá"]
        return {ws.cell(r, 1).value for r in range(6, ws.max_row + 1)} - {None}

    # The district team of Ia H'Drai: its three communes until the reform; no district after it.
    assert codes(2024) == {"23535", "23537", "23538"}
    assert codes(2026) == set()
    province = app.test_client()
    assert login(province, "thamdinh-qn").status_code == 302

    def codes_qn(period: int) -> set[str]:
        ws = download_template(province, period)["Tự đánh giá"]
        return {ws.cell(r, 1).value for r in range(6, ws.max_row + 1)} - {None}

    now = codes_qn(2026)
    assert {"23535", "23538"} <= now and "23537" not in now and len(now) == 96
