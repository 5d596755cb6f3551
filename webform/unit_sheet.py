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
from openpyxl.worksheet.worksheet import Worksheet

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
    if not isinstance(ws, Worksheet):  # a new workbook opens on one plain worksheet
        raise TypeError("openpyxl's new workbook has no worksheet")
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
    for letter, formula in lists:
        dv = DataValidation(type="list", formula1=formula, allow_blank=True)
        dv.add(f"{letter}{FIRST_ROW}:{letter}{last}")
        ws.add_data_validation(dv)
    ws.column_dimensions["B"].width = 28
    ws.column_dimensions["C"].width = 22
    ws.column_dimensions["D"].width = 48
    ws.column_dimensions["E"].width = 30
    for letter in flag_letters:
        ws.column_dimensions[letter].width = 24
    ws.freeze_panes = ws.cell(FIRST_ROW, 3).coordinate
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


def _sheet_rows(data: bytes, filename: str | None) -> list[list[Any]] | CellError:
    """The rows of the units sheet, or the one error that stops the whole file."""
    from engine.io.sheetfile import SheetFileError, read_sheet

    try:
        sheet = read_sheet(data, SHEET, FIRST_ROW - 1 + MAX_ROWS, filename=filename)
    except SheetFileError as exc:
        return CellError("", 0, "", "", exc.message)
    if sheet.rows is None:
        return CellError("", 0, "", "", f"Tệp không có trang «{SHEET}»: hãy dùng tệp tải từ hệ thống.")
    if sheet.beyond:
        return CellError(SHEET, 0, "", "", f"Tệp có quá {MAX_ROWS} dòng.")
    return sheet.rows


@dataclass
class _Columns:
    """The sheet's column ids (its hidden row) and the flag columns among them."""

    ids: list[str]
    by_id: dict[str, DeclaredFlag]
    flags: list[tuple[int, DeclaredFlag]]

    @property
    def width(self) -> int:
        return max([len(KEYS), *(index + 1 for index, _ in self.flags)])

    def error(self, number: int, col: int, message: str) -> CellError:
        header = HEADERS[col] if col < len(HEADERS) else _flag_header(self.by_id[self.ids[col]])
        return CellError(SHEET, number, get_column_letter(col + 1), header, message)


def _flag_columns(ids: list[str],
                  by_id: dict[str, DeclaredFlag]) -> list[tuple[int, DeclaredFlag]] | CellError:
    """The flag columns after the fixed five: declared commune flags only, each at most once."""
    flag_cols: list[tuple[int, DeclaredFlag]] = []
    for index, key in enumerate(ids[len(KEYS):], start=len(KEYS)):
        if not key:
            continue
        flag = by_id.get(key)
        if flag is None or any(f.id == key for _, f in flag_cols):
            why = "bị lặp" if flag is not None else "không phải cờ của xã được khai báo trong bảng liên hệ"
            return CellError(SHEET, ID_ROW, get_column_letter(index + 1), key[:60],
                             f"Cột «{key[:60]}» {why}: hãy dùng tệp tải từ hệ thống.")
        flag_cols.append((index, flag))
    return flag_cols


def _columns(rows: list[list[Any]], flags: Sequence[DeclaredFlag]) -> _Columns | CellError:
    """The columns the id row declares (a sheet not exported by the system has none: refused whole)."""
    ids = [str(k).strip() if k is not None else "" for k in rows[ID_ROW - 1]] if len(rows) >= ID_ROW else []
    if ids[:len(KEYS)] != KEYS:
        message = "Không tìm thấy dòng mã cột: hãy dùng tệp tải từ hệ thống."
        return CellError(SHEET, ID_ROW, "", "", message)
    by_id = {f.id: f for f in flags}
    flag_cols = _flag_columns(ids, by_id)
    if isinstance(flag_cols, CellError):
        return flag_cols
    return _Columns(ids, by_id, flag_cols)


Check = tuple[int, str, dict[str, Any], str]  # (column, UnitChange.values key, accepted text -> value, error)


def _checks(cs: Any, columns: _Columns) -> list[Check]:
    """The settable columns: a tier or region by its label or id, a flag as Có/Không (case-insensitive)."""
    tiers = {_norm(t.label): t.id for t in cs.tiers} | {_norm(t.id): t.id for t in cs.tiers}
    regions = {_norm(r.label): r.id for r in cs.regions} | {_norm(r.id): r.id for r in cs.regions}
    yes_no: dict[str, Any] = {_norm(YES): True, _norm(NO): False}
    see = " (xem trang «Danh mục»)"
    checks: list[Check] = [(3, "type", tiers, "loại xã không có trong danh mục" + see),
                           (4, "region", regions, "vùng không có trong danh mục" + see)]
    checks += [(index, FLAG_KEY + flag.id, yes_no, "phải là Có hoặc Không") for index, flag in columns.flags]
    return checks


