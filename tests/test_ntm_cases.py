"""The stunting status of the NTM link table as an exact comparison, for any figures (Hypothesis), and the
coverage of the region cases. The cases themselves are data: criteria/tests/ntm-2021-2025.cases.yaml,
collected by tests/yaml_cases.py."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.yaml_cases import ROOT, base_document, load_cases, ntm_table, score

CASES_FILE = ROOT / "criteria" / "tests" / "ntm-2021-2025.cases.yaml"
RATE_INDICATOR = "15.3"
BASE = base_document(CASES_FILE)


def _ceilings() -> dict[str, Fraction]:
    # The link table's own ceilings: the region cases pin each of them to the reference figure, this test
    # checks that the comparison with them is exact for any figures.
    table = ntm_table(BASE)
    assert table is not None and table.id == "ntm-2021-2025"
    rule = next(i.rule for i in table.indicators if i.key == RATE_INDICATOR)
    return {region: Fraction(value) for region, value in rule.thresholds.items()}


REGION_CEILINGS = _ceilings()
OVERRIDE_REGION = "tdmnpb"


def test_every_region_has_cases_on_both_sides_of_its_ceiling() -> None:
    sides: dict[str, set[str]] = {}
    for case in load_cases(CASES_FILE):
        want = case.expect.get("ntm", {}).get(RATE_INDICATOR)
        if want and "status" in want and not case.doc["commune"]["ntm_tdmnpb_override"]:
            sides.setdefault(case.doc["commune"]["region"], set()).add(want["status"])
    assert sorted(sides) == sorted(REGION_CEILINGS)
    assert all({"dat", "chua_dat"} <= seen for seen in sides.values()), sides


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(region=st.sampled_from(sorted(REGION_CEILINGS)), override=st.booleans(),
       measured=st.integers(min_value=1, max_value=300_000), data=st.data())
def test_stunting_status_is_the_exact_comparison(region: str, override: bool, measured: int,
                                                 data: st.DataObject) -> None:
    stunted = data.draw(st.integers(min_value=0, max_value=measured))
    doc = base_document(CASES_FILE)
    doc["commune"].update({"region": region, "ntm_tdmnpb_override": override})
    doc["values"].update({"c8_under5_measured": measured, "c8_stunted": stunted, "c8_underweight": 0})
    ceiling = REGION_CEILINGS[OVERRIDE_REGION if override else region]
    want = "dat" if Fraction(stunted * 100, measured) <= ceiling else "chua_dat"
    result, errors, _ = score(doc, "hypothesis")
    assert result is not None, errors
    assert {s.indicator: s for s in result.ntm}[RATE_INDICATOR].status == want
