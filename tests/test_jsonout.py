"""The fast JSON writer of `cfc score --json` gives exactly json.dumps(result.as_dict(), ensure_ascii=False),
with the NTM link, missing figures, a file name or none, and results the engine shares items between."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings

from engine import Engine
from engine.io.catalog import Catalog
from engine.io.jsonout import result_json
from tests.strategies import assessments

CATALOG = Catalog.load()
CS = CATALOG.for_period(2022)
WITH_NTM = Engine(CS, CATALOG.ntm_tables)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(assessments(CS))
def test_same_text_as_json_dumps(assessment):
    result = WITH_NTM.score(assessment)
    assert result.ntm
    assert result_json(result) == json.dumps(result.as_dict(), ensure_ascii=False)
    result.file = "thư mục/tệp \"lạ\".yaml"
    assert result_json(result) == json.dumps(result.as_dict(), ensure_ascii=False)


def test_shared_items_are_not_shared_between_engines(engine, ia_toi):
    # Two engines (with and without NTM) score the same figures; each result writes its own items.
    a, b = engine.score(ia_toi), WITH_NTM.score(ia_toi)
    assert not a.ntm and b.ntm
    assert json.loads(result_json(a))["items"] == json.loads(result_json(b))["items"]
    assert result_json(a) == json.dumps(a.as_dict(), ensure_ascii=False)
