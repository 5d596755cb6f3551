"""The administrator's spreadsheet of units: tier (loại xã), NTM region and the TDMNPB threshold per commune,
set in bulk because the official lists do not carry them. Export, edit in Excel, upload: every cell is
checked, and one bad cell stores nothing (all rows in one transaction, or none).

The tiers and regions are the criteria set's (YAML), never a list in Python.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from engine.cells import neutralise
from engine.io.sheets import NO, YES, CellError

from .models import Commune

SHEET = "Đơn vị"
LEGEND = "Danh mục"
HEADERS = ["Mã xã", "Tên xã", "Tỉnh", "Loại xã", "Vùng nông thôn mới", "Ngưỡng TDMNPB (Có/Không)"]
KEYS = ["code", "name", "province", "type", "region", "ntm_tdmnpb_override"]
ID_ROW, HEADER_ROW, FIRST_ROW = 2, 3, 4
MAX_ROWS = 5000  # the country has 3,321 communes


def _norm(value: Any) -> str:
    return unicodedata.normalize("NFC", str(value)).strip().casefold()


def export_workbook(communes: list[Commune], cs: Any) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.cell(1, 1, "Danh mục đơn vị: loại xã, vùng nông thôn mới, ngưỡng TDMNPB. Chỉ sửa ba cột cuối; "
            "ô để trống giữ nguyên giá trị đang lưu. Xem trang «Danh mục» cho các giá trị hợp lệ.")
    ws.cell(1, 1).font = Font(bold=True)
    for n, key in enumerate(KEYS, start=1):
        ws.cell(ID_ROW, n, key).font = Font(color="888888", size=8)
    for n, header in enumerate(HEADERS, start=1):
        ws.cell(HEADER_ROW, n, header).font = Font(bold=True)
    tiers = {t.id: t.label for t in cs.tiers}
    regions = {r.id: r.label for r in cs.regions}
    locked = PatternFill("solid", fgColor="EEEEEE")
    for r, c in enumerate(communes, start=FIRST_ROW):
        ws.cell(r, 1, c.code).number_format = "@"  # text: Excel keeps the leading zero
        ws.cell(r, 2, neutralise(c.name))
        ws.cell(r, 3, neutralise(c.province))
        for col in (1, 2, 3):
            ws.cell(r, col).fill = locked
        ws.cell(r, 4, tiers.get(c.type, "") if c.type else None)
        ws.cell(r, 5, regions.get(c.region, "") if c.region else None)
        ws.cell(r, 6, YES if c.ntm_tdmnpb_override else NO)
    legend = wb.create_sheet(LEGEND)
    legend.append(["Loại xã (điểm chuẩn)"])
    for t in cs.tiers:
        legend.append([t.label, t.threshold])
    legend.append([])
    legend.append(["Vùng nông thôn mới"])
    for reg in cs.regions:
        legend.append([reg.label])
    last = FIRST_ROW + max(len(communes), 1) - 1
    # Drop-down lists in Excel; the upload checks the same values again (a list can be bypassed by pasting).
    tier_rows = f"'{LEGEND}'!$A$2:$A${1 + len(cs.tiers)}"
    start = 4 + len(cs.tiers)
    region_rows = f"'{LEGEND}'!$A${start}:$A${start + len(cs.regions) - 1}"
    for col, formula in (("D", tier_rows), ("E", region_rows), ("F", f'"{YES},{NO}"')):
        dv = DataValidation(type="list", formula1=formula, allow_blank=True)
        dv.add(f"{col}{FIRST_ROW}:{col}{last}")
        ws.add_data_validation(dv)
    ws.column_dimensions["B"].width = 28
    ws.column_dimensions["C"].width = 22
    ws.column_dimensions["D"].width = 48
    ws.column_dimensions["E"].width = 30
    ws.freeze_panes = ws.cell(FIRST_ROW, 3)
    return wb


@dataclass
class UnitChange:
    commune: Commune
    values: dict[str, Any]


@dataclass
class UnitSheetReport:
    errors: list[CellError] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0


def _text_cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        text = unicodedata.normalize("NFC", value).strip()
        return text or None
    return str(value)


def read_workbook(data: bytes, cs: Any, registry: dict[str, Commune], filename: str | None = None
                  ) -> tuple[list[UnitChange], list[CellError]]:
    """The changes a filled sheet asks for, and every bad cell. `registry`: the communes the administrator
    may set (today's), by code. The file is read like every upload (engine/io/sheetfile.py:
    .xlsx, .xls or .ods, parsed in a bounded child process); a formula cell counts as the value it shows."""
    from engine.io.sheetfile import SheetFileError, read_sheet

    try:
        sheet = read_sheet(data, SHEET, FIRST_ROW - 1 + MAX_ROWS, filename=filename)
    except SheetFileError as exc:
        return [], [CellError("", 0, "", "", exc.message)]
    if sheet.rows is None:
        return [], [CellError("", 0, "", "", f"Tệp không có trang «{SHEET}»: hãy dùng tệp tải từ hệ thống.")]
    if sheet.beyond:
        return [], [CellError(SHEET, 0, "", "", f"Tệp có quá {MAX_ROWS} dòng.")]
    rows = sheet.rows
    if len(rows) < ID_ROW or [str(k) if k is not None else "" for k in rows[ID_ROW - 1][:len(KEYS)]] != KEYS:
        message = "Không tìm thấy dòng mã cột: hãy dùng tệp tải từ hệ thống."
        return [], [CellError(SHEET, ID_ROW, "", "", message)]
    tiers = {_norm(t.label): t.id for t in cs.tiers} | {_norm(t.id): t.id for t in cs.tiers}
    regions = {_norm(r.label): r.id for r in cs.regions} | {_norm(r.id): r.id for r in cs.regions}
    yes_no = {_norm(YES): True, _norm(NO): False}
    errors: list[CellError] = []
    changes: list[UnitChange] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows[FIRST_ROW - 1:], start=FIRST_ROW):
        cells = list(row[:len(KEYS)]) + [None] * (len(KEYS) - len(row[:len(KEYS)]))
        if all(_text_cell(v) is None for v in cells):
            continue

        def bad(col: int, message: str, number: int = number) -> None:
            errors.append(CellError(SHEET, number, "ABCDEF"[col], HEADERS[col], message))

        code_cell = cells[0]
        if isinstance(code_cell, int | float) and not isinstance(code_cell, bool) \
                and float(code_cell).is_integer():
            code = f"{int(code_cell):05d}"  # Excel made the code a number and dropped the leading zero
        else:
            code = _text_cell(code_cell) or ""
        commune = registry.get(code)
        if not code:
            bad(0, "chưa có mã xã")
        elif commune is None:
            bad(0, f"mã xã {code[:20]} không có trong danh mục đơn vị hiện hành")
        elif code in seen:
            bad(0, f"{commune.name} đã có ở dòng {seen[code]}: mỗi xã một dòng")
        values: dict[str, Any] = {}
        see = " (xem trang «Danh mục»)"
        checks = ((3, "type", tiers, "loại xã không có trong danh mục" + see),
                  (4, "region", regions, "vùng không có trong danh mục" + see),
                  (5, "ntm_tdmnpb_override", yes_no, "phải là Có hoặc Không"))
        for col, key, table, message in checks:
            text = _text_cell(cells[col])
            if text is None:
                continue
            found = table.get(_norm(text))
            if found is None:
                bad(col, message)
            else:
                values[key] = found
        if commune is not None and code not in seen:
            seen[code] = number
            changes.append(UnitChange(commune, values))
    if not changes and not errors:
        errors.append(CellError(SHEET, FIRST_ROW, "", "", "Tệp chưa có dòng nào."))
    from engine.io.sheets import capped

    return changes, capped(errors)


def apply_changes(session: Any, changes: list[UnitChange]) -> UnitSheetReport:
    report = UnitSheetReport()
    for change in changes:
        c = change.commune
        diff = {k: v for k, v in change.values.items() if getattr(c, k) != v}
        if not diff:
            report.unchanged += 1
            continue
        for k, v in diff.items():
            setattr(c, k, v)
        report.updated.append(f"{c.name} ({c.code})")
    return report
