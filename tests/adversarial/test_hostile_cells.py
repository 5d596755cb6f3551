"""Issue 9.1: a figure typed on the form or in a spreadsheet cell is read by one strict parser
(engine/cells.py), or refused with a Vietnamese message; never repaired into another number."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.assessment import MAX_COUNT
from engine.cells import (
    MSG_DATE,
    MSG_NOT_WHOLE,
    MSG_TOO_LARGE,
    Refused,
    neutralise,
    parse_cell_count,
    parse_count,
    parse_id,
)

ACCEPTED = [("1420", 1420), ("1.420", 1420), ("1,420", 1420), ("1 420", 1420), ("1\u00a0420", 1420),
            ("1\u202f420", 1420), (" 42 ", 42), ("0", 0), ("007", 7), ("10.000.000", MAX_COUNT),
            ("1.234.567", 1234567), ("", None), ("   ", None)]
REFUSED = [
    ("14.2", MSG_NOT_WHOLE), ("1 4 2 0", MSG_NOT_WHOLE), ("14,2", MSG_NOT_WHOLE), ("1.420,5", MSG_NOT_WHOLE),
    ("1.420,000", MSG_NOT_WHOLE), ("1..420", MSG_NOT_WHOLE), (".420", MSG_NOT_WHOLE), ("1.42", MSG_NOT_WHOLE),
    ("١٤٢", MSG_NOT_WHOLE), ("๑๔๒", MSG_NOT_WHOLE), ("１２", MSG_NOT_WHOLE), ("²", MSG_NOT_WHOLE),
    ("1²", MSG_NOT_WHOLE), ("-3", MSG_NOT_WHOLE), ("+3", MSG_NOT_WHOLE), ("1e3", MSG_NOT_WHOLE),
    ("0x10", MSG_NOT_WHOLE), ("12\t000", MSG_NOT_WHOLE), ("1_000", MSG_NOT_WHOLE), ("mười", MSG_NOT_WHOLE),
    ("10.000.001", MSG_TOO_LARGE), ("99999999", MSG_TOO_LARGE), ("9" * 25, MSG_TOO_LARGE),
    ("9" * 100_000, MSG_TOO_LARGE), ("=1+1", MSG_NOT_WHOLE),
]


@pytest.mark.parametrize(("text", "value"), ACCEPTED)
def test_what_the_form_accepts(text, value):
    assert parse_count(text) == value


@pytest.mark.parametrize(("text", "message"), REFUSED)
def test_what_is_refused_and_why(text, message):
    with pytest.raises(Refused) as caught:
        parse_count(text)
    assert caught.value.message == message


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=30))
def test_any_text_is_read_exactly_or_refused(text):
    try:
        value = parse_count(text)
    except Refused as exc:
        assert exc.message in (MSG_NOT_WHOLE, MSG_TOO_LARGE)
        return
    if value is None:
        assert text.strip() == ""
        return
    stripped = text.strip()
    # Only ASCII digits and one kind of thousands separator, and the number is exactly those digits.
    assert set(stripped) <= set("0123456789., \u00a0\u202f")
    assert int(re.sub(r"[^0-9]", "", stripped)) == value
    assert 0 <= value <= MAX_COUNT


@given(st.text(alphabet=st.characters(categories=["Nd", "No"]), min_size=1, max_size=8)
       .filter(lambda t: not t.isascii()))
def test_other_scripts_digits_and_superscripts_are_refused(text):
    with pytest.raises(Refused):
        parse_count(text)


@given(st.integers(min_value=0, max_value=MAX_COUNT), st.sampled_from([".", ",", " ", "\u00a0"]))
def test_every_whole_number_with_thousands_separators_is_itself(number, sep):
    grouped = f"{number:,}".replace(",", sep)
    assert parse_count(grouped) == number == parse_count(str(number))
    assert parse_cell_count(float(number)) == number == parse_cell_count(number)


@given(st.floats(allow_nan=True, allow_infinity=True).filter(
    lambda f: not (f == f and abs(f) != float("inf") and f.is_integer() and 0 <= f <= MAX_COUNT)))
def test_a_number_cell_must_be_a_whole_number_in_range(value):
    with pytest.raises(Refused):
        parse_cell_count(value)


@pytest.mark.parametrize("value", [True, False, dt.date(2022, 1, 3), dt.datetime(2022, 1, 3, 8),
                                   dt.time(8, 30), dt.timedelta(days=2), -1, MAX_COUNT + 1, 10**30])
def test_cells_that_are_not_figures(value):
    with pytest.raises(Refused) as caught:
        parse_cell_count(value)
    assert caught.value.message in (MSG_NOT_WHOLE, MSG_TOO_LARGE, MSG_DATE)
    assert caught.value.short and caught.value.short[0].islower()


@pytest.mark.parametrize(("text", "value"), [("12", 12), ("2022", 2022), ("١٢", None), ("²", None),
                                             ("9" * 25, None), ("-1", None), ("", None), ("1e3", None),
                                             ("4294967296", None), ("2147483647", 2147483647)])
def test_ids_in_urls(text, value):
    assert parse_id(text) == value


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "\n=1", "＝1",
                                  "=HYPERLINK(\"http://x\",\"y\")", "=cmd|' /C calc'!A0"])
def test_formula_text_is_neutralised(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["Xã Ia Tơi", "", 12, -3, None, 1.5, "a=b"])
def test_other_values_pass_unchanged(value):
    assert neutralise(value) == value


def test_the_form_uses_the_same_parser():
    from types import SimpleNamespace

    from webform.form_values import parse_value

    count = SimpleNamespace(type="count")
    for text, value in ACCEPTED:
        assert parse_value(count, text) == (value, None)
    for text, message in REFUSED:
        assert parse_value(count, text) == (None, message), text
    assert unicodedata.is_normalized("NFC", MSG_NOT_WHOLE + MSG_TOO_LARGE + MSG_DATE)
