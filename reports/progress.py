"""The periodic progress report the district plan asks for (before 05/6 and 05/12): "Báo cáo kết quả thực
hiện xây dựng xã, phường, thị trấn phù hợp với trẻ em — 6 tháng đầu năm YYYY / năm YYYY".

Per commune: the state and totals of the period and of the previous period, and how many are recognised.
The same rows go to the PDF (the reports layout) and to an .xlsx sheet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from engine.cells import neutralise_row
from engine.criteria import CriteriaSet

from . import fonts
from .config import ReportConfig, load_config
from .fmt import nfc, place_date
from .render import _date, _legal, _notice, _number, _render, _reviewing_body, _write
from .views import signer_block, state_label

HALF, YEAR = "half", "year"


@dataclass(frozen=True)
class PeriodFigures:
    """One commune in one period, as the registry holds it (no figure of any child, only totals)."""

    period: int
    state: str | None = None
    self_total: int | None = None
    verified_total: int | None = None
    threshold: int | None = None
    recognised: bool | None = None  # the decision when there is one, else the verified verdict, else None


@dataclass(frozen=True)
class ProgressEntry:
    code: str
    name: str
    current: PeriodFigures | None
    previous: PeriodFigures | None
    note: str = ""  # e.g. a merge: "gồm cả số liệu của Xã Ia Dom trước 01/07/2025"


def progress_title(kind: str, year: int) -> str:
    span = f"6 tháng đầu năm {year}" if kind == HALF else f"năm {year}"
    return f"Báo cáo kết quả thực hiện xây dựng xã, phường, thị trấn phù hợp với trẻ em {span}"


def _recognised_count(entries: Iterable[ProgressEntry], which: str) -> int:
    return sum(1 for e in entries if (f := getattr(e, which)) is not None and f.state == "recognised")


def _cells(f: PeriodFigures | None) -> list[Any]:
    if f is None:
        return ["Chưa có hồ sơ", None, None, None]
    return [state_label(f.state), f.self_total, f.verified_total,
            None if f.recognised is None else ("Đạt" if f.recognised else "Không đạt")]


def progress_rows(entries: Sequence[ProgressEntry]) -> tuple[list[str], list[list[Any]]]:
    header = ["TT", "Mã xã", "Tên xã", "Kỳ này: trạng thái", "Kỳ này: tự đánh giá", "Kỳ này: thẩm định",
              "Kỳ này: kết quả", "Kỳ trước: năm", "Kỳ trước: trạng thái", "Kỳ trước: tự đánh giá",
              "Kỳ trước: thẩm định", "Kỳ trước: kết quả", "Ghi chú"]
    rows = []
    for n, e in enumerate(entries, start=1):
        prev = _cells(e.previous)
        rows.append([n, e.code, nfc(e.name), *_cells(e.current),
                     e.previous.period if e.previous else None, *prev, nfc(e.note)])
    return header, rows


def render_progress_report(
    entries: Sequence[ProgressEntry],
    config: ReportConfig | str | Path | None = None,
    *,
    kind: str,
    year: int,
    previous_period: int | None = None,
    criteria_set: CriteriaSet | None = None,
    document_date: dt.date | str | None = None,
    number: str | int | None = None,
) -> bytes:
    """The six-monthly (kind="half") or yearly (kind="year") progress report as PDF bytes."""
    if kind not in (HALF, YEAR):
        raise ValueError(f"kind must be {HALF!r} or {YEAR!r}")
    fonts.check_fonts()
    cfg = config if isinstance(config, ReportConfig) else load_config(config)
    rb = cfg.reviewing_body
    basis, legal_short = _legal(criteria_set, cfg)
    title = progress_title(kind, year)
    ctx = {
        "title_text": title,
        "summary": "K" + title.removeprefix("Báo cáo k"),  # the type line says "Báo cáo"
        "year": year,
        "span": "6 tháng đầu năm" if kind == HALF else "năm",
        "previous_period": previous_period,
        "entries": entries,
        "stats": {
            "count": len(entries),
            "recognised": _recognised_count(entries, "current"),
            "recognised_previous": _recognised_count(entries, "previous"),
            "no_file": sum(1 for e in entries if e.current is None),
        },
        "body": _reviewing_body(cfg),
        "number": _number(number, "BC", rb.abbrev),
        "place_date": place_date(rb.place, _date(document_date)),
        "addressee": nfc(cfg.recognising_authority.body),
        "reviewing_full": nfc(rb.full_name),
        "legal_basis": basis,
        "legal_short": legal_short,
        "recipients": [nfc(r) for r in cfg.recipients.summary],
        "signer": signer_block(rb.signer.authority, rb.signer.title, rb.signer.name),
        "state_label": state_label,
    }
    doc = _render("progress.html", ctx, _notice(criteria_set), cfg.demo, title)
    return _write([doc], title, author=nfc(rb.full_name), subject=title)


def progress_workbook(entries: Sequence[ProgressEntry], *, kind: str, year: int) -> Workbook:
    wb = Workbook()
    ws = wb.worksheets[0]  # a new workbook's one (active) sheet
    ws.title = "Báo cáo"
    ws.append([progress_title(kind, year)])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([f"Số xã: {len(entries)}; đã công nhận kỳ này: {_recognised_count(entries, 'current')}; "
               f"kỳ trước: {_recognised_count(entries, 'previous')}."])
    header, rows = progress_rows(entries)
    ws.append(header)
    for cell in ws[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        ws.append(neutralise_row(row))  # a commune name starting with "=" stays text (OWASP)
    ws.column_dimensions["C"].width = 22
    ws.column_dimensions["M"].width = 50
    ws.freeze_panes = "D4"
    return wb
