"""The engine's fast paths (issue 13) give exactly what the slower, plainer paths give:

- a result builds its items, criteria, conditions and NTM statuses on first read, the same whether they
  are read at once, one by one, after the JSON line, or never (the JSON line is then written from what
  the rules decided);
- the NTM fact built from the engine's figures is the fact built from a finished result;
- the validator's fast path for plain values gives what the pydantic model gives, and leaves anything
  else (a bool for a count, an unknown key, a float) to the model and its messages;
- the prepared percent formatter is format_percent();
- the JSON line written from the rules' decisions (items around their figures, NTM statuses from templates
  per decision, failed conditions by what fails) is json.dumps of the result's objects, in every region
  and period, and when a table's own text holds the templates' hole character.
"""

from __future__ import annotations

import copy
import json
import pickle
import random
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import Engine
from engine.io.catalog import Catalog
from engine.io.jsonout import _failed_fast, _tables, result_json
from engine.ntm.linker import HOLE, NtmLinker
from engine.rates import PercentFormat, format_percent
from engine.rules import Comparison, RuleSet
from tests.strategies import assessments, random_assessment

CATALOG = Catalog.load()
CS = CATALOG.for_period(2022)
WITH_NTM = Engine(CS, CATALOG.ntm_tables)
LAZY = ("criteria", "items", "conditions", "failed_conditions", "ntm")


def _read_all(result):
    return {name: getattr(result, name) for name in LAZY}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(assessments(CS), st.permutations(LAZY))
def test_lazy_fields_are_the_same_in_any_order(assessment, order):
    whole = WITH_NTM.score(assessment)
    want = whole.as_dict()
    one_by_one = WITH_NTM.score(assessment)
    assert one_by_one.source is not None
    for name in order:
        assert _plain(getattr(one_by_one, name)) == want[name]
    assert one_by_one.as_dict() == want
    # The JSON line first, then the objects: the same as the objects first.
    fresh = WITH_NTM.score(assessment)
    line = result_json(fresh)
    assert json.loads(line) == want
    assert line == json.dumps(want, ensure_ascii=False)
    assert fresh.as_dict() == want


def _plain(value):
    return [v.as_dict() if hasattr(v, "as_dict") else v for v in value]


def test_a_result_changed_by_hand_is_written_from_its_fields(ia_toi):
    result = WITH_NTM.score(ia_toi)
    result.items = result.items[:3]
    assert result.source is None  # detached: the rules' figures no longer describe it
    assert len(result.items) == 3 and result.ntm  # the other lazy fields were filled before
    assert result_json(result) == json.dumps(result.as_dict(), ensure_ascii=False)
    changed = WITH_NTM.score(ia_toi).model_copy(update={"total": 1})
    assert changed.total == 1 and changed.items == WITH_NTM.score(ia_toi).items
    assert result_json(changed) == json.dumps(changed.as_dict(), ensure_ascii=False)


def test_a_result_pickles_and_copies_whole(ia_toi):
    result = WITH_NTM.score(ia_toi)
    want = WITH_NTM.score(ia_toi).as_dict()
    assert pickle.loads(pickle.dumps(result)).as_dict() == want
    assert copy.copy(WITH_NTM.score(ia_toi)).as_dict() == want
    assert copy.deepcopy(WITH_NTM.score(ia_toi)).as_dict() == want


def test_results_compare_by_value(ia_toi):
    a, b = WITH_NTM.score(ia_toi), WITH_NTM.score(ia_toi)
    assert a == b
    a.items  # noqa: B018 - read one side only
    assert a == b
    b.total += 1
    assert a != b


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(assessments(CS))
def test_ntm_fact_from_figures_is_the_fact_from_the_result(assessment):
    for linker in WITH_NTM.ntm:
        valid, errors = WITH_NTM.validator.validate(assessment)
        assert valid is not None, errors
        result = WITH_NTM.score_valid(valid)
        from_result = linker.build_fact(result, valid.commune)
        assessed = [i.assessed for i in result.items]
        points = [i.points for i in result.items]
        assert linker.fact_from_figures(valid.values, assessed, points, valid.commune) == from_result


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(assessments(CS))
def test_ntm_statuses_of_a_finished_result_are_the_engines(assessment):
    # The engine's statuses quote items from the rules' figures; linker.statuses() from the items read.
    result = WITH_NTM.score(assessment)
    linker = WITH_NTM.linker(result.period)
    assert isinstance(linker, NtmLinker)
    valid, _ = WITH_NTM.validator.validate(assessment)
    assert [s.as_dict() for s in linker.statuses(WITH_NTM.score(assessment), valid.commune)] == \
        [s.as_dict() for s in result.ntm]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(assessments(CS))
