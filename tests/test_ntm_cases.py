"""Every status rule of the NTM link table, case by case, from criteria/tests/ntm-2021-2025.cases.yaml,
scored by the real engine (criteria set, link table and durable_rules)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import Engine
from engine.io.catalog import Catalog
from engine.ntm.messages import STATUS_TEXT
from engine.result import NtmStatus

ROOT = Path(__file__).resolve().parent.parent
CASES_FILE = ROOT / "criteria" / "tests" / "ntm-2021-2025.cases.yaml"
SPEC: dict[str, Any] = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
RATE_INDICATOR = "15.3"


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    catalog = Catalog.load()
    assert catalog.ntm_for_period(SPEC["period"]).id == SPEC["link_file"]
    eng = Engine(catalog.for_period(SPEC["period"]), catalog.ntm_tables)
    yield eng
    eng.close()


def assessment(commune: dict | None = None, values: dict | None = None,
               replace_values: dict | None = None) -> dict:
    doc = copy.deepcopy(SPEC["base"])
    doc["period"] = SPEC["period"]
    doc["commune"].update(commune or {})
    if replace_values is not None:
        doc["values"] = dict(replace_values)
    for key, value in (values or {}).items():
        if value is None:
            doc["values"].pop(key, None)
        else:
            doc["values"][key] = value
    return doc


def statuses(engine: Engine, doc: dict) -> dict[str, NtmStatus]:
    return {s.indicator: s for s in engine.score(doc).ntm}


def check(status: NtmStatus, want: dict[str, str]) -> None:
    assert status.status == want["status"], status.explanation
    assert status.status_text == STATUS_TEXT[want["status"]]
    if "explanation" in want:
        assert status.explanation == want["explanation"]
    if "contains" in want:
        assert want["contains"] in status.explanation


@pytest.mark.parametrize("case", SPEC["cases"], ids=[c["name"] for c in SPEC["cases"]])
def test_case(engine: Engine, case: dict) -> None:
    got = statuses(engine, assessment(case.get("commune"), case.get("values"), case.get("replace_values")))
    for key, want in case["expect"].items():
        assert key in got, f"indicator {key!r} not in {list(got)}"
        check(got[key], want)


def _edge_variants() -> list[tuple[str, dict, int, int, str]]:
    """On the edge; one rate unit (0,001 %) below and above; half a unit below and above."""
    out = []
    for edge in SPEC["region_edges"]:
        n, d = edge["edge"]
        assert (n * 100_000) % d == 0, "edge fractions must scale exactly to 100000"
        units = n * 100_000 // d  # numerator over 100000: one child is one rate unit
        out += [
            (f"{edge['region']}-on", edge, n, d, "dat"),
            (f"{edge['region']}-unit-below", edge, units - 1, 100_000, "dat"),
            (f"{edge['region']}-unit-above", edge, units + 1, 100_000, "chua_dat"),
            (f"{edge['region']}-half-unit-below", edge, 2 * units - 1, 200_000, "dat"),
            (f"{edge['region']}-half-unit-above", edge, 2 * units + 1, 200_000, "chua_dat"),
        ]
    return out


@pytest.mark.parametrize(("edge", "stunted", "measured", "want"),
                         [v[1:] for v in _edge_variants()], ids=[v[0] for v in _edge_variants()])
def test_region_ceiling_edges(engine: Engine, edge: dict, stunted: int, measured: int, want: str) -> None:
    doc = assessment({"region": edge["region"]}, {"c8_under5_measured": measured, "c8_stunted": stunted})
    status = statuses(engine, doc)[RATE_INDICATOR]
    assert status.status == want, status.explanation
    op = "≤" if want == "dat" else ">"
    tail = f" {op} {edge['ceiling']} (ngưỡng vùng {edge['label']}) → {STATUS_TEXT[want]}"
    assert tail in status.explanation
    if measured not in (100_000, 200_000):
        assert status.explanation.startswith(f"Tỷ lệ thấp còi {stunted}/{measured} = {edge['ceiling']} ≤ ")


def test_every_region_of_the_criteria_set_has_edge_cases(engine: Engine) -> None:
    assert sorted(e["region"] for e in SPEC["region_edges"]) == sorted(r.id for r in engine.cs.regions)


@pytest.mark.parametrize("edge", SPEC["region_edges"], ids=[e["region"] for e in SPEC["region_edges"]])
def test_override_uses_tdmnpb_from_every_region(engine: Engine, edge: dict) -> None:
    tdmnpb = next(e for e in SPEC["region_edges"] if e["region"] == "tdmnpb")
    n, d = tdmnpb["edge"]
    for stunted, want in ((n, "dat"), (n + 1, "chua_dat")):
        doc = assessment({"region": edge["region"], "ntm_tdmnpb_override": True},
                         {"c8_under5_measured": d, "c8_stunted": stunted})
        status = statuses(engine, doc)[RATE_INDICATOR]
        assert status.status == want, status.explanation
        assert f"(ngưỡng vùng {tdmnpb['label']}, xã đặc biệt khó khăn" in status.explanation


REGION_CEILINGS = {e["region"]: Fraction(*e["edge"]) * 100 for e in SPEC["region_edges"]}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(region=st.sampled_from(sorted(REGION_CEILINGS)), override=st.booleans(),
       measured=st.integers(min_value=1, max_value=300_000), data=st.data())
def test_stunting_status_is_the_exact_comparison(engine: Engine, region: str, override: bool, measured: int,
                                                 data: st.DataObject) -> None:
    stunted = data.draw(st.integers(min_value=0, max_value=measured))
    doc = assessment({"region": region, "ntm_tdmnpb_override": override},
                     {"c8_under5_measured": measured, "c8_stunted": stunted, "c8_underweight": 0})
    ceiling = REGION_CEILINGS["tdmnpb" if override else region]
    want = "dat" if Fraction(stunted * 100, measured) <= ceiling else "chua_dat"
    assert statuses(engine, doc)[RATE_INDICATOR].status == want
