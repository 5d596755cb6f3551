"""Issue 9.2, 9.9, 11.16: hostile and foreign spreadsheet files. One reader (python-calamine) for .xlsx, .xls
and .ods with identical results; files that would exhaust the server are refused with a Vietnamese message
(in a child process with capped memory, so the test process survives them); no English exception text."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from engine.cells import Refused, parse_count
from engine.io.sheetfile import MSG_BROKEN, MSG_FORMATS, MSG_TOO_BIG
from engine.io.sheets import FIRST_ROW, ID_ROW, MAX_ERRORS, MAX_ROWS, SHEET, read_workbook, template_workbook
from tests.sheet_files import inline_row, minimal_xlsx, ods_bytes, replace_sheet_xml, workbook_rows
from tests.test_sheets import _examples, _template_with

DATA = Path(__file__).resolve().parents[1] / "data"
ENGLISH = ("Error", "error", "zip file", "Traceback", "Exception", "invalid", "File is not")


def _no_english(errors) -> None:
    for e in errors:
        assert not any(word in e.message for word in ENGLISH), e.message


@pytest.fixture(scope="module")
def filled(criteria_set, tmp_path_factory) -> Path:
    return _template_with(criteria_set, _examples(), tmp_path_factory.mktemp("filled"))


def _column(path: Path, key: str) -> int:
    ws = load_workbook(path)[SHEET]
    return next(c.column for c in ws[ID_ROW] if c.value == key)


# ---------------------------------------------------------------- formats

def test_ods_gives_the_same_rows_as_xlsx(criteria_set, engine, filled):
    xlsx_rows, xlsx_errors = read_workbook(filled, criteria_set, engine.validate)
    ods = ods_bytes({SHEET: workbook_rows(load_workbook(filled), SHEET)})
    ods_rows, ods_errors = read_workbook(ods, criteria_set, engine.validate, filename="so-lieu.ods")
    assert xlsx_errors == ods_errors == []
    assert [r.document for r in ods_rows] == [r.document for r in xlsx_rows]
    assert [r.document["values"] for r in ods_rows] == [d["values"] for d in _examples()]


def test_xls_fixture_gives_the_same_rows_as_xlsx(criteria_set, engine, filled):
    # tests/data/filled-2022.xls: the same three communes, saved as Excel 97-2003 by LibreOffice.
    xls_rows, xls_errors = read_workbook(DATA / "filled-2022.xls", criteria_set, engine.validate)
    xlsx_rows, _ = read_workbook(filled, criteria_set, engine.validate)
    assert xls_errors == []
    assert [r.document for r in xls_rows] == [r.document for r in xlsx_rows]


def test_ods_fixture_made_by_libreoffice_reads_alike(criteria_set, engine, filled):
    ods_rows, ods_errors = read_workbook(DATA / "filled-2022.ods", criteria_set, engine.validate)
    xlsx_rows, _ = read_workbook(filled, criteria_set, engine.validate)
    assert ods_errors == []
    assert [r.document for r in ods_rows] == [r.document for r in xlsx_rows]


def test_bad_cells_get_the_same_errors_in_every_format(criteria_set, engine, filled, tmp_path):
    wb = load_workbook(filled)
    col = _column(filled, "values.c2_births")
    wb[SHEET].cell(FIRST_ROW, col, "14.2")
    wb[SHEET].cell(FIRST_ROW + 1, col, "١٤٢")
    path = tmp_path / "bad.xlsx"
    wb.save(path)
    _, xlsx_errors = read_workbook(path, criteria_set, engine.validate)
    _, ods_errors = read_workbook(ods_bytes({SHEET: workbook_rows(wb, SHEET)}), criteria_set,
                                  engine.validate, filename="bad.ods")
    assert xlsx_errors == ods_errors
    assert [(e.row, e.message) for e in xlsx_errors] == [(FIRST_ROW, "phải là số nguyên không âm"),
                                                         (FIRST_ROW + 1, "phải là số nguyên không âm")]


@pytest.mark.parametrize("name", ["so-lieu.csv", "so-lieu.docx", "so-lieu.pdf", "so-lieu",
                                  "so-lieu.xlsx.exe"])
def test_other_files_are_told_the_accepted_formats(criteria_set, filled, name):
    rows, errors = read_workbook(filled.read_bytes(), criteria_set, filename=name)
    assert rows == [] and [e.message for e in errors] == [MSG_FORMATS]
    assert ".xlsx" in MSG_FORMATS and ".xls" in MSG_FORMATS and ".ods" in MSG_FORMATS


@pytest.mark.parametrize("data", [b"", b"not a zip file", b"PK\x03\x04garbage", b"%PDF-1.7\n...",
                                  b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600])
def test_files_that_are_not_workbooks(criteria_set, data):
    rows, errors = read_workbook(data, criteria_set, filename="so-lieu.xlsx")
    assert rows == [] and [e.message for e in errors] == [MSG_BROKEN]


def test_a_truncated_workbook(criteria_set, filled):
    data = filled.read_bytes()
    for cut in (len(data) // 2, len(data) - 30, 100):
        rows, errors = read_workbook(data[:cut], criteria_set, filename="so-lieu.xlsx")
        assert rows == [] and [e.message for e in errors] in ([MSG_BROKEN], [MSG_TOO_BIG]), cut
        _no_english(errors)


# ---------------------------------------------------------------- exhaustion

def test_a_far_cell_does_not_take_the_server_down(criteria_set):
    # 1.4 KB naming XFD1048576: calamine would allocate 17 billion cells and abort its process.
    data = minimal_xlsx(SHEET, inline_row(1, ["x"]) + '<row r="1048576"><c r="XFD1048576" t="inlineStr">'
                        "<is><t>y</t></is></c></row>")
    assert len(data) < 2000
    rows, errors = read_workbook(data, criteria_set, filename="bom.xlsx")
    assert rows == [] and [e.message for e in errors] == [MSG_TOO_BIG]


def test_100000_empty_rows_without_dimension(criteria_set, engine, filled):
    # The file of issue 9.2: the real rows, then 100,000 rows of empty cells and no <dimension>.
    empty = "".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t></t></is></c></row>'
                    for n in range(FIRST_ROW + 10, FIRST_ROW + 100_010))
    data = replace_sheet_xml(filled.read_bytes(), "xl/worksheets/sheet1.xml",
                             lambda xml: xml.replace("</sheetData>", empty + "</sheetData>")
                             .replace('<dimension ref="', '<dimensionx ref="'))
    rows, errors = read_workbook(data, criteria_set, engine.validate, filename="so-lieu.xlsx")
    assert errors == []
    assert [r.document["values"] for r in rows] == [d["values"] for d in _examples()]


def test_more_rows_than_a_province_are_refused(criteria_set):
    body = inline_row(ID_ROW, ["commune.code", "values.c2_births"]) + "".join(
        inline_row(n, ["23538", 1]) for n in range(FIRST_ROW, FIRST_ROW + MAX_ROWS + 3))
    rows, errors = read_workbook(minimal_xlsx(SHEET, body), criteria_set, filename="so-lieu.xlsx")
    assert rows == [] and len(errors) == 1
    assert errors[0].message.startswith("Tệp có quá 5.000 dòng số liệu (thêm 3 dòng)")


def test_errors_are_capped_and_counted(criteria_set):
    counts = [f"values.{i.id}" for i in criteria_set.inputs if i.type == "count"]
    keys = ["commune.code", "period"] + counts[:10]
    body = inline_row(ID_ROW, keys) + "".join(
        inline_row(n, ["23538", 2022] + ["14.2"] * 10) for n in range(FIRST_ROW, FIRST_ROW + 1000))
    rows, errors = read_workbook(minimal_xlsx(SHEET, body), criteria_set, filename="so-lieu.xlsx")
    assert len(errors) == MAX_ERRORS + 1
    more = f"{10_000 - MAX_ERRORS:,}".replace(",", ".")
    assert errors[-1].message == f"… và {more} lỗi khác (chỉ liệt kê {MAX_ERRORS} lỗi đầu tiên)."
    assert len(rows) == 1000 and all(r.bad for r in rows)


def test_a_zip_bomb_is_refused_before_it_is_inflated(criteria_set, filled):
    padding = " " * (80 * 1024 * 1024)
    data = replace_sheet_xml(filled.read_bytes(), "xl/worksheets/sheet1.xml",
                             lambda xml: xml.replace("<sheetData>", "<sheetData>" + padding, 1))
    assert len(data) < 1024 * 1024
    rows, errors = read_workbook(data, criteria_set, filename="so-lieu.xlsx")
    assert rows == [] and [e.message for e in errors] == [MSG_TOO_BIG]


def test_xxe_reads_no_local_file(criteria_set, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("23999-SECRET")
    head = (f'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file://{secret}">'
            '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>')
    body = inline_row(ID_ROW, ["commune.code", "commune.name"]) + \
        f'<row r="{FIRST_ROW}"><c r="A{FIRST_ROW}" t="inlineStr"><is><t>&xxe;</t></is></c>' \
        f'<c r="B{FIRST_ROW}" t="inlineStr"><is><t>&b;</t></is></c></row>'
    rows, errors = read_workbook(minimal_xlsx(SHEET, body, head), criteria_set, filename="xxe.xlsx")
    seen = repr([r.document for r in rows]) + repr(errors)
    assert "SECRET" not in seen
    _no_english(errors)


# ---------------------------------------------------------------- Hypothesis: hostile cells in a real file

@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(text=st.one_of(
    st.text(alphabet=st.characters(categories=["Nd", "No", "Zs", "Po", "Sm"]), min_size=1, max_size=8),
    st.from_regex(r"[0-9]{1,4}([ .,][0-9]{1,4}){0,2}", fullmatch=True)))
@example(text="=0")
def test_a_hostile_cell_in_a_real_file(criteria_set, filled, text):
    wb = load_workbook(filled)
    col = _column(filled, "values.c2_births")
    cell = wb[SHEET].cell(FIRST_ROW, col, text)
    cell.data_type = "s"  # typed text, as an office suite stores "=0"; openpyxl would make it a formula
    buffer = io.BytesIO()
    wb.save(buffer)
    rows, errors = read_workbook(buffer.getvalue(), criteria_set, filename="x.xlsx")
    try:
        expected = parse_count(text)
    except Refused as exc:
        assert [(e.row, e.message) for e in errors] == [(FIRST_ROW, exc.short)]
        assert rows[0].bad
        return
    assert errors == []
    got = rows[0].document["values"].get("c2_births")
    assert got == expected


# ---------------------------------------------------------------- exports from cfc batch

def test_cfc_batch_neutralises_formulas_and_writes_a_bom(criteria_set, tmp_path):
    path = _template_with(criteria_set, _examples(), tmp_path)
    wb = load_workbook(path)
    for row, text in ((FIRST_ROW, "=HYPERLINK(\"http://evil\",\"Xã Ia Tơi\")"), (FIRST_ROW + 1, "@SUM(1+1)")):
        cell = wb[SHEET].cell(row, 2)
        cell.value, cell.data_type = text, "s"  # typed as text, as an attacker's office suite stores it
    wb.save(path)
    for suffix in (".csv", ".xlsx"):
        out = tmp_path / f"out{suffix}"
        run = subprocess.run([sys.executable, "-m", "engine", "batch", str(path), "-o", str(out)],
                             capture_output=True, text=True, check=False)
        assert run.returncode in (0, 2), run.stderr
        if suffix == ".csv":
            raw = out.read_bytes()
            assert raw.startswith(b"\xef\xbb\xbf")
            names = [row[1] for row in csv.reader(io.StringIO(raw.decode("utf-8-sig")))][1:]
        else:
            ws = load_workbook(out)["Kết quả"]
            names = [ws.cell(r, 2).value for r in range(2, ws.max_row + 1)]
            assert all(ws.cell(r, 2).data_type == "s" for r in range(2, ws.max_row + 1))
        assert names[:2] == ["'=HYPERLINK(\"http://evil\",\"Xã Ia Tơi\")", "'@SUM(1+1)"]


def test_a_results_workbook_has_no_formula(engine):
    from engine.io.sheets import results_csv, results_workbook, workbook_bytes

    docs = _examples()
    docs[0]["commune"]["name"] = "=1+1"
    results = [engine.score(d) for d in docs]
    data = workbook_bytes(results_workbook(results, [("=evil()", ["-2+3"])]))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in z.read(name).decode("utf-8"), name
    assert "'=1+1" in results_csv(results)


def test_template_download_neutralises_commune_names(criteria_set):
    wb = template_workbook(criteria_set, 2022, [{"code": "23538", "name": "=1+2", "district": "+x"}])
    ws = wb[SHEET]
    assert ws.cell(FIRST_ROW, 2).value == "'=1+2" and ws.cell(FIRST_ROW, 3).value == "'+x"