def test_plain_values_fast_path_gives_what_the_model_gives(assessment):
    validator = WITH_NTM.validator
    raw = assessment["values"]
    fast = validator._plain_values(raw)
    model = validator._values_model.model_validate(raw)
    assert fast == {k: v for k, v in model.model_dump().items() if v is not None}
    assert list(fast) == [i.id for i in CS.inputs if fast.get(i.id) is not None]  # form order


@pytest.mark.parametrize("odd", [
    {"c1_officer": 1},  # an int for a yes/no
    {"children_under16": True},  # a bool for a count
    {"children_under16": 12.0},
    {"children_under16": -1},
    {"children_under16": 10_000_001},
    {"not_an_input": 3},
    {3: 3},
])
def test_plain_values_fast_path_leaves_odd_values_to_the_model(odd, ia_toi):
    assert WITH_NTM.validator._plain_values(odd) is None
    ia_toi["values"].update(odd)
    errors = WITH_NTM.validate(ia_toi)
    assert errors and all(e.field.startswith("values.") for e in errors)


def test_none_is_a_missing_value_on_both_paths(ia_toi):
    ia_toi["values"]["children_under16"] = None
    result = WITH_NTM.score(ia_toi)
    assert "children_under16" not in result.values
    assert "children_under16" in result.missing_inputs


def test_percent_format_is_format_percent():
    rng = random.Random(13)
    claims = [None, ("<", Decimal("98")), ("≥", Decimal("98")), ("≤", Decimal("26.5")),
              (">", Decimal("0.001")), ("<", Decimal("99.999"))]
    for places in (2, 3):
        for claim in claims:
            prepared = PercentFormat(places, claim)
            for denominator in [*range(1, 120), *(rng.randint(1, 10_000_000) for _ in range(300))]:
                for numerator in {0, denominator, denominator - 1, rng.randint(0, denominator)}:
                    if numerator >= 0:
                        got = prepared(numerator, denominator)
                        assert got == format_percent(numerator, denominator, places, claim)


def test_fire_refuses_a_fact_carrying_the_session_fields():
    rules = RuleSet("fast-paths", {"a": [Comparison("x", ">=", 1)]})
    try:
        assert rules.fire({"x": 1}) == ["a"]
        assert rules.fire({}) == []
        for bad in ({"sid": "1", "x": 1}, {"_": True}, {"n": 0}):
            with pytest.raises(ValueError):
                rules.fire(bad)
    finally:
        rules.close()


def test_many_assessments_one_engine_json_equals_json_dumps():
    # Random figures through the caches of one engine (items, statuses and JSON fragments shared).
    rng = random.Random(2022)
    for _ in range(400):
        doc = random_assessment(CS, rng, missing=True)
        fresh, read = WITH_NTM.score(doc), WITH_NTM.score(doc)
        want = json.dumps(read.as_dict(), ensure_ascii=False)
        assert result_json(fresh) == want
        assert result_json(read) == want


# --- the JSON line written from the rules' decisions (issue 13) -------------------------------------------

@st.composite
def _anywhere(draw):
    """An assessment in any region, any period with or without a link table in force, with or without
    the commune flags (the override region, the unverified 2026 table, no table in 2020)."""
    doc = draw(assessments(CS))
    doc["commune"]["region"] = draw(st.sampled_from([r.id for r in CS.regions]))
    doc["period"] = draw(st.sampled_from([2020, 2021, 2022, 2025, 2026, 2030]))
    for flag in WITH_NTM.commune_flags:
        if draw(st.booleans()):
            doc["commune"][flag.id] = draw(st.booleans())
    return doc


