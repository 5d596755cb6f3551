"""Scoring many assessments at once (Engine.score_many, RuleSet.fire_many: many facts per durable_rules
session) gives exactly what scoring them one by one gives, and leaves no session behind."""

from __future__ import annotations

import copy
import itertools
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import Engine
from engine.assessment import InvalidAssessment
from engine.compile import compile_rules
from engine.io.catalog import Catalog
from engine.io.jsonout import result_json
from engine.ntm.linker import compile_ntm_rules
from engine.rules import BATCH, RESERVED, Comparison, RuleSet, name_hash, short_names
from tests.strategies import assessments, random_assessment

CATALOG = Catalog.load()
CS = CATALOG.for_period(2022)
WITH_NTM = Engine(CS, CATALOG.ntm_tables)


def _spoil(doc: dict, how: int) -> object:
    """An assessment the validator refuses, in a few different ways."""
    bad = copy.deepcopy(doc)
    if how == 0:
        bad["values"]["c3_abused"] = "2"
    elif how == 1:
        bad["period"] = "năm nay"
    elif how == 2:
        bad["values"]["nonsense"] = 1
    else:
        return ["not", "an", "assessment"]
    return bad


def _one_by_one(engine: Engine, docs: list) -> list:
    out = []
    for doc in docs:
        try:
            out.append(engine.score(doc))
        except InvalidAssessment as exc:
            out.append(exc)
    return out


def _same(engine: Engine, docs: list) -> None:
    batch = engine.score_many(docs)
    single = _one_by_one(engine, docs)
    assert len(batch) == len(single) == len(docs)
    for got, want in zip(batch, single, strict=True):
        if isinstance(want, InvalidAssessment):
            assert isinstance(got, InvalidAssessment)
            assert [e.as_dict() for e in got.errors] == [e.as_dict() for e in want.errors]
        else:
            assert not isinstance(got, InvalidAssessment)
            assert result_json(got) == result_json(want)
            assert got.as_dict() == want.as_dict()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(assessments(CS), st.integers(0, 9)), min_size=0, max_size=120))
def test_score_many_is_score_one_by_one(drawn):
    # About two in five spoilt, wherever they fall in the batch.
    docs = [_spoil(doc, how) if how < 4 else doc for doc, how in drawn]
    _same(WITH_NTM, docs)


@pytest.mark.parametrize("count", [1, BATCH - 1, BATCH, BATCH + 1, 200])
def test_batch_sizes_around_a_session(count):
    rng = random.Random(count)
    docs: list = [random_assessment(CS, rng, missing=True) for _ in range(count)]
    if count > 2:
        docs[count // 2] = _spoil(docs[count // 2], count % 4)
    _same(WITH_NTM, docs)
    # The JSON lines of the valid ones, as cfc writes them, byte for byte.
    lines = [result_json(r) for r in WITH_NTM.score_many(docs) if not isinstance(r, InvalidAssessment)]
    want = [result_json(r) for r in _one_by_one(WITH_NTM, docs) if not isinstance(r, InvalidAssessment)]
    assert lines == want


def test_every_period_and_the_engine_without_link_tables():
    # Periods with and without a link table in force, one batch: each result gets its own linker's
    # statuses; and an engine with no table fills none.
    rng = random.Random(3)
    docs = []
    for n in range(150):
        doc = random_assessment(CS, rng, missing=True)
        doc["period"] = [2019, 2020, 2022, 2025][n % 4]
        docs.append(doc)
    _same(WITH_NTM, docs)
    _same(Engine(CS), docs)


def test_fire_many_is_fire_for_each_fact():
    rules = RuleSet("batch-test", {
        "big": [Comparison("x", ">=", 10)],
        "small": [Comparison("x", "<", 10)],
        "flag": [Comparison("f", "==", True)],
        "both": [Comparison("x", ">", 5), Comparison("f", "==", False)],
    })
    try:
        facts = [{}, {"x": 3}, {"x": 12, "f": True}, {"f": False, "x": 7}, {"y": 1}] * 23
        assert [sorted(n) for n in rules.fire_many(facts)] == [sorted(rules.fire(f)) for f in facts]
        assert rules.fire_many([]) == []
        for bad in ({"n": 1}, {"sid": "x"}, {"_": True}):
            with pytest.raises(ValueError):
                rules.fire_many([{"x": 1}, bad])
    finally:
        rules.close()


_FIRST_SESSIONS = """
from engine.rules import BATCH, Comparison, RuleSet
rules = {"big": [Comparison("x", ">=", 10)], "small": [Comparison("x", "<", 10)]}
# Forty more, as many as a criteria set has: each session then allocates enough for malloc to hand it
# memory that held something before (what made a session without actions crash on deletion).
rules.update({f"r{i}": [Comparison(f"x{i}", ">=", 5)] for i in range(40)})
# A fresh ruleset whose very first session holds a first fact that no rule of its own matches.
first = RuleSet("first-batch", rules)
assert first.fire_many([{}, {"x": 3}, {"y": 1}, {"x": 12}]) == [[], ["small"], [], ["big"]]
assert first.fire({}) == [] and first.fire({"x": 10}) == ["big"]
# A fresh ruleset first fired with a single empty fact, then batches in which no fact matches a rule of
# its own, more of them than the 1,024 live sessions a ruleset can hold.
single = RuleSet("first-single", rules)
assert single.fire({}) == []
for round_ in range(1100):
    size = (1, BATCH, BATCH + 1)[round_ % 3]
    facts = [{"y": i, **{f"x{k}": (i + k) % 3 for k in range(40)}} for i in range(size)]
    assert single.fire_many(facts) == [[] for _ in range(size)]
    assert single.fire(facts[0]) == []
assert single.fire_many([{"x": 1}, {}]) == [["small"], []]
first.close()
single.close()
print("ok")
"""


def test_sessions_whose_facts_match_no_rule_of_their_own():
    # Only the fact at position 0 of a call matches the rule that starts the session's one action of
    # its own (deleting a session in which no action started crashed the C engine). Run in a child
    # process: a crash there is this test failing, not the test run ending.
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", _FIRST_SESSIONS], cwd=root, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_no_session_is_left_behind():
    # durable_rules keeps at most 1,024 live sessions per ruleset (the next raises MemoryError): far more
    # batches than that, of every size around a session's, and facts, still all answered.
    rules = RuleSet("batch-sessions", {"pos": [Comparison("x", ">", 0)]})
    try:
        for round_ in range(1100):
            size = (1, BATCH - 1, BATCH, BATCH + 1)[round_ % 4]
            fired = rules.fire_many([{"x": (i % 3) - 1} for i in range(size)])
            assert fired == [["pos"] if (i % 3) - 1 > 0 else [] for i in range(size)]
        assert rules.fire({"x": 1}) == ["pos"]
    finally:
        rules.close()
    # The engine's own rulesets after more than 1,024 sessions' worth of batches.
    rng = random.Random(11)
    docs = [random_assessment(CS, rng, missing=True) for _ in range(60)]
    want = [result_json(r) for r in WITH_NTM.score_many(docs)]
    for _ in range(1030 // 2):
        WITH_NTM.score_many(docs[:2])
    assert [result_json(r) for r in WITH_NTM.score_many(docs)] == want


def test_batches_from_many_threads_at_once():
    # One lock per batch: threads scoring batches side by side each get their own results.
    from concurrent.futures import ThreadPoolExecutor

    rng = random.Random(5)
    docs = [random_assessment(CS, rng, missing=True) for _ in range(240)]
    want = [result_json(r) for r in _one_by_one(WITH_NTM, docs)]
    slices = [docs[i:i + 60] for i in range(0, 240, 60)]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda part: [result_json(r) for r in WITH_NTM.score_many(part)], slices * 2))
    assert [line for part in got[:4] for line in part] == want
    assert [line for part in got[4:] for line in part] == want


