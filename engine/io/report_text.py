"""The readable Vietnamese table `cfc score` prints for one commune."""

from __future__ import annotations

import textwrap

from engine.result import Result


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def render_text(result: Result) -> str:
    lines = [
        f"{result.commune_name} ({result.commune}) — năm {result.period} — bộ tiêu chí {result.criteria_set}",
    ]
    if result.file:
        lines.append(f"Tệp: {result.file}")
    if result.provisional_notice:
        lines.append(f"⚠ {result.provisional_notice}")
    lines.append("")
    lines.append(f"{'Mục':<6}{'Nội dung':<58}{'Điểm':>6}{'Tối đa':>8}")
    lines.append("-" * 78)
    items_by_criterion: dict[str, list] = {}
    for item in result.items:
        items_by_criterion.setdefault(item.criterion, []).append(item)
    for crit in result.criteria:
        points = f"{crit.points}" if crit.assessed else "—"
        lines.append(f"{'TC ' + crit.id:<6}{_cut(crit.name, 56):<58}{points:>6}{crit.max:>8}")
        for item in items_by_criterion[crit.id]:
            mark = "" if item.status == "confirmed" else " *"
            points = f"{item.points}" if item.assessed else "—"
            lines.append(f"  {item.id:<6}{_cut(item.text, 54) + mark:<56}{points:>6}{item.max:>8}")
            for part in textwrap.wrap(item.explanation, 68):
                lines.append(f"{'':8}{part}")
    lines.append("-" * 78)
    lines.append(f"Tổng điểm: {result.total}/{result.max_total}")
    lines.append(f"Điểm chuẩn theo loại xã: {result.threshold} ({result.tier_label})")
    lines.append(f"Kết luận: {result.verdict}")
    if result.failed_conditions:
        lines.append("Điều kiện chưa đạt:")
        for text in result.failed_conditions:
            lines.extend(textwrap.wrap(text, 76, initial_indent="  - ", subsequent_indent="    "))
    if result.ntm:
        lines.append("Liên hệ tiêu chí nông thôn mới:")
        for ntm in result.ntm:
            lines.extend(textwrap.wrap(f"{ntm.indicator} — {ntm.status_text}: {ntm.explanation}", 76,
                                       initial_indent="  - ", subsequent_indent="    "))
    if result.provisional_items:
        lines.append("(*) mục tạm tính, chưa đối chiếu với văn bản gốc")
    lines.append("")
    return "\n".join(lines)
