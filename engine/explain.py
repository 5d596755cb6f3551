"""The Vietnamese sentence that says why an item got its points, e.g.
"47/48 = 97,92 % < 98 % → 35/50 điểm". Generic per rule kind; nothing per criterion.

Everything that depends only on the criteria (threshold texts, decimals) is prepared once per item, and
rates are rounded with integer arithmetic: this runs for every item of every assessment scored.
"""

from __future__ import annotations

from decimal import Decimal

from engine import messages as msg
from engine.compile import NONE_BAND
from engine.criteria import Item
from engine.rates import PercentFormat, decimals_of, format_number, format_percent


class ItemExplainer:
    """Says, for one item, which band applies and why."""

    def __init__(self, item: Item) -> None:
        self.item = item
        self.better, self.worse = ("≥", "<") if item.higher_is_better else ("≤", ">")
        unit = " %" if item.is_rate else ""
        self.edges = [
            format_number(b.threshold) + unit if b.threshold is not None else "" for b in item.bands
        ]
        self.places = max([2] + [decimals_of(b.threshold) for b in item.bands if b.threshold is not None])
        self.thresholds = [b.threshold for b in item.bands]
        self.band_texts = [
            "Có" if item.rule == "yes_no" else f"{'≥' if item.higher_is_better else '≤'} {edge}"
            for edge in self.edges
        ]
        # Per band (None: below every band), the part of a count or rate explanation after the figure,
        # " < 98 % → 35/50 điểm", and for rates the comparison the shown figure must agree with: the
        # figure is the only part that changes from one assessment to the next.
        self.tails: dict[int | None, str] = {}
        self.claims: dict[int | None, tuple[str, Decimal] | None] = {}
        self.percents: dict[int | None, PercentFormat] = {}
        if item.rule != "yes_no":
            for band in [None, *range(len(item.bands))]:
                points = 0 if band is None else item.bands[band].points
                op, edge = self.deciding_edge(band)
                self.tails[band] = f" {op} {self.edges[edge]} → {points}/{item.max} điểm"
                threshold = self.thresholds[edge]
                self.claims[band] = (op, threshold) if threshold is not None else None
        self.percents = {band: PercentFormat(self.places, claim) for band, claim in self.claims.items()}

    def band_text(self, band: int | str | None) -> str | None:
        """The band that gave the points, as the criteria table states it."""
        if band is None:
            return None
        if band == NONE_BAND:
            return "Không có trường hợp phải tính"
        return self.band_texts[band]  # type: ignore[index]

    def deciding_edge(self, band: int | str | None) -> tuple[str, int]:
        """The comparison that decided a count or rate item: (operator, index of the band's edge)."""
        if band is None:  # below the lowest band: name the edge it missed
            return self.worse, len(self.item.bands) - 1
        if band == 0:
            return self.better, 0
        # A lower band: name the better band's edge it did not reach, as the guidance tables do.
        return self.worse, band - 1  # type: ignore[operator]

    def rate_text(self, numerator: int, denominator: int, band: int | str | None) -> str | None:
        """'47/48 = 97,92 %', with enough decimals to agree with the comparison printed beside it:
        97,996 % is never shown as '98 %' next to '< 98 %'."""
        if not self.item.is_rate or not denominator:
            return None
        shown = format_percent(numerator, denominator, self.places, self.claims[band])  # type: ignore[index]
        return f"{numerator}/{denominator} = {shown}"

    def rate_explanation(self, numerator: int, denominator: int, band: int | None) -> tuple[str, str]:
        """A rate item's rate text and explanation, when its denominator is not 0: the same texts as
        rate_text() and explain(), built from the prepared tail."""
        rate = f"{numerator}/{denominator} = {self.percents[band](numerator, denominator)}"
        return rate, rate + self.tails[band]

    def explain(self, value: int | bool | None, band: int | str | None, points: int,
                missing_labels: list[str], rate: str | None) -> str:
        """`value` is the yes/no or count compared (None for rate items); `missing_labels` is not empty
        when the item could not be assessed."""
        score = f"{points}/{self.item.max} điểm"
        if missing_labels:
            return "Chưa có số liệu: " + "; ".join(missing_labels) + f" → {msg.NOT_ASSESSED}"
        if self.item.rule == "yes_no":
            return f"{'Có' if value else 'Không'} → {score}"
        if band == NONE_BAND:
            return f"Không có trường hợp phải tính (mẫu số bằng 0) → {score}"
        op, edge = self.deciding_edge(band)
        shown = rate if self.item.is_rate else str(value)
        return f"{shown} {op} {self.edges[edge]} → {score}"
