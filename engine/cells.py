"""The one strict reading of a typed figure: a web form field, a spreadsheet cell, a query parameter.

Every place that turns user input into a whole number calls `parse_count` (or `parse_cell_count` for a
spreadsheet cell, which may also hold a number stored as a number), so a figure means the same thing whether
it was typed on the form or in Excel/LibreOffice. The rules (issue 9.1):

- a number stored as a number: a whole number >= 0 (1420, or 1420.0 as office suites store every number);
- text: ASCII digits only, optionally grouped by thousands with ONE kind of separator the form accepts
  (".", ",", a space or a no-break space), every group after the first exactly three digits:
  "1420", "1.420", "1,420", "1 420" all mean 1420;
- anything else is refused, never "repaired": "14.2" (a decimal), "1 4 2 0" (inner spaces), "١٤٢" or "๑๔๒"
  (other scripts' digits), "²" (superscripts), "-3", "1e3", "0x10", and numbers above `MAX_COUNT`.

`Refused.message` is the Vietnamese sentence to show next to a form field, `Refused.short` the same in a
spreadsheet error list ("Trang …, dòng …, cột …: phải là số nguyên không âm"). Pure functions, no I/O: the
web form (webform/form_values.py), the spreadsheet reader (engine/io/sheets.py) and the units sheets share
them.
"""

from __future__ import annotations

import math
import re
from typing import Any

from engine.assessment import MAX_COUNT

MSG_NOT_WHOLE = "Phải là số nguyên không âm (ví dụ: 0, 12, 1850)."
MSG_TOO_LARGE = f"Số quá lớn (tối đa {MAX_COUNT:,}).".replace(",", ".")
MSG_DATE = "Ô này phải là số, không phải ngày tháng."

# Digits grouped by thousands: one separator kind throughout, groups of three after the first. ASCII only:
# re.ASCII keeps \d from matching Arabic-Indic, Thai or full-width digits.
_GROUPED = re.compile(r"[0-9]{1,3}(?:(?P<sep>[.,\u0020\u00a0\u202f])[0-9]{3})(?:(?P=sep)[0-9]{3})*", re.ASCII)
_PLAIN = re.compile(r"[0-9]+", re.ASCII)
# Longer than this is refused before int() is called, so a 100,000-digit string costs nothing.
_MAX_DIGITS = len(str(MAX_COUNT))


_SHORT = {MSG_NOT_WHOLE: "phải là số nguyên không âm", MSG_TOO_LARGE: MSG_TOO_LARGE[:1].lower()
          + MSG_TOO_LARGE[1:-1], MSG_DATE: "phải là số, không phải ngày tháng"}


class Refused(ValueError):
    """A typed figure that is not a whole number the product accepts: `message` for a form field, `short`
    for a spreadsheet error line."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.short = _SHORT.get(message, message[:1].lower() + message[1:].rstrip("."))


def parse_count(text: str | None, maximum: int = MAX_COUNT) -> int | None:
    """A figure typed as text: None when blank, the whole number, or `Refused` (see the module docstring).

    Surrounding white space is ignored (a trailing space from a copy and paste), inner spaces are not."""
    if text is None:
        return None
    text = text.strip()
    if text == "":
        return None
    if len(text) > 3 * _MAX_DIGITS:  # longer than any accepted figure, separators included
        raise Refused(MSG_TOO_LARGE if _PLAIN.fullmatch(text) else MSG_NOT_WHOLE)
    if _GROUPED.fullmatch(text):
        text = re.sub(r"[^0-9]", "", text)
    elif not _PLAIN.fullmatch(text):
        raise Refused(MSG_NOT_WHOLE)
    if len(text.lstrip("0")) > _MAX_DIGITS:
        raise Refused(MSG_TOO_LARGE)
    number = int(text)
    if number > maximum:
        raise Refused(MSG_TOO_LARGE if maximum == MAX_COUNT else f"Số quá lớn (tối đa {maximum}).")
    return number


def parse_cell_count(value: Any, maximum: int = MAX_COUNT) -> int | None:
    """A spreadsheet cell as read by python-calamine (int, float, str, bool, date/time or None): None when
    blank, the whole number, or `Refused`. A number stored as a number must be whole and >= 0; text follows
    `parse_count`; a boolean or a date in a figure's cell is refused."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise Refused(MSG_NOT_WHOLE)
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise Refused(MSG_NOT_WHOLE)
        if value > maximum:
            raise Refused(MSG_TOO_LARGE)
        number = int(value)
    elif isinstance(value, str):
        return parse_count(value, maximum)
    else:  # date, time, datetime, timedelta: a figure typed into a cell formatted as a date
        raise Refused(MSG_DATE)
    if number < 0:
        raise Refused(MSG_NOT_WHOLE)
    if number > maximum:
        raise Refused(MSG_TOO_LARGE)
    return number


def parse_id(text: str | None, maximum: int = 2**31 - 1) -> int | None:
    """A number in a URL or query string (an id, a year): ASCII digits only and no larger than a database
    integer, else None, so "١٢", "²" or 25 digits give a 404 page instead of an overflow in the database."""
    if not text or len(text) > 10 or not _PLAIN.fullmatch(text):
        return None
    number = int(text)
    return number if number <= maximum else None


# ---------------------------------------------------------------- exports

# OWASP "CSV injection": a cell whose text starts with one of these is read as a formula by Excel,
# LibreOffice and Google Sheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise(value: Any) -> Any:
    """A value for an exported cell (xlsx or CSV): text that a spreadsheet would run as a formula gets a
    leading apostrophe, as OWASP recommends, so it is shown as text; numbers and other values pass as they
    are."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def neutralise_row(row: Any) -> list[Any]:
    return [neutralise(v) for v in row]
