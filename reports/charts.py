"""Charts as inline SVG (no script, no CDN): they work offline, print, and weigh a few kilobytes.

Used by the district overview page; plain functions of numbers and labels, so a PDF can use them too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

GREEN, RED, GREY, INK, RULE = "#2e7d32", "#c62828", "#9e9e9e", "#222", "#bbb"


def share_colour(points: int, maximum: int) -> str:
    """Background for a cell by share of the maximum: red (0) through amber to green (full)."""
    if maximum <= 0:
        return "#eeeeee"
    share = max(0.0, min(1.0, points / maximum))
    # Two straight segments in RGB, light enough for black text on top.
    low, mid, high = (0xF4, 0xB6, 0xB6), (0xFF, 0xE0, 0x9E), (0xB9, 0xE4, 0xB9)
    a, b, t = (low, mid, share * 2) if share < 0.5 else (mid, high, (share - 0.5) * 2)
    r, g, bl = (round(x + (y - x) * t) for x, y in zip(a, b, strict=True))
    return f"#{r:02x}{g:02x}{bl:02x}"


@dataclass(frozen=True)
class TotalBar:
    label: str
    total: int | None  # None: not scored yet
    threshold: int
    recognised: bool | None


def totals_chart(bars: Sequence[TotalBar], maximum: int = 1000, title: str = "Tổng điểm so với điểm chuẩn"
                 ) -> str:
    """Horizontal bars, one per commune, each with its own tier threshold marked."""
    # Sized for a phone (the SVG shrinks to ~360 px there): narrow plot, large type, so labels stay >= 11 px.
    label_w, bar_w, row_h, top = 130, 260, 30, 30
    width, height = label_w + bar_w + 50, top + row_h * len(bars) + 26
    scale = bar_w / maximum
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="2" y="18" font-size="16" font-weight="bold" fill="{INK}">{escape(title)}</text>',
    ]
    for tick in range(0, maximum + 1, maximum // 5 if maximum >= 5 else 1):
        x = label_w + tick * scale
        out.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 20}" stroke="#eee"/>')
        out.append(f'<text x="{x:.1f}" y="{height - 6}" font-size="14" text-anchor="middle" fill="#555">'
                   f"{tick}</text>")
    for index, bar in enumerate(bars):
        y = top + index * row_h
        out.append(f'<text x="{label_w - 6}" y="{y + 19}" font-size="15" text-anchor="end" fill="{INK}">'
                   f"{escape(bar.label)}</text>")
        if bar.total is None:
            out.append(f'<text x="{label_w + 4}" y="{y + 19}" font-size="14" fill="#595959">'
                       "chưa có điểm</text>")
        else:
            colour = GREY if bar.recognised is None else (GREEN if bar.recognised else RED)
            verdict = "" if bar.recognised is None else (" — Đạt" if bar.recognised else " — Không đạt")
            out.append(
                f'<rect x="{label_w}" y="{y + 4}" width="{max(1.0, bar.total * scale):.1f}" '
                f'height="{row_h - 10}" '
                f'fill="{colour}"><title>{escape(bar.label)}: {bar.total}/{maximum} điểm, điểm chuẩn '
                f"{bar.threshold}{verdict}</title></rect>"
            )
            out.append(f'<text x="{label_w + bar.total * scale + 4:.1f}" y="{y + 19}" font-size="14" '
                       f'fill="{INK}">{bar.total}</text>')
        tx = label_w + bar.threshold * scale
        out.append(f'<line x1="{tx:.1f}" y1="{y + 1}" x2="{tx:.1f}" y2="{y + row_h - 3}" stroke="{INK}" '
                   'stroke-width="2" stroke-dasharray="3 2">'
                   f"<title>Điểm chuẩn {bar.threshold}</title></line>")
    out.append("</svg>")
    return "".join(out)


@dataclass(frozen=True)
class ProfileBar:
    criterion: str  # "1".."13"
    name: str
    points: int
    maximum: int
    assessed: bool = True


def profile_chart(bars: Sequence[ProfileBar], title: str) -> str:
    """One commune across the criteria: each bar is the share of that criterion's maximum."""
    # Sized for a phone as the totals chart is; the criterion numbers under the bars stay >= 11 px there.
    left, col_w, plot_h, top = 44, 30, 160, 30
    width, height = left + col_w * len(bars) + 10, top + plot_h + 40
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="2" y="18" font-size="15" font-weight="bold" fill="{INK}">{escape(title)}</text>',
    ]
    for pct in (0, 50, 100):
        y = top + plot_h - plot_h * pct / 100
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 6}" y2="{y:.1f}" stroke="#eee"/>')
        out.append(f'<text x="{left - 4}" y="{y + 5:.1f}" font-size="14" text-anchor="end" fill="#555">'
                   f"{pct}%</text>")
    for index, bar in enumerate(bars):
        x = left + index * col_w + 5
        share = bar.points / bar.maximum if bar.maximum else 0
        h = plot_h * share
        fill = share_colour(bar.points, bar.maximum) if bar.assessed else "#eeeeee"
        state = f"{bar.points}/{bar.maximum} điểm" if bar.assessed else "chưa đánh giá"
        out.append(
            f'<rect x="{x}" y="{top + plot_h - h:.1f}" width="{col_w - 10}" height="{max(h, 1):.1f}" '
            f'fill="{fill}" stroke="{RULE}"><title>Tiêu chí {escape(bar.criterion)}. {escape(bar.name)}: '
            f"{state}</title></rect>"
        )
        out.append(f'<text x="{x + (col_w - 10) / 2:.1f}" y="{top + plot_h + 17}" font-size="14" '
                   f'text-anchor="middle" fill="{INK}">{escape(bar.criterion)}</text>')
    out.append(f'<text x="{left}" y="{height - 4}" font-size="14" fill="#555">Tiêu chí</text>')
    out.append("</svg>")
    return "".join(out)
