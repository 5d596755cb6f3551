"""Every item at every band edge (on it, one below, one above), from the YAML cases beside the criteria."""

from __future__ import annotations

import pytest
import yaml

from tests.conftest import ROOT, commune

CASES = yaml.safe_load((ROOT / "criteria/tests/qd06-2019.items.yaml").read_text(encoding="utf-8"))["cases"]
EXPLAINED = yaml.safe_load(
    (ROOT / "criteria/tests/qd06-2019.explanations.yaml").read_text(encoding="utf-8"))["cases"]


def _id(case: dict) -> str:
    return f"{case['item']}:" + ",".join(f"{k}={v}" for k, v in case["values"].items())


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_item_points_at_band_edges(engine, case):
    result = engine.score({"commune": commune(), "period": 2022, "values": case["values"]})
    item = result.item(case["item"])
    assert item.assessed
    assert item.points == case["points"], item.explanation


def test_every_item_and_band_edge_has_cases(criteria_set):
    covered = {c["item"] for c in CASES}
    assert covered == {item.id for item in criteria_set.items}
    for item in criteria_set.items:
        if item.rule == "yes_no":
            continue
        thresholds = {b.threshold for b in item.bands}
        points = {c["points"] for c in CASES if c["item"] == item.id}
        # every band's points and 0 (below the lowest band) are reached by some case
        assert {b.points for b in item.bands} <= points | {item.none_points}, item.id
        assert thresholds


@pytest.mark.parametrize("case", EXPLAINED, ids=[c["item"] + ":" + c["explanation"] for c in EXPLAINED])
def test_explanations(engine, case):
    result = engine.score({"commune": commune(), "period": 2022, "values": case["values"]})
    item = result.item(case["item"])
    assert item.points == case["points"]
    assert item.explanation == case["explanation"]
