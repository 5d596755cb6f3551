"""The web app's engine cache: one per process and criteria folder, shared by every request.

The cache itself is the engine's (engine/io/engines.py: one compiled Engine per criteria version, by content
hash, the stored versions included); this module attaches it to the app and scores an assessment the way the
pages need (None when the figures are not valid enough to score).
"""

from __future__ import annotations

import functools
import json
import threading
from typing import Any

import orjson
from flask import Flask, current_app

from engine import Engine, InvalidAssessment, Result
from engine.io.engines import Engines

_PROCESS_ENGINES: dict[str, Engines] = {}
_PROCESS_LOCK = threading.Lock()


def init_app(app: Flask) -> None:
    # One compiled engine per process and criteria folder: several app instances (tests, workers in one
    # process) share it, because each engine owns a rules host that must not be created repeatedly.
    folder = str(app.config["CRITERIA_DIR"])
    with _PROCESS_LOCK:
        if folder not in _PROCESS_ENGINES:
            _PROCESS_ENGINES[folder] = Engines.compiled(folder)
        app.extensions["cfc_scoring"] = _PROCESS_ENGINES[folder]


def scoring() -> Engines:
    """The engine cache of the current app."""
    return current_app.extensions["cfc_scoring"]


def make_assessment(commune_profile: dict[str, Any], period: int, values: dict[str, Any]) -> dict[str, Any]:
    return {"commune": commune_profile, "period": period, "values": dict(values)}


def score_or_none(eng: Engine, assessment: dict[str, Any]) -> Result | None:
    """The engine's result, or None when the figures are not valid enough to score."""
    try:
        return _cached_score(eng, _key(assessment))
    except InvalidAssessment:
        return None


def _key(assessment: dict[str, Any]) -> bytes | str:
    """The figures as sorted JSON: what the score cache is keyed by and what is scored. orjson writes it
    about ten times faster than json.dumps; what orjson refuses (an integer beyond 64 bits) is written by
    json.dumps, whose text the cache keeps apart from orjson's bytes, and the engine then judges it."""
    try:
        return orjson.dumps(assessment, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(assessment, sort_keys=True, ensure_ascii=False)


def scores_or_none(eng: Engine, assessments: list[dict[str, Any]]) -> list[Result | None]:
    """score_or_none() for many assessments at once, in order: the rules fire in shared sessions
    (Engine.score_many), which is what re-scoring every draft on an activation needs."""
    return [r if isinstance(r, Result) else None for r in eng.score_many(assessments)]


@functools.lru_cache(maxsize=4096)
def _cached_score(eng: Engine, assessment_json: bytes | str) -> Result:
    # Scoring is a pure function of (criteria set, assessment) and results are frozen, so the same figures
    # (a review page opened again, a live-score request repeated) are scored once.
    return eng.score(orjson.loads(assessment_json) if isinstance(assessment_json, bytes)
                     else json.loads(assessment_json))
