"""The Vietnamese sentence that says why an item got its points, e.g.
"47/48 = 97,92 % < 98 % → 35/50 điểm". Generic per rule kind; nothing per criterion."""

from __future__ import annotations

from fractions import Fraction

from engine import messages as msg
from engine.compile import NONE_BAND, ItemInput
from engine.criteria import Item
from engine.rates import decimals_of, format_number, format_percent


def _threshold_text(item: Item, index: int) -> str:
    threshold = item.bands[index].threshold
    assert threshold is not None
    return format_number(threshold) + (" %" if item.is_rate else "")


def band_text(item: Item, band: int | str | None) -> str | None:
    """The band that gave the points, as the criteria table states it."""
    if band is None:
        return None
    if band == NONE_BAND:
        return "Không có trường hợp phải tính"
    assert isinstance(band, int)
    if item.rule == "yes_no":
        return "Có"
    sign = "≥" if item.higher_is_better else "≤"
    return f"{sign} {_threshold_text(item, band)}"


def rate_text(item: Item, got: ItemInput, claim: tuple[str, int] | None = None) -> str | None:
    """'47/48 = 97,92 %'; with a claim (op, band index) the digits agree with that comparison."""
    if not item.is_rate or not got.denominator:
        return None
    places = max([2] + [decimals_of(b.threshold) for b in item.bands if b.threshold is not None])
    rate = Fraction(got.numerator, got.denominator)
    shown_claim = None
    if claim is not None:
        threshold = item.bands[claim[1]].threshold
        assert threshold is not None
        shown_claim = (claim[0], threshold)
    return f"{got.numerator}/{got.denominator} = {format_percent(rate, places, shown_claim)}"


def deciding_edge(item: Item, band: int | str | None) -> tuple[str, int]:
    """The comparison that decided a count or rate item: (operator, index of the band whose edge it is)."""
    better, worse = ("≥", "<") if item.higher_is_better else ("≤", ">")
    if band is None:  # below the lowest band: name the edge it missed
        return worse, len(item.bands) - 1
    assert isinstance(band, int)
    if band == 0:
        return better, 0
    # A lower band: name the better band's edge it did not reach, as the guidance tables do.
    return worse, band - 1


def explain(item: Item, got: ItemInput | None, band: int | str | None, points: int,
            missing_labels: list[str]) -> str:
    score = f"{points}/{item.max} điểm"
    if got is None:
        return "Chưa có số liệu: " + "; ".join(missing_labels) + f" → {msg.NOT_ASSESSED}"
    if item.rule == "yes_no":
        return f"{'Có' if got.value else 'Không'} → {score}"
    if band == NONE_BAND:
        return f"Không có trường hợp phải tính (mẫu số bằng 0) → {score}"
    op, edge = deciding_edge(item, band)
    shown = rate_text(item, got, (op, edge)) if item.is_rate else str(got.value)
    return f"{shown} {op} {_threshold_text(item, edge)} → {score}"
