"""Spreadsheets: template round trip, every kind of bad cell, exports, `cfc batch` on 3,000 communes."""

from __future__ import annotations

import csv
import io
import random
import subprocess
import sys

import pytest
from openpyxl import load_workbook

from engine.io.files import read_assessment
from engine.io.sheets import (
    FIRST_ROW,
    ID_ROW,
    SHEET,
    read_workbook,
    results_csv,
    results_workbook,
    template_workbook,
)
from tests.conftest import EXAMPLES
from tests.strategies import random_assessment

NAMES = ("ia-toi", "ia-dal", "ia-dom")


def _fill(ws, row: int, doc: dict, tiers: dict, regions: dict, keys: dict) -> None:
    """Type a document into a template row as a commune officer would (labels, Có/Không)."""
    for key, value in doc["commune"].items():
        if key == "type":
            value = tiers[value]
        elif key == "region":
            value = regions[value]
        elif isinstance(value, bool):
            value = "Có" if value else "Không"
        ws.cell(row, keys[f"commune.{key}"], value)
    ws.cell(row, keys["period"], doc["period"])
    for key, value in doc["values"].items():
        if isinstance(value, bool):
            value = "Có" if value else "Không"
        ws.cell(row, keys[f"values.{key}"], value)


def _template_with(criteria_set, docs, tmp_path, name="filled.xlsx"):
    wb = template_workbook(criteria_set, 2022)
    ws = wb[SHEET]
    tiers = {t.id: t.label for t in criteria_set.tiers}
    regions = {r.id: r.label for r in criteria_set.regions}
    keys = {cell.value: cell.column for cell in ws[ID_ROW] if cell.value}
    for offset, doc in enumerate(docs):
        _fill(ws, FIRST_ROW + offset, doc, tiers, regions, keys)
    path = tmp_path / name
    wb.save(path)
    return path


def _examples():
    return [read_assessment(EXAMPLES / f"{n}-2022.yaml")[0] for n in NAMES]


def test_template_is_generated_from_the_criteria(criteria_set, tmp_path):
    path = tmp_path / "template.xlsx"
    template_workbook(criteria_set, 2022).save(path)
    wb = load_workbook(path)
    ws = wb[SHEET]
    keys = [c.value for c in ws[ID_ROW] if c.value]
    assert keys[:8] == ["commune.code", "commune.name", "commune.district", "commune.province",
                        "commune.type", "commune.region", "commune.ntm_tdmnpb_override", "period"]
    assert sorted(keys[8:]) == sorted(f"values.{i.id}" for i in criteria_set.inputs)
    headers = [c.value for c in ws[ID_ROW - 1] if c.value]
    assert "Số trẻ em sinh ra trong kỳ được đăng ký khai sinh đúng hạn" in headers
    groups = [c.value for c in ws[ID_ROW - 2] if c.value]
    assert groups[0] == "Thông tin xã" and groups[-1].startswith("Tiêu chí 13.")
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert {"whole", "list", "textLength"} <= kinds
    assert ws.row_dimensions[ID_ROW].hidden
    assert "Kết quả tạm tính" in ws.cell(2, 1).value


def test_round_trip(criteria_set, engine, tmp_path):
    docs = _examples()
    path = _template_with(criteria_set, docs, tmp_path)
    rows, errors = read_workbook(path, criteria_set, engine.validate)
    assert errors == []
    assert [r.row for r in rows] == [FIRST_ROW, FIRST_ROW + 1, FIRST_ROW + 2]
    for row, doc in zip(rows, docs, strict=True):
        assert row.document["values"] == doc["values"]
        assert row.document["commune"] == doc["commune"]
        assert row.document["period"] == 2022
        assert engine.score(row.document).total == engine.score(doc).total


def test_code_typed_as_a_number_keeps_its_leading_zero(criteria_set, engine, tmp_path):
    doc = _examples()[0]
    doc["commune"]["code"] = "01234"
    path = _template_with(criteria_set, [doc], tmp_path)
    wb = load_workbook(path)
    wb[SHEET].cell(FIRST_ROW, 1, 1234)  # Excel turns "01234" into 1234
    wb.save(path)
    rows, errors = read_workbook(path, criteria_set, engine.validate)
    assert errors == [] and rows[0].document["commune"]["code"] == "01234"


BAD_CELLS = [
    ("values.c2_births", "mười hai", "phải là số nguyên không âm"),
    ("values.c2_births", -3, "phải là số nguyên không âm"),
    ("values.c2_births", 12.5, "phải là số nguyên không âm"),
    ("values.c1_officer", "có lẽ", "phải là Có hoặc Không"),
    ("values.c1_officer", 1, "phải là Có hoặc Không"),
    ("commune.type", "Thành phố", "loại xã không có trong danh sách"),
    ("commune.region", "Sao Hỏa", "vùng không có trong danh sách"),
    ("period", "năm ngoái", "phải là năm, ví dụ 2022"),
    ("commune.code", "2353", "Mã xã phải gồm đúng 5 chữ số (mã đơn vị hành chính)."),
    ("values.c2_registered_on_time", 999,
     "«Số trẻ em sinh ra trong kỳ được đăng ký khai sinh đúng hạn» (999) không được lớn hơn "
     "«Số trẻ em sinh ra trong kỳ» (35)."),
]