def _json_equal_to_dumps(engine, docs):
    """Each result's JSON line, fresh from the engine and after every object was read, one by one and
    batched, is json.dumps of the result's objects."""
    batched = engine.score_many(docs)
    for doc, fresh in zip(docs, batched, strict=True):
        read = engine.score(doc)
        want = json.dumps(read.as_dict(), ensure_ascii=False)
        assert result_json(fresh) == want
        assert result_json(engine.score(doc)) == want
        assert result_json(read) == want


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_anywhere(), min_size=1, max_size=4))
def test_json_line_from_the_decisions_is_json_dumps_anywhere(docs):
    _json_equal_to_dumps(WITH_NTM, docs)


def test_json_line_at_the_edges_of_the_recognition_conditions(ia_toi):
    # Everything missing (every criterion unassessed), everything zero (criteria at 0 points, the total
    # below the threshold), and the example as it is.
    nothing = {**ia_toi, "values": {}}
    values = ia_toi["values"]
    zeros = {**ia_toi, "values": {k: False if isinstance(v, bool) else 0 for k, v in values.items()}}
    docs = [ia_toi, nothing, zeros]
    _json_equal_to_dumps(WITH_NTM, docs)
    held = {doc_id: {c.id: c.holds for c in WITH_NTM.score(doc).conditions}
            for doc_id, doc in (("nothing", nothing), ("zeros", zeros))}
    assert held["nothing"] == {"all_assessed": False, "no_zero_criterion": True, "threshold": False}
    assert held["zeros"] == {"all_assessed": True, "no_zero_criterion": False, "threshold": False}
    # Each tier's threshold met exactly and missed by one point: the failed conditions written from what
    # fails are the engine's, on the same decisions.
    for doc in (ia_toi, zeros, nothing):
        for tier in CS.tiers:
            for total in (tier.threshold, tier.threshold - 1, 0):
                scored = WITH_NTM.score({**doc, "commune": {**doc["commune"], "type": tier.id}}).source
                scored.total = total
                want = scored.failed_conditions()
                assert any("thấp hơn điểm chuẩn" in text for text in want) == (total < tier.threshold)
                assert json.loads(f"[{_failed_fast(scored, _tables(WITH_NTM))}]") == want


def test_a_table_text_holding_the_template_hole_is_written_whole():
    # The templates stand a private-use character in for each figure; a table whose own texts hold it
    # cannot be cut there, and its statuses are built whole: the same bytes all the same.
    table = next(t for t in CATALOG.ntm_tables if t.in_force(2022))
    indicators = []
    for ind in table.indicators:
        if ind.rule is not None and ind.rule.kind == "rate_at_most_regional":
            ind = ind.model_copy(update={"rule": ind.rule.model_copy(update={"label": f"Tỷ lệ {HOLE} lạ"})})
        elif ind.rule is not None and ind.rule.kind == "input_true":
            ind = ind.model_copy(update={"text": f"Chỉ tiêu {HOLE}"})
        indicators.append(ind)
    odd = Engine(CS, [table.model_copy(update={"indicators": indicators})])
    try:
        rng = random.Random(7)
        docs = [random_assessment(CS, rng, missing=True) for _ in range(60)]
        _json_equal_to_dumps(odd, docs)
        assert any(HOLE in s.explanation for s in odd.score(docs[0]).ntm)
    finally:
        odd.close()


@settings(max_examples=500, deadline=None)
@given(st.sampled_from([2, 3]), st.sampled_from([None, "≥", "≤", "<", ">"]),
       st.integers(0, 100_000), st.integers(0, 10_000_000), st.integers(1, 10_000_000))
def test_prepared_percent_format_is_format_percent(places, op, edge, numerator, denominator):
    claim = None if op is None else (op, Decimal(edge) / 1000)
    prepared = PercentFormat(places, claim)
    numerator = numerator % (denominator + 1)
    want = format_percent(numerator, denominator, places, claim)
    assert prepared(numerator, denominator) == want
    assert prepared(numerator, denominator) == want  # the second time from the figure's remembered text


def test_why_of_an_item_is_what_its_explanation_says():
    # Scored.why() from the figure and a tail per band, or from the item: what linker.statuses() reads
    # from a finished result's explanation.
    rng = random.Random(11)
    for _ in range(200):
        result = WITH_NTM.score(random_assessment(CS, rng, missing=True))
        source = result.source
        for item in result.items:
            said = item.explanation.rsplit(" → ", 1)[0] + f", {item.points}/{item.max} điểm"
            assert source.why(item.id) == said
