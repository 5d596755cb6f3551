"""Exact rates and their Vietnamese spelling (decimal comma, no float anywhere near a band edge)."""

from __future__ import annotations

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
