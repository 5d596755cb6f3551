"""The administrator's spreadsheet of units: tier (loại xã), NTM region and the commune flags per commune,
set in bulk because the official lists do not carry them. Export, edit in Excel, upload: every cell is
checked, and one bad cell stores nothing (all rows in one transaction, or none).

The tiers and regions are the criteria set's (YAML), the flag columns those the link tables declare
(webform/flags.py), never a list in Python.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from engine.cells import neutralise
from engine.flags import DeclaredFlag
from engine.io.sheets import NO, YES, CellError

from .models import Commune

SHEET = "Đơn vị"
LEGEND = "Danh mục"
HEADERS = ["Mã xã", "Tên xã", "Tỉnh", "Loại xã", "Vùng nông thôn mới"]
KEYS = ["code", "name", "province", "type", "region"]  # then one column per declared commune flag
ID_ROW, HEADER_ROW, FIRST_ROW = 2, 3, 4
MAX_ROWS = 5000  # the country has 3,321 communes


def _norm(value: Any) -> str:
    return unicodedata.normalize("NFC", str(value)).strip().casefold()


def _flag_header(flag: DeclaredFlag) -> str:
    return f"{flag.short} (Có/Không)"


def export_workbook(communes: list[Commune], cs: Any, flags: Sequence[DeclaredFlag] = ()) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    what = ", ".join(["loại xã", "vùng nông thôn mới", *(f.short for f in flags)])
    ws.cell(1, 1, f"Danh mục đơn vị: {what}. Chỉ sửa các cột từ cột D; "
            "ô để trống giữ nguyên giá trị đang lưu. Xem trang «Danh mục» cho các giá trị hợp lệ.")
    ws.cell(1, 1).font = Font(bold=True)
    for n, key in enumerate([*KEYS, *(f.id for f in flags)], start=1):
        ws.cell(ID_ROW, n, key).font = Font(color="888888", size=8)
    for n, header in enumerate([*HEADERS, *(_flag_header(f) for f in flags)], start=1):
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
        stored = c.flags
        for n, flag in enumerate(flags, start=len(KEYS) + 1):
            ws.cell(r, n, YES if stored.get(flag.id) else NO)
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
    lists = [("D", tier_rows), ("E", region_rows)]
    flag_letters = [get_column_letter(n) for n in range(len(KEYS) + 1, len(KEYS) + len(flags) + 1)]
    lists += [(letter, f'"{YES},{NO}"') for letter in flag_letters]
    for col, formula in lists:
        dv = DataValidation(type="list", formula1=formula, allow_blank=True)
        dv.add(f"{col}{FIRST_ROW}:{col}{last}")
        ws.add_data_validation(dv)
    ws.column_dimensions["B"].width = 28
    ws.column_dimensions["C"].width = 22
    ws.column_dimensions["D"].width = 48
    ws.column_dimensions["E"].width = 30
    for letter in flag_letters:
        ws.column_dimensions[letter].width = 24
    ws.freeze_panes = ws.cell(FIRST_ROW, 3)
    return wb


FLAG_KEY = "flag:"  # UnitChange.values key prefix of a commune flag (a column of the Commune otherwise)


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


def read_workbook(data: bytes, cs: Any, registry: dict[str, Commune], filename: str | None = None,
                  flags: Sequence[DeclaredFlag] = ()) -> tuple[list[UnitChange], list[CellError]]:
    """The changes a filled sheet asks for, and every bad cell. `registry`: the communes the administrator
    may set (today's), by code; `flags`: the declared commune flags, whose columns (any of them, in any
    order after the fixed five) the sheet may carry. The file is read like every upload
    (engine/io/sheetfile.py: .xlsx, .xls or .ods, parsed in a bounded child process); a formula cell counts
    as the value it shows."""
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
    ids = [str(k).strip() if k is not None else "" for k in rows[ID_ROW - 1]] if len(rows) >= ID_ROW else []
    if ids[:len(KEYS)] != KEYS:
        message = "Không tìm thấy dòng mã cột: hãy dùng tệp tải từ hệ thống."
        return [], [CellError(SHEET, ID_ROW, "", "", message)]
    by_id = {f.id: f for f in flags}
    flag_cols: list[tuple[int, DeclaredFlag]] = []
    for index, key in enumerate(ids[len(KEYS):], start=len(KEYS)):
        if not key:
            continue
        flag = by_id.get(key)
        if flag is None or any(f.id == key for _, f in flag_cols):
            why = "bị lặp" if flag is not None else "không phải cờ của xã được khai báo trong bảng liên hệ"
            return [], [CellError(SHEET, ID_ROW, get_column_letter(index + 1), key[:60],
                                  f"Cột «{key[:60]}» {why}: hãy dùng tệp tải từ hệ thống.")]
        flag_cols.append((index, flag))
    width = max([len(KEYS), *(index + 1 for index, _ in flag_cols)])
    tiers = {_norm(t.label): t.id for t in cs.tiers} | {_norm(t.id): t.id for t in cs.tiers}
    regions = {_norm(r.label): r.id for r in cs.regions} | {_norm(r.id): r.id for r in cs.regions}
    yes_no = {_norm(YES): True, _norm(NO): False}
    errors: list[CellError] = []
    changes: list[UnitChange] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows[FIRST_ROW - 1:], start=FIRST_ROW):
        cells = list(row[:width]) + [None] * (width - len(row[:width]))
        if all(_text_cell(v) is None for v in cells):
            continue

        def bad(col: int, message: str, number: int = number) -> None:
            header = HEADERS[col] if col < len(HEADERS) else _flag_header(by_id[ids[col]])
            errors.append(CellError(SHEET, number, get_column_letter(col + 1), header, message))

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
        checks = [(3, "type", tiers, "loại xã không có trong danh mục" + see),
                  (4, "region", regions, "vùng không có trong danh mục" + see)]
        checks += [(index, FLAG_KEY + flag.id, yes_no, "phải là Có hoặc Không") for index, flag in flag_cols]
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
        changed = False
        for key, value in change.values.items():
            if key.startswith(FLAG_KEY):
                changed = c.set_flag(key[len(FLAG_KEY):], value) or changed
            elif getattr(c, key) != value:
                setattr(c, key, value)
                changed = True
        if not changed:
            report.unchanged += 1
            continue
        report.updated.append(f"{c.name} ({c.code})")
    return report
