"""A tiny evaluator of a criteria YAML, written independently of the engine (plain dicts, Fractions,
no rules), for the property test and as the plain-Python baseline of the benchmark."""

from __future__ import annotations

from fractions import Fraction
from typing import Any


def item_points(item: dict[str, Any], values: dict[str, Any]) -> int | None:
    """Points of one item, or None when an input it reads is missing."""
    rule = item["rule"]
    names = [item[k] for k in ("input", "numerator", "denominator") if k in item]
    if any(values.get(n) is None for n in names):
        return None
    bands = item["bands"]
    if rule == "yes_no":
        return bands[0]["points"] if values[item["input"]] is True else 0
    if rule.startswith("rate_"):
        den = values[item["denominator"]]
        if den == 0:
            return max(b["points"] for b in bands) if item["if_none"] == "full" else 0
        x = Fraction(values[item["numerator"]] * 100, den)
    else:
        x = Fraction(values[item["input"]])
    for band in bands:
        if rule.endswith("_higher") and x >= Fraction(str(band["at_least"])):
            return band["points"]
        if rule.endswith("_lower") and x <= Fraction(str(band["at_most"])):
            return band["points"]
    return 0


def evaluate(doc: dict[str, Any], assessment: dict[str, Any]) -> dict[str, Any]:
    values = assessment["values"]
    items: dict[str, int | None] = {}
    criteria: dict[str, int] = {}
    assessed = True
    zero = False
    for crit in doc["criteria"]:
        total = 0
        crit_assessed = True
        for item in crit["items"]:
            p = item_points(item, values)
            items[item["id"]] = p
            if p is None:
                crit_assessed = False
            else:
                total += p
        criteria[crit["id"]] = total
        assessed &= crit_assessed
        zero |= crit_assessed and total == 0
    grand = sum(criteria.values())
    threshold = next(t["threshold"] for t in doc["tiers"] if t["id"] == assessment["commune"]["type"])
    return {
        "items": items,
        "criteria": criteria,
        "total": grand,
        "recognised": assessed and not zero and grand >= threshold,
    }
