"""Spreadsheets, generated from the criteria YAML: the offline template communes fill in (a row per
commune), reading it back cell by cell, and the results of a period as .xlsx and .csv.

Every commune office uses Excel; the template carries cell validation, and reading it reports every bad cell
by sheet, row and column so nothing is saved from a file with errors.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from engine.assessment import MAX_COUNT
from engine.cells import neutralise, neutralise_row
from engine.criteria import CriteriaSet
from engine.result import Result

SHEET = "Tự đánh giá"
LISTS = "Danh mục"
GUIDE = "Hướng dẫn"
ID_ROW, HEADER_ROW, GROUP_ROW, FIRST_ROW = 5, 4, 3, 6
TEMPLATE_ROWS = 3000  # rows that carry cell validation in a fresh template
YES, NO = "Có", "Không"


@dataclass(frozen=True)
class Column:
    key: str  # "commune.code", "period", "values.c2_births"
    header: str
    kind: str  # text | code | tier | region | yes_no | year | count
    group: str
    help: str = ""


def columns(cs: CriteriaSet) -> list[Column]:
    commune = "Thông tin xã"
    cols = [
        Column("commune.code", "Mã xã (5 chữ số)", "code", commune, "Mã đơn vị hành chính cấp xã"),
        Column("commune.name", "Tên xã", "text", commune),
        Column("commune.district", "Huyện", "text", commune),
        Column("commune.province", "Tỉnh", "text", commune),
        Column("commune.type", "Loại xã", "tier", commune, "Quyết định điểm chuẩn công nhận"),
        Column("commune.region", "Vùng", "region", commune, "Vùng kinh tế - xã hội (ngưỡng nông thôn mới)"),
        Column("commune.ntm_tdmnpb_override", "Xã ĐBKK áp dụng ngưỡng TDMNPB", "yes_no", commune),
        Column("period", "Năm đánh giá", "year", commune),
    ]
    general = "Thông tin chung"
    cols += [Column(f"values.{i.id}", i.label, "count" if i.type == "count" else "yes_no", general, i.help)
             for i in cs.general_inputs]
    for crit in cs.criteria:
        group = f"Tiêu chí {crit.id}. {crit.name}"
        cols += [Column(f"values.{i.id}", i.label, "count" if i.type == "count" else "yes_no", group, i.help)
                 for i in cs.inputs_for_criterion(crit.id)]
    return cols


# ---------------------------------------------------------------- the template

def template_workbook(cs: CriteriaSet, period: int | None = None,
                      communes: Sequence[dict[str, Any]] = ()) -> Workbook:
    """A workbook to fill offline; optional commune rows (code, name, ...) are filled in already."""
    wb = Workbook()
    ws = wb.worksheets[0]  # a new workbook's one (active) sheet
    ws.title = SHEET
    cols = columns(cs)
    bold = Font(bold=True)
    ws.cell(1, 1, "Mẫu tự đánh giá xã, phường, thị trấn phù hợp với trẻ em").font = \
        Font(bold=True, size=13)
    note = ("Mỗi dòng một xã. Chỉ nhập số lượng, không ghi tên hay thông tin của trẻ em. "
            "Ô để trống = chưa có số liệu.")
    if cs.provisional_notice:
        note += f" {cs.provisional_notice}."
    ws.cell(2, 1, note).font = Font(italic=True)

    lists = wb.create_sheet(LISTS)
    lists.append(["Loại xã", "Vùng", "Có/Không"])
    for row, tier in enumerate(cs.tiers, start=2):
        lists.cell(row, 1, tier.label)
    for row, region in enumerate(cs.regions, start=2):
        lists.cell(row, 2, region.label)
    lists.cell(2, 3, YES)
    lists.cell(3, 3, NO)
    lists.sheet_state = "hidden"
    sources = {
        "tier": f"{quote_sheetname(LISTS)}!$A$2:$A${len(cs.tiers) + 1}",
        "region": f"{quote_sheetname(LISTS)}!$B$2:$B${len(cs.regions) + 1}",
        "yes_no": f"{quote_sheetname(LISTS)}!$C$2:$C$3",
    }

    last = FIRST_ROW + TEMPLATE_ROWS - 1
    group_start = 1
    fills = [PatternFill("solid", fgColor="DDEBF7"), PatternFill("solid", fgColor="FFF2CC")]
    for index, col in enumerate(cols, start=1):
        letter = get_column_letter(index)
        header = ws.cell(HEADER_ROW, index, col.header)
        header.font = bold
        header.alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(ID_ROW, index, col.key)
        ws.column_dimensions[letter].width = 14 if col.kind in ("count", "yes_no", "year", "code") else 24
        if index == len(cols) or cols[index].group != col.group:
            ws.cell(GROUP_ROW, group_start, col.group).font = bold
            if index > group_start:
                ws.merge_cells(start_row=GROUP_ROW, start_column=group_start,
                               end_row=GROUP_ROW, end_column=index)
            for c in range(group_start, index + 1):
                ws.cell(GROUP_ROW, c).fill = fills[len(ws.merged_cells.ranges) % 2]
            group_start = index + 1
        validation = _validation(col, sources)
        if validation is not None:
            ws.add_data_validation(validation)
            validation.add(f"{letter}{FIRST_ROW}:{letter}{last}")
        if col.kind == "code":
            for row in range(FIRST_ROW, FIRST_ROW + max(len(communes), 50)):
                ws.cell(row, index).number_format = "@"
    ws.row_dimensions[ID_ROW].hidden = True
    ws.row_dimensions[HEADER_ROW].height = 90
    ws.freeze_panes = ws.cell(FIRST_ROW, 3).coordinate

    by_key = {c.key: i for i, c in enumerate(cols, start=1)}
    tiers = {t.id: t.label for t in cs.tiers}
    regions = {r.id: r.label for r in cs.regions}
    for row, commune in enumerate(communes, start=FIRST_ROW):
        for key, value in commune.items():
            if f"commune.{key}" not in by_key:
                continue
            if key == "type":
                value = tiers.get(value, value)
            elif key == "region":
                value = regions.get(value, value)
            elif key == "ntm_tdmnpb_override":
                value = YES if value else NO
            ws.cell(row, by_key[f"commune.{key}"], neutralise(value))
        if period is not None:
            ws.cell(row, by_key["period"], period)

    guide = wb.create_sheet(GUIDE)
    guide.append(["Cột", "Nội dung", "Hướng dẫn"])
    for cell in guide[1]:
        cell.font = bold
    for index, col in enumerate(cols, start=1):
        guide.append([get_column_letter(index), col.header, col.help])
    guide.column_dimensions["B"].width = 70
    guide.column_dimensions["C"].width = 70
    return wb


def _validation(col: Column, sources: dict[str, str]) -> DataValidation | None:
    common: dict[str, Any] = {"allow_blank": True, "showErrorMessage": True,
                              "errorTitle": "Giá trị không hợp lệ"}
    if col.kind == "count":
        return DataValidation(type="whole", operator="between", formula1="0", formula2=str(MAX_COUNT),
                              error="Nhập số nguyên không âm.", **common)
    if col.kind == "year":
        return DataValidation(type="whole", operator="between", formula1="2000", formula2="2100",
                              error="Nhập năm, ví dụ 2022.", **common)
    if col.kind == "code":
        return DataValidation(type="textLength", operator="equal", formula1="5",
                              error="Mã xã gồm đúng 5 chữ số.", **common)
    if col.kind in sources:
        return DataValidation(type="list", formula1=sources[col.kind], error="Chọn trong danh sách.",
                              **common)
    return None


# ---------------------------------------------------------------- reading a filled template

@dataclass(frozen=True)
class CellError:
    sheet: str
    row: int
    column: str  # the letter, e.g. "J"
    header: str
    message: str
    more: int = 0  # on the "… và N lỗi khác" line: N

    def __str__(self) -> str:
        return f"Trang «{self.sheet}», dòng {self.row}, cột {self.column} ({self.header}): {self.message}"


@dataclass(frozen=True)
class SheetRow:
    sheet: str
    row: int
    document: dict[str, Any]
    bad: bool = False  # the row has errors (listed, or counted in "và N lỗi khác" past MAX_ERRORS)


def _norm(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().casefold()


# A province has a few hundred communes; past this the file is refused rather than read for minutes.
MAX_ROWS = 5000
# Errors listed one by one; the rest are counted ("và N lỗi khác"), so a file of 100,000 bad cells still
# answers with a short page.
MAX_ERRORS = 200


def _file_error(message: str, row: int = 0, sheet: str = "") -> CellError:
    return CellError(sheet, row, "", "", message)


def read_workbook(source: str | Path | IO[bytes] | bytes, cs: CriteriaSet, validate: Any = None,
                  filename: str | None = None) -> tuple[list[SheetRow], list[CellError]]:
    """Every commune row of a filled template (.xlsx, .xls or .ods, read by python-calamine in a bounded
    child process, see engine/io/sheetfile.py), and the bad cells: at most MAX_ERRORS of them, then one line
    "và N lỗi khác"; each row with an error is marked `bad`. `validate(document) -> [FieldError]` (an engine's
    validate) checks what the cells alone cannot (a part larger than its whole, ...). Figures follow the
    form's rules (engine/cells.py). `filename` (an upload's name) is checked for an accepted extension."""
    from engine.io.sheetfile import SheetFileError, read_sheet

    try:
        sheet = read_sheet(source, SHEET, FIRST_ROW - 1 + MAX_ROWS, filename=filename)
    except SheetFileError as exc:
        return [], [_file_error(exc.message)]
    if sheet.rows is None:
        return [], [_file_error(f"Tệp không có trang «{SHEET}»: hãy dùng mẫu tải từ hệ thống.")]
    if sheet.beyond:
        message = (f"Tệp có quá {MAX_ROWS:,} dòng số liệu (thêm {sheet.beyond:,} dòng): hãy chia thành nhiều "
                   "tệp hoặc xóa các dòng thừa.").replace(",", ".")
        return [], [_file_error(message, sheet=SHEET)]
    rows = sheet.rows
    keys = list(rows[ID_ROW - 1]) if len(rows) >= ID_ROW else []
    known = {c.key: c for c in columns(cs)}
    if "commune.code" not in keys:
        message = "Không tìm thấy dòng mã cột: hãy dùng mẫu tải từ hệ thống."
        return [], [CellError(SHEET, ID_ROW, "", "", message)]
    errors: list[CellError] = []
    hidden = 0

    def add(error: CellError) -> None:
        nonlocal hidden
        if len(errors) < MAX_ERRORS:
            errors.append(error)
        else:
            hidden += 1

    layout: list[tuple[int, Column]] = []
    for index, key in enumerate(keys):
        if key is None:
            continue
        col = known.get(str(key))
        if col is None:
            add(CellError(SHEET, ID_ROW, get_column_letter(index + 1), str(key)[:60],
                          f"Cột «{str(key)[:60]}» không có trong bộ tiêu chí đang áp dụng."))
        else:
            layout.append((index, col))
    tiers = {_norm(t.label): t.id for t in cs.tiers} | {t.id: t.id for t in cs.tiers}
    regions = {_norm(r.label): r.id for r in cs.regions} | {r.id: r.id for r in cs.regions}

    out: list[SheetRow] = []
    for row_number, row in enumerate(rows[FIRST_ROW - 1:], start=FIRST_ROW):
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
            continue
        doc: dict[str, Any] = {"commune": {}, "values": {}}
        row_errors: list[CellError] = []
        where: dict[str, str] = {}
        for index, col in layout:
            value = row[index] if index < len(row) else None
            letter = get_column_letter(index + 1)
            where[col.key] = letter
            try:
                parsed = _parse(col, value, tiers, regions)
            except ValueError as exc:
                row_errors.append(CellError(SHEET, row_number, letter, col.header, str(exc)))
                continue
            if parsed is None:
                continue
            if col.key == "period":
                doc["period"] = parsed
            else:
                part, name = col.key.split(".", 1)
                doc[part][name] = parsed
        if not row_errors and validate is not None:
            header_of = {c.key: c.header for _, c in layout}
            for fe in validate(doc):
                letter = where.get(fe.field, "")
                row_errors.append(CellError(SHEET, row_number, letter, header_of.get(fe.field, fe.field),
                                            fe.message))
        for error in row_errors:
            add(error)
        out.append(SheetRow(SHEET, row_number, doc, bad=bool(row_errors)))
    if not out and not errors:
        errors.append(CellError(SHEET, FIRST_ROW, "", "", "Tệp chưa có dòng số liệu nào."))
    if hidden:
        errors.append(_more_line(hidden))
    return out, errors


def _more_line(hidden: int) -> CellError:
    message = f"… và {hidden:,} lỗi khác (chỉ liệt kê {MAX_ERRORS} lỗi đầu tiên).".replace(",", ".")
    return CellError(SHEET, 0, "", "", message, more=hidden)


def capped(errors: Sequence[CellError]) -> list[CellError]:
    """At most MAX_ERRORS errors, then one "… và N lỗi khác" line counting the rest (and any such line already
    there): for callers that add their own errors to those of read_workbook."""
    listed = [e for e in errors if not e.more]
    hidden = sum(e.more for e in errors) + max(0, len(listed) - MAX_ERRORS)
    return listed[:MAX_ERRORS] + ([_more_line(hidden)] if hidden else [])


def _parse(col: Column, value: Any, tiers: dict[str, str], regions: dict[str, str]) -> Any:
    from engine.cells import Refused, parse_cell_count
    from engine.io.sheetfile import DateCell

    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if col.kind == "count" or col.kind == "year":
        try:
            number = parse_cell_count(value)
        except Refused as exc:
            if col.kind == "year":
                raise ValueError("phải là năm, ví dụ 2022") from exc
            raise ValueError(exc.short) from exc
        if col.kind == "year" and number is not None and not 2000 <= number <= 2100:
            raise ValueError("phải là năm, ví dụ 2022")
        return number
    if isinstance(value, DateCell):
        raise ValueError("ô này không được là ngày tháng")
    if col.kind == "yes_no":
        if isinstance(value, bool):
            return value
        text = _norm(str(value))
        if text in (_norm(YES), "true", "x"):
            return True
        if text in (_norm(NO), "false"):
            return False
        raise ValueError("phải là Có hoặc Không")
    if col.kind == "code":
        if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 100000 \
                and float(value).is_integer():
            return f"{int(value):05d}"  # Excel turned the code into a number and dropped its leading zero
        return str(value).strip()[:20]  # the engine checks the code (five digits) with its own message
    if col.kind == "tier":
        found = tiers.get(_norm(str(value)))
        if found is None:
            raise ValueError("loại xã không có trong danh sách")
        return found
    if col.kind == "region":
        found = regions.get(_norm(str(value)))
        if found is None:
            raise ValueError("vùng không có trong danh sách")
        return found
    text = unicodedata.normalize("NFC", str(value)).strip()
    if len(text) > 120:
        raise ValueError("quá dài (tối đa 120 ký tự)")
    return text


# ---------------------------------------------------------------- results out

def result_rows(results: Iterable[Result], states: dict[str, str] | None = None,
                sets: Mapping[str, CriteriaSet] | None = None) -> tuple[list[str], list[list]]:
    """One row per commune: the columns shared by the .xlsx and .csv exports. With `sets` (criteria sets by
    id) the set's name and the missing figures' labels are written instead of their codes (for people)."""
    results = list(results)
    criteria = [(c.id, c.name) for c in results[0].criteria] if results else []
    header = ["Mã xã", "Tên xã", "Năm", "Bộ tiêu chí", "Tổng điểm", "Tối đa", "Điểm chuẩn", "Kết luận"]
    if states is not None:
        header.append("Trạng thái")
    header += [f"TC{cid}" for cid, _ in criteria] + ["Thiếu số liệu", "Điều kiện chưa đạt"]
    rows = []
    for r in results:
        cs = (sets or {}).get(r.criteria_set)
        row = [r.commune, r.commune_name, r.period, cs.name if cs else r.criteria_set, r.total, r.max_total,
               r.threshold, r.verdict]
        if states is not None:
            row.append(states.get(r.commune, ""))
        row += [c.points if c.assessed else None for c in r.criteria]
        missing = [cs.input(m).label for m in r.missing_inputs] if cs else r.missing_inputs
        row += [("; " if cs else ", ").join(missing), "\n".join(r.failed_conditions)]
        rows.append(row)
    return header, rows


def results_workbook(results: Sequence[Result], invalid: Sequence[tuple[str, list[Any]]] = (),
                     states: dict[str, str] | None = None,
                     sets: Mapping[str, CriteriaSet] | None = None) -> Workbook:
    wb = Workbook()
    ws = wb.worksheets[0]  # a new workbook's one (active) sheet
    ws.title = "Kết quả"
    header, rows = result_rows(results, states, sets)
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    green, red = PatternFill("solid", fgColor="C6EFCE"), PatternFill("solid", fgColor="FFC7CE")
    verdict_col = header.index("Kết luận") + 1
    for number, (row, result) in enumerate(zip(rows, results, strict=True), start=2):
        ws.append(neutralise_row(row))
        ws.cell(number, verdict_col).fill = green if result.recognised else red
    ws.freeze_panes = "C2"
    ws.column_dimensions["B"].width = 22
    ws.column_dimensions[get_column_letter(len(header))].width = 60
    if results:
        items = wb.create_sheet("Điểm từng mục")
        items.append(["Mã xã", "Tên xã"] + [i.id for i in results[0].items])
        for r in results:
            items.append(neutralise_row([r.commune, r.commune_name]
                                        + [i.points if i.assessed else None for i in r.items]))
    if invalid:
        bad = wb.create_sheet("Lỗi")
        bad.append(["Nguồn", "Lỗi"])
        for source, problems in invalid:
            bad.append(neutralise_row([source, "\n".join(str(p) for p in problems)]))
        bad.column_dimensions["A"].width = 40
        bad.column_dimensions["B"].width = 100
    return wb


def results_csv(results: Sequence[Result], states: dict[str, str] | None = None,
                sets: Mapping[str, CriteriaSet] | None = None) -> str:
    """The results as CSV text; a cell that would run as a formula is neutralised (engine/cells.py)."""
    header, rows = result_rows(results, states, sets)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(neutralise_row(row) for row in rows)
    return buffer.getvalue()


# A byte-order mark so Excel on Windows reads the Vietnamese letters as UTF-8.
CSV_BOM = "\ufeff"


def results_csv_bytes(results: Sequence[Result], states: dict[str, str] | None = None,
                      sets: Mapping[str, CriteriaSet] | None = None) -> bytes:
    """The CSV file as written by the web export and by `cfc batch`: UTF-8 with a byte-order mark."""
    return (CSV_BOM + results_csv(results, states, sets)).encode("utf-8")


def workbook_bytes(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
