"""Exact rates and their Vietnamese spelling (decimal comma, no float anywhere near a band edge)."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

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


def format_number(value: Decimal | int | Fraction, places: int = 0) -> str:
    """1234.5 -> '1.234,5' (Vietnamese grouping and decimal comma), trailing zeros dropped."""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    text = f"{Decimal(value):,.{places}f}" if places else f"{Decimal(value):,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


def decimals_of(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


_CLAIMS = {
    "≥": lambda a, b: a >= b, "≤": lambda a, b: a <= b, "<": lambda a, b: a < b, ">": lambda a, b: a > b,
}


def round_percent(rate: Fraction, places: int) -> Decimal:
    """The rate in percent, rounded half up to `places` decimals."""
    scaled = rate * 100 * 10**places
    return Decimal(math.floor(scaled + Fraction(1, 2))) / 10**places


def format_percent(rate: Fraction, places: int = 2, claim: tuple[str, Decimal] | None = None) -> str:
    """A rate as '97,92 %'. When a comparison is printed beside it ('< 98 %'), enough decimals are shown
    for the printed numbers to agree with it: 97.996 % is '97,996 %', never '98 %', next to '< 98 %'."""
    shown = round_percent(rate, places)
    if claim is not None:
        op, threshold = claim
        extra = places
        while not _CLAIMS[op](shown, threshold) and extra < places + 6:
            extra += 1
            shown = round_percent(rate, extra)
        places = extra
    return format_number(shown, places) + " %"
