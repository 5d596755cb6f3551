"""Formatting rules of Vietnamese administrative documents (Nghị định 30/2020/NĐ-CP, Phụ lục I; the rules used
are in docs/reference/workflow-and-documents.md)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal
from fractions import Fraction


def nfc(text: object) -> str:
    """Every string that reaches a PDF is Unicode NFC."""
    return unicodedata.normalize("NFC", "" if text is None else str(text))


def vn_day(day: int) -> str:
    """Days below 10 take a leading zero: 05, 09, 10, 25."""
    return f"{day:02d}"


def vn_month(month: int) -> str:
    """Only the months 1 and 2 take a leading zero: 01, 02, 3, ..., 12."""
    return f"{month:02d}" if month in (1, 2) else str(month)


def vn_date(date: dt.date) -> str:
    """'ngày 05 tháng 02 năm 2022', 'ngày 09 tháng 3 năm 2022'."""
    return f"ngày {vn_day(date.day)} tháng {vn_month(date.month)} năm {date.year}"


def place_date(place: str, date: dt.date) -> str:
    """The italic line under the Tiêu ngữ: 'Ia Tơi, ngày 25 tháng 11 năm 2022'."""
    return nfc(f"{place}, {vn_date(date)}")


def vn_number(value: object) -> str:
    """Vietnamese number format: thousands with '.', decimals with ','. None -> '—'."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, Fraction | Decimal | float):
        number = Decimal(str(float(value))) if isinstance(value, Fraction) else Decimal(str(value))
        if number == number.to_integral_value():
            value = int(number)
        else:
            text = f"{number.normalize():f}"
            whole, _, frac = text.partition(".")
            return f"{int(whole):,}".replace(",", ".") + "," + frac
    if isinstance(value, int):
        sign = "-" if value < 0 else ""
        return sign + f"{abs(value):,}".replace(",", ".")
    return nfc(value)


def parse_date(value: object) -> dt.date | None:
    """A date from YAML (date object) or an ISO string; None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip())
