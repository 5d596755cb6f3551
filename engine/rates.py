"""Exact rates and their Vietnamese spelling (decimal comma, no float anywhere near a band edge)."""

from __future__ import annotations

import math
from decimal import Decimal

from engine.criteria import RATE_UNITS


def rate_units(numerator: int, denominator: int, round_up: bool) -> int:
    """The rate in whole RATE_UNITS of a percent, rounded down (or up).

    For a threshold T that is itself a whole number of units, rate ≥ T ⇔ floor(rate) ≥ T and
    rate ≤ T ⇔ ceil(rate) ≤ T, so comparing these integers is exactly comparing the fractions.
    """
    scaled = numerator * 100 * RATE_UNITS
    return -(-scaled // denominator) if round_up else scaled // denominator


def threshold_units(threshold: Decimal) -> int:
    return int(threshold * RATE_UNITS)


def format_number(value: Decimal | int, places: int = 0) -> str:
    """1234.5 -> '1.234,5' (Vietnamese grouping and decimal comma), trailing zeros dropped."""
    text = f"{Decimal(value):,.{places}f}" if places else f"{Decimal(value):,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


def decimals_of(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


_HOLDS = {
    "≥": lambda a, b: a >= b, "≤": lambda a, b: a <= b, "<": lambda a, b: a < b, ">": lambda a, b: a > b,
}
_MAX_EXTRA_DECIMALS = 6


def _scaled_percent(numerator: int, denominator: int, places: int) -> int:
    """numerator/denominator in percent, times 10**places, rounded half up (integers only: this runs for
    every rate of every assessment)."""
    return (numerator * 100 * 10**places * 2 + denominator) // (2 * denominator)


def _format_scaled(value: int, places: int) -> str:
    whole, frac = divmod(value, 10**places)
    text = str(whole) if whole < 1000 else format_number(whole)
    digits = f"{frac:0{places}d}".rstrip("0") if places else ""
    return f"{text},{digits}" if digits else text


def format_percent(numerator: int, denominator: int, places: int = 2,
                   claim: tuple[str, Decimal] | None = None) -> str:
    """A rate as '97,92 %'. When a comparison is printed beside it ('< 98 %'), enough decimals are shown
    for the printed numbers to agree with it: 97.996 % is '97,996 %', never '98 %', next to '< 98 %'."""
    shown = _scaled_percent(numerator, denominator, places)
    if claim is not None:
        op, threshold = claim
        start = places
        while places < start + _MAX_EXTRA_DECIMALS and not _HOLDS[op](shown, int(threshold * 10**places)):
            places += 1
            shown = _scaled_percent(numerator, denominator, places)
    return _format_scaled(shown, places) + " %"


# The figures a formatter remembers as text (one per shown value, e.g. 9792 for "97,92 %"): rates of
# 0–100 % at two decimals are 10,001 values, a few hundred kB at most per formatter.
_TEXTS_MAX = 10_001


class PercentFormat:
    """format_percent() for one number of places and one comparison, with the comparison's threshold
    scaled once for every number of decimals it may need (Decimal arithmetic per rate cost more than
    the rest of the formatting). Integers only: the comparison is one range check on the rounded figure,
    and the text of each rounded figure is written once (this runs for every rate of every result)."""

    __slots__ = ("places", "scales", "units", "bounds", "texts", "scale", "lo", "hi")

    def __init__(self, places: int = 2, claim: tuple[str, Decimal] | None = None) -> None:
        self.places = places
        steps = range(_MAX_EXTRA_DECIMALS + 1)
        self.scales = [100 * 10 ** (places + k) * 2 for k in steps]
        self.units = [10 ** (places + k) for k in steps]
        # Per number of extra decimals, the shown figures that agree with the comparison: lo <= shown <= hi
        # (whole numbers, so "< edge" is "<= edge - 1"). Without a comparison, every figure agrees.
        self.bounds: list[tuple[float, float]] = []
        for k in steps:
            if claim is None:
                self.bounds.append((-math.inf, math.inf))
                continue
            op, threshold = claim
            edge = int(threshold * 10 ** (places + k))
            self.bounds.append({"≥": (edge, math.inf), "≤": (-math.inf, edge), "<": (-math.inf, edge - 1),
                                ">": (edge + 1, math.inf)}[op])
        self.texts: dict[int, str] = {}
        # The common case (no extra decimal), read without indexing.
        self.scale = self.scales[0]
        self.lo, self.hi = self.bounds[0]

    def __call__(self, numerator: int, denominator: int) -> str:
        twice = 2 * denominator
        shown = (numerator * self.scale + denominator) // twice
        if self.lo <= shown <= self.hi:
            text = self.texts.get(shown)
            if text is None:
                text = self._text(shown, 0)
                if len(self.texts) < _TEXTS_MAX:
                    self.texts[shown] = text
            return text
        # The comparison printed beside the figure needs more decimals (rare: a figure next to its edge).
        extra = 0
        while extra < _MAX_EXTRA_DECIMALS:
            extra += 1
            shown = (numerator * self.scales[extra] + denominator) // twice
            lo, hi = self.bounds[extra]
            if lo <= shown <= hi:
                break
        return self._text(shown, extra)

    def _text(self, shown: int, extra: int) -> str:
        return _format_scaled(shown, self.places + extra) + " %"