def test_short_field_names():
    # Letters only, shortest first, all different, never a name the engine or engine/rules.py puts in a
    # fact itself; distinct in durable_rules' hash too, as far as a criteria set and a link table go.
    names = list(itertools.islice(short_names(), 3000))
    assert names[:3] == ["a", "b", "c"] and "n" not in names and not RESERVED & set(names)
    assert len(set(names)) == len(names) and all(n.isascii() and n.isalpha() for n in names)
    assert all(len(n) == 1 for n in names[:51]) and len(names[51]) == 2
    assert len({name_hash(n) for n in names}) == len(names)


def test_a_ruleset_whose_field_names_share_a_hash_is_refused():
    # durable_rules matches a fact's field to a rule's by the FNV-1a hash of its name alone: a rule on
    # "fyyao" fires for a fact holding only "f1kia" (seen on 2.0.28). Such a ruleset is refused, and so
    # are the fields the engine writes itself.
    assert name_hash("fyyao") == name_hash("f1kia") == 0x5B68A133
    with pytest.raises(ValueError, match="share a hash"):
        RuleSet("collide", {"a": [Comparison("fyyao", ">=", 5)], "b": [Comparison("f1kia", "<", 5)]})
    for reserved in ("n", "sid", "_"):
        with pytest.raises(ValueError, match="engine's own"):
            RuleSet("reserved", {"a": [Comparison(reserved, ">=", 5)]})
    for bad in ("a.b", 'a"b', "ả"):
        with pytest.raises(ValueError, match="ASCII"):
            RuleSet("bad-name", {"a": [Comparison(bad, ">=", 5)]})


def test_the_engine_facts_use_short_names_and_the_ntm_fact_only_what_its_rules_read():
    # Every field of a fact is one its ruleset's rules compare (plus nothing else), for criteria and NTM.
    rng = random.Random(8)
    linker = WITH_NTM.linker(2022)
    assert linker is not None
    criteria_fields = {c.field for terms in compile_rules(CS).values() for c in terms}
    ntm_fields_read = {c.field for terms in compile_ntm_rules(linker.table, CS).values() for c in terms}
    for n in range(200):
        doc = random_assessment(CS, rng, missing=True)
        doc["commune"]["region"] = CS.regions[n % len(CS.regions)].id
        for flag in WITH_NTM.commune_flags:
            doc["commune"][flag.id] = n % 3 == 0
        valid, _ = WITH_NTM.validator.validate(doc)
        assert valid is not None
        fact, present = WITH_NTM.facts(valid)
        assert set(fact) <= criteria_fields and all(len(name) <= 2 for name in fact)
        scored, _ = WITH_NTM._decide(valid, present, WITH_NTM.rules.fire(fact))
        ntm_fact = linker.fact_from_figures(valid.values, present, scored.points, valid.commune)
        assert set(ntm_fact) <= ntm_fields_read and all(len(name) <= 2 for name in ntm_fact)