@pytest.mark.parametrize(("key", "value", "message"), BAD_CELLS, ids=[f"{k}={v}" for k, v, _ in BAD_CELLS])
def test_every_bad_cell_is_reported_by_sheet_row_and_column(criteria_set, engine, tmp_path, key, value,
                                                            message):
    path = _template_with(criteria_set, _examples(), tmp_path)
    wb = load_workbook(path)
    ws = wb[SHEET]
    column = next(c.column_letter for c in ws[ID_ROW] if c.value == key)
    ws[f"{column}{FIRST_ROW + 1}"] = value
    wb.save(path)
    rows, errors = read_workbook(path, criteria_set, engine.validate)
    assert len(errors) == 1
    error = errors[0]
    assert (error.sheet, error.row, error.column) == (SHEET, FIRST_ROW + 1, column)
    assert error.message == message
    assert str(error).startswith(f"Trang «{SHEET}», dòng {FIRST_ROW + 1}, cột {column} (")


def test_several_bad_cells_all_reported(criteria_set, engine, tmp_path):
    path = _template_with(criteria_set, _examples(), tmp_path)
    wb = load_workbook(path)
    ws = wb[SHEET]
    cols = {c.value: c.column_letter for c in ws[ID_ROW] if c.value}
    ws[f"{cols['values.c3_abused']}{FIRST_ROW}"] = "hai"
    ws[f"{cols['values.c12_play_area']}{FIRST_ROW + 2}"] = "?"
    ws[f"{cols['values.c9_eligible']}{FIRST_ROW + 2}"] = -1
    wb.save(path)
    _, errors = read_workbook(path, criteria_set, engine.validate)
    assert [(e.row, e.column) for e in errors] == [
        (FIRST_ROW, cols["values.c3_abused"]),
        (FIRST_ROW + 2, cols["values.c9_eligible"]),
        (FIRST_ROW + 2, cols["values.c12_play_area"]),
    ]


def test_not_a_workbook_or_wrong_sheet(criteria_set, tmp_path):
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a zip file")
    rows, errors = read_workbook(junk, criteria_set)
    assert rows == [] and errors[0].message.startswith("Không đọc được tệp: tệp không phải bảng tính")
    from openpyxl import Workbook

    other = tmp_path / "other.xlsx"
    Workbook().save(other)
    rows, errors = read_workbook(other, criteria_set)
    assert errors[0].message == f"Tệp không có trang «{SHEET}»: hãy dùng mẫu tải từ hệ thống."


def test_exports(engine):
    results = [engine.score(doc) for doc in _examples()]
    rows = list(csv.reader(io.StringIO(results_csv(results))))
    assert rows[0][:8] == ["Mã xã", "Tên xã", "Năm", "Bộ tiêu chí", "Tổng điểm", "Tối đa", "Điểm chuẩn",
                           "Kết luận"]
    assert rows[1][:8] == ["23538", "Xã Ia Tơi", "2022", "qd06-2019", "845", "1000", "800", "Đạt"]
    assert rows[3][4] == "895" and rows[3][7] == "Không đạt"
    wb = results_workbook(results)
    ws = wb["Kết quả"]
    assert [ws.cell(r, 5).value for r in (2, 3, 4)] == [845, 650, 895]
    assert wb["Điểm từng mục"].cell(1, 3).value == "1.1"


def test_exports_for_people_name_the_set_and_the_missing_figures(engine, criteria_set):
    doc = _examples()[0]
    del doc["values"]["c9_checked"]
    result = engine.score(doc)
    rows = list(csv.reader(io.StringIO(results_csv([result], sets={criteria_set.id: criteria_set}))))
    header, row = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert row["Bộ tiêu chí"] == criteria_set.name
    assert row["Thiếu số liệu"] == "Số trẻ em được khám sức khỏe định kỳ"
    assert row["Điều kiện chưa đạt"].startswith("Chưa đạt: ")
    assert "c9_checked" not in rows[1] and criteria_set.id not in rows[1] and len(header) == len(rows[1])


def test_batch_on_3000_communes(criteria_set, tmp_path):
    rng = random.Random(3000)
    docs = [random_assessment(criteria_set, rng, missing=True) for _ in range(3000)]
    docs[17]["values"]["c2_births"] = 5
    docs[17]["values"]["c2_registered_on_time"] = 9  # one bad row: part over whole
    path = _template_with(criteria_set, docs, tmp_path, "district.xlsx")
    out = tmp_path / "results.xlsx"
    run = subprocess.run([sys.executable, "-m", "engine", "batch", str(path), "-o", str(out)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 2, run.stderr
    assert "Đã chấm: 2999 xã" in run.stdout
    assert "Không chấm được: 1." in run.stdout
    assert f"Tự đánh giá!{FIRST_ROW + 17}" in run.stdout
    assert "Đang chấm điểm" in run.stderr  # the progress bar
    wb = load_workbook(out, read_only=True)
    assert wb["Kết quả"].max_row == 3000  # header + 2,999 communes
    assert "không được lớn hơn" in wb["Lỗi"].cell(2, 2).value


def test_batch_on_a_folder(tmp_path):
    for name in NAMES:
        (tmp_path / f"{name}.yaml").write_text((EXAMPLES / f"{name}-2022.yaml").read_text(encoding="utf-8"),
                                               encoding="utf-8")
    out = tmp_path / "r.csv"
    run = subprocess.run([sys.executable, "-m", "engine", "batch", str(tmp_path), "-o", str(out)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "Đã chấm: 3 xã — đạt: 1, không đạt: 2." in run.stdout
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 4
    # Labels for people: the set's name and the missing figures' labels, not their codes.
    header = rows[0]
    by_code = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    names = {r["Bộ tiêu chí"] for r in by_code.values()}
    assert names == {"Tiêu chuẩn xã, phường, thị trấn phù hợp với trẻ em"}
    assert by_code["23537"]["Thiếu số liệu"] == "Số trẻ em được khám sức khỏe định kỳ"
    text = out.read_text(encoding="utf-8")
    assert "qd06-2019" not in text and "c9_checked" not in text