def _code_of(cell: Any) -> str:
    if isinstance(cell, int | float) and not isinstance(cell, bool) and float(cell).is_integer():
        return f"{int(cell):05d}"  # Excel made the code a number and dropped the leading zero
    return _text_cell(cell) or ""


def _code_problem(code: str, commune: Commune | None, seen: dict[str, int]) -> str | None:
    if not code:
        return "chưa có mã xã"
    if commune is None:
        return f"mã xã {code[:20]} không có trong danh mục đơn vị hiện hành"
    if code in seen:
        return f"{commune.name} đã có ở dòng {seen[code]}: mỗi xã một dòng"
    return None


def _row_values(cells: list[Any], number: int, checks: list[Check], columns: _Columns,
                errors: list[CellError]) -> dict[str, Any]:
    """The values a row sets; an empty cell keeps what is stored, a bad one is an error."""
    values: dict[str, Any] = {}
    for col, key, table, message in checks:
        text = _text_cell(cells[col])
        if text is None:
            continue
        found = table.get(_norm(text))
        if found is None:
            errors.append(columns.error(number, col, message))
        else:
            values[key] = found
    return values


def _read_rows(rows: list[list[Any]], columns: _Columns, checks: list[Check],
               registry: dict[str, Commune]) -> tuple[list[UnitChange], list[CellError]]:
    errors: list[CellError] = []
    changes: list[UnitChange] = []
    seen: dict[str, int] = {}
    width = columns.width
    for number, row in enumerate(rows[FIRST_ROW - 1:], start=FIRST_ROW):
        cells = list(row[:width]) + [None] * (width - len(row[:width]))
        if all(_text_cell(v) is None for v in cells):
            continue
        code = _code_of(cells[0])
        commune = registry.get(code)
        problem = _code_problem(code, commune, seen)
        if problem is not None:
            errors.append(columns.error(number, 0, problem))
        # Checked even when the code is bad, so that one upload lists every bad cell.
        values = _row_values(cells, number, checks, columns, errors)
        if commune is not None and code not in seen:
            seen[code] = number
            changes.append(UnitChange(commune, values))
    return changes, errors


def read_workbook(data: bytes, cs: Any, registry: dict[str, Commune], filename: str | None = None,
                  flags: Sequence[DeclaredFlag] = ()) -> tuple[list[UnitChange], list[CellError]]:
    """The changes a filled sheet asks for, and every bad cell. `registry`: the communes the administrator
    may set (today's), by code; `flags`: the declared commune flags, whose columns (any of them, in any
    order after the fixed five) the sheet may carry. The file is read like every upload
    (engine/io/sheetfile.py: .xlsx, .xls or .ods, parsed in a bounded child process); a formula cell counts
    as the value it shows."""
    rows = _sheet_rows(data, filename)
    if isinstance(rows, CellError):
        return [], [rows]
    columns = _columns(rows, flags)
    if isinstance(columns, CellError):
        return [], [columns]
    changes, errors = _read_rows(rows, columns, _checks(cs, columns), registry)
    if not changes and not errors:
        errors.append(CellError(SHEET, FIRST_ROW, "", "", "Tệp chưa có dòng nào."))
    from engine.io.sheets import capped

    return changes, capped(errors)


def apply_changes(session: Any, changes: list[UnitChange], user_id: int | None = None,
                  reason: str = "") -> UnitSheetReport:
    """Store a checked sheet's changes; a flag that changes goes into the history of the commune's records
    (webform/flags.py:set_flags), with `reason`."""
    from .flags import set_flags

    report = UnitSheetReport()
    for change in changes:
        c = change.commune
        changed = False
        flags = {key[len(FLAG_KEY):]: value for key, value in change.values.items()
                 if key.startswith(FLAG_KEY)}
        for key, value in change.values.items():
            if not key.startswith(FLAG_KEY) and getattr(c, key) != value:
                setattr(c, key, value)
                changed = True
        changed = set_flags(session, c, flags, user_id, reason) or changed
        if not changed:
            report.unchanged += 1
            continue
        report.updated.append(f"{c.name} ({c.code})")
    return report
