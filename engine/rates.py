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


class PercentFormat:
    """format_percent() for one number of places and one comparison, with the comparison's threshold
    scaled once for every number of decimals it may need (Decimal arithmetic per rate cost more than
    the rest of the formatting)."""

    __slots__ = ("places", "holds", "edges", "scales", "units")

    def __init__(self, places: int = 2, claim: tuple[str, Decimal] | None = None) -> None:
        self.places = places
        steps = range(_MAX_EXTRA_DECIMALS + 1)
        self.scales = [100 * 10 ** (places + k) * 2 for k in steps]
        self.units = [10 ** (places + k) for k in steps]
        if claim is None:
            self.holds = None
            self.edges: list[int] = []
        else:
            op, threshold = claim
            self.holds = _HOLDS[op]
            self.edges = [int(threshold * 10 ** (places + k)) for k in steps]

    def __call__(self, numerator: int, denominator: int) -> str:
        twice = 2 * denominator
        scales = self.scales
        shown = (numerator * scales[0] + denominator) // twice
        extra = 0
        holds = self.holds
        if holds is not None:
            edges = self.edges
            while extra < _MAX_EXTRA_DECIMALS and not holds(shown, edges[extra]):
                extra += 1
                shown = (numerator * scales[extra] + denominator) // twice
        # _format_scaled(), inlined: this runs for every rate of every result.
        places = self.places + extra
        whole, frac = divmod(shown, self.units[extra])
        text = str(whole) if whole < 1000 else format_number(whole)
        if places and frac:
            return f"{text},{f'{frac:0{places}d}'.rstrip('0')} %"
        return text + " %"
