"""The readable Vietnamese district view `cfc ntm` prints: per NTM indicator, the communes to act on."""

from __future__ import annotations

import textwrap

from engine.ntm.messages import STATUS_TEXT
from engine.ntm.models import IndicatorView


def _wrap(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    # Keep "95 %" on one line: the number and its sign read as one figure.
    glued = text.replace(" %", "\u00a0%")
    return [line.replace("\u00a0", " ") for line in
            textwrap.wrap(glued, width, initial_indent=first, subsequent_indent=rest)]


def render_district_view(view: list[IndicatorView], periods: list[int]) -> str:
    if not view:
        years = ", ".join(str(p) for p in sorted(set(periods))) or "—"
        return f"Không có bảng liên hệ nông thôn mới nào có hiệu lực cho năm đánh giá {years}.\n"
    years = ", ".join(str(p) for p in sorted(set(periods)))
    lines = [f"Liên hệ tiêu chí nông thôn mới — năm {years}", ""]
    for ind in view:
        head = ind.indicator if ind.indicator == ind.text else f"{ind.indicator} — {ind.text}"
        lines.extend(_wrap(head, 78))
        lines.append(f"  {STATUS_TEXT['dat']}: {ind.dat}/{ind.communes} xã")
        for status, entries in ((STATUS_TEXT["chua_dat"], ind.chua_dat),
                                (STATUS_TEXT["can_xem_xet"], ind.can_xem_xet)):
            lines.append(f"  {status}: {len(entries)} xã")
            for e in entries:
                lines.extend(_wrap(f"{e.commune_name} ({e.commune}, {e.period}): {e.explanation}", 78,
                                   "    - ", "      "))
        lines.append("")
    return "\n".join(lines)
