"""Dates as officers type them: dd/mm/yyyy (the Vietnamese way); ISO yyyy-mm-dd is still read."""

from __future__ import annotations

import re
from datetime import date

# ASCII digits only (\d would also take other scripts' digits).
DATE_RE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})|([0-9]{4})-([0-9]{2})-([0-9]{2})")


def parse_day(text: str) -> date | None:
    """The day typed, or None when it is not a real date in either form."""
    m = DATE_RE.fullmatch(text.strip())
    if not m:
        return None
    try:
        if m.group(1):
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        return date(int(m.group(4)), int(m.group(5)), int(m.group(6)))
    except ValueError:
        return None
