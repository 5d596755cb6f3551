"""Many threads scoring at once in one process get exactly the results of scoring one by one."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

from tests.strategies import random_assessment


def test_threads_scoring_at_once(engine, criteria_set):
    rng = random.Random(2022)
    docs = [random_assessment(criteria_set, rng, missing=True) for _ in range(2400)]
    expected = [engine.score(d).model_dump() for d in docs]
    with ThreadPoolExecutor(max_workers=16) as pool:
        got = list(pool.map(lambda d: engine.score(d).model_dump(), docs))
    assert got == expected


def test_sessions_do_not_accumulate(criteria_set):
    """durable_rules allows 1,024 live sessions per ruleset; each score deletes its own."""
    from engine import Engine

    fresh = Engine(criteria_set)
    try:
        rng = random.Random(7)
        doc = random_assessment(criteria_set, rng)
        totals = {fresh.score(doc).total for _ in range(3000)}
        assert len(totals) == 1
    finally:
        fresh.close()
