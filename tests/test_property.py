"""The durable_rules engine agrees with a tiny independent evaluator on thousands of random assessments."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from engine.io.load import load_criteria_set
from tests.conftest import CRITERIA
from tests.oracle import evaluate
from tests.strategies import assessments

CS = load_criteria_set(CRITERIA)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(assessments(CS))
def test_engine_matches_independent_evaluator(engine, criteria_doc, assessment):
    expected = evaluate(criteria_doc, assessment)
    result = engine.score(assessment)
    got = {i.id: (i.points if i.assessed else None) for i in result.items}
    assert got == expected["items"]
    assert {c.id: c.points for c in result.criteria} == expected["criteria"]
    assert result.total == expected["total"]
    assert result.recognised == expected["recognised"]
    assert result.recognised == (not result.failed_conditions)


def test_engine_matches_independent_evaluator_in_bulk(engine, criteria_doc, criteria_set):
    """Seeded bulk run over realistic figures (most rates near the top bands, where the edges are)."""
    import random

    from tests.strategies import random_assessment

    rng = random.Random(6)
    for _ in range(5000):
        assessment = random_assessment(criteria_set, rng, missing=True)
        expected = evaluate(criteria_doc, assessment)
        result = engine.score(assessment)
        assert {i.id: (i.points if i.assessed else None) for i in result.items} == expected["items"]
        assert (result.total, result.recognised) == (expected["total"], expected["recognised"])
