"""Turns a criteria set into rules (one rule per band) and an assessment into the fact they judge.

Nothing here knows any particular criterion: every item is compiled by its rule kind alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from engine.criteria import CriteriaSet, Item
from engine.rates import rate_units, threshold_units
from engine.rules import Comparison, Op, short_names

NONE_BAND = "none"  # the rule a rate item fires when its denominator is 0


def fact_fields(cs: CriteriaSet) -> list[tuple[str, str]]:
    """Per item of cs.items, in order: the fact field holding its figure and, for a rate, the field saying
    there is nothing to count ("" for other items). Short names (engine/rules.py short_names): every
    firing carries the whole fact."""
    names = short_names()
    fields = [next(names) for _ in cs.items]  # the ones in almost every fact get the single letters
    return [(field, next(names) if item.is_rate else "")
            for field, item in zip(fields, cs.items, strict=True)]


def rule_name(item: Item, band: int | str) -> str:
    return f"{item.id}#{band}"


def rule_index(cs: CriteriaSet) -> dict[str, tuple[int, int | str]]:
    """Rule name -> (position of its item in cs.items, band index or NONE_BAND)."""
    index: dict[str, tuple[int, int | str]] = {}
    for position, item in enumerate(cs.items):
        for band in [*range(len(item.bands)), NONE_BAND]:
            index[rule_name(item, band)] = (position, band)
    return index


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
    for item, (field, none_field) in zip(cs.items, fact_fields(cs), strict=True):
        if item.rule == "yes_no":
            rules[rule_name(item, 0)] = [Comparison(field, "==", True)]
            continue
        better: Op
        worse: Op
        better, worse = (">=", "<") if item.higher_is_better else ("<=", ">")
        for index in range(len(item.bands)):
            terms = [Comparison(field, better, _band_value(item, index))]
            if index:
                terms.append(Comparison(field, worse, _band_value(item, index - 1)))
            rules[rule_name(item, index)] = terms
        if item.is_rate:
            rules[rule_name(item, NONE_BAND)] = [Comparison(none_field, "==", True)]
    return rules


@dataclass(frozen=True, slots=True)
class ItemPlan:
    """What scoring needs of one item, worked out once per criteria set (it runs for every assessment)."""

    item: Item
    field: str
    none_field: str  # a rate's: there is nothing to count ("" for other items)
    reads: tuple[str, ...]  # the inputs the item reads
    value: str | None  # yes/no and count items: the input compared
    numerator: str | None  # rate items
    denominator: str | None
    round_up: bool  # rates where lower is better are rounded up (see engine/rates.py)
    band_points: tuple[int, ...]
    none_points: int


def plan_items(cs: CriteriaSet) -> list[ItemPlan]:
    return [
        ItemPlan(
            item=item,
            field=field,
            none_field=none_field,
            reads=tuple(item.inputs),
            value=item.input,
            numerator=item.numerator,
            denominator=item.denominator,
            round_up=not item.higher_is_better,
            band_points=tuple(b.points for b in item.bands),
            none_points=item.none_points,
        )
        for item, (field, none_field) in zip(cs.items, fact_fields(cs), strict=True)
    ]


Fact = dict[str, int | bool]


def build_fact(plans: list[ItemPlan], values: Mapping[str, int | bool]) -> tuple[Fact, list[bool]]:
    """The fact the rules judge — one field per assessable item; an item with a missing input has none, so
    none of its rules can fire — and, per item, whether it could be assessed."""
    fact: Fact = {}
    present: list[bool] = []
    for plan in plans:
        if not all(name in values for name in plan.reads):
            present.append(False)
            continue
        present.append(True)
        if plan.numerator is None:
            fact[plan.field] = values[plan.value]  # type: ignore[index]
            continue
        denominator = int(values[plan.denominator])  # type: ignore[index]
        if denominator == 0:
            fact[plan.none_field] = True
        else:
            fact[plan.field] = rate_units(int(values[plan.numerator]), denominator, plan.round_up)
    return fact, present
