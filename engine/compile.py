"""Turns a criteria set into rules (one rule per band) and an assessment into the fact they judge.

Nothing here knows any particular criterion: every item is compiled by its rule kind alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from engine.criteria import CriteriaSet, Item
from engine.rates import rate_units, threshold_units
from engine.rules import Comparison

NONE_BAND = "none"  # the rule a rate item fires when its denominator is 0


def fact_field(item: Item) -> str:
    # Dots would be read as nested fields by the rule engine.
    return "i" + item.id.replace(".", "_")


def rule_name(item: Item, band: int | str) -> str:
    return f"{item.id}#{band}"


def parse_rule_name(name: str) -> tuple[str, int | str]:
    item_id, band = name.split("#")
    return item_id, (band if band == NONE_BAND else int(band))


def _band_value(item: Item, index: int) -> int | bool:
    band = item.bands[index]
    if item.rule == "yes_no":
        return bool(band.when)
    assert band.threshold is not None
    return threshold_units(band.threshold) if item.is_rate else int(band.threshold)


def compile_rules(cs: CriteriaSet) -> dict[str, list[Comparison]]:
    """Bands are tried from the best down and the first that holds wins; as rules, band k holds when its
    own bound holds and the bound of band k-1 does not, so at most one rule fires per item."""
    rules: dict[str, list[Comparison]] = {}
    for item in cs.items:
        field = fact_field(item)
        if item.rule == "yes_no":
            rules[rule_name(item, 0)] = [Comparison(field, "==", True)]
            continue
        better, worse = (">=", "<") if item.higher_is_better else ("<=", ">")
        for index in range(len(item.bands)):
            terms = [Comparison(field, better, _band_value(item, index))]
            if index:
                terms.append(Comparison(field, worse, _band_value(item, index - 1)))
            rules[rule_name(item, index)] = terms
        if item.is_rate:
            rules[rule_name(item, NONE_BAND)] = [Comparison(field + "_none", "==", True)]
    return rules


@dataclass(frozen=True, slots=True)
class ItemInput:
    """What an item reads, once its inputs are all present."""

    value: int | bool | None = None  # yes/no and count items
    numerator: int | None = None  # rate items
    denominator: int | None = None


def item_inputs(item: Item, values: Mapping[str, int | bool]) -> ItemInput | None:
    if any(name not in values for name in item.inputs):
        return None
    if item.is_rate:
        return ItemInput(numerator=int(values[item.numerator]), denominator=int(values[item.denominator]))
    return ItemInput(value=values[item.input])


def build_fact(cs: CriteriaSet, inputs: Mapping[str, ItemInput | None]) -> dict[str, int | bool]:
    """The fact the rules judge: one field per assessable item (an item with missing inputs has none, so
    none of its rules can fire)."""
    fact: dict[str, int | bool] = {}
    for item in cs.items:
        got = inputs[item.id]
        if got is None:
            continue
        field = fact_field(item)
        if not item.is_rate:
            fact[field] = got.value  # type: ignore[assignment]
        elif got.denominator == 0:
            fact[field + "_none"] = True
        else:
            fact[field] = rate_units(got.numerator, got.denominator, round_up=not item.higher_is_better)
    return fact
