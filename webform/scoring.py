"""The bridge to the scoring engine: built once per process, shared by every request.

Nothing here knows a criterion: inputs, labels, help texts and items all come from the criteria YAML
through the engine API. This module only turns HTML form strings into typed values and back.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, current_app

MSG_NOT_INT = "Phải là số nguyên không âm (ví dụ: 0, 12, 1850)."  # = engine.cells.MSG_NOT_WHOLE
MSG_NOT_BOOL = "Chọn Có hoặc Không."
MSG_MISSING = "Chưa nhập số liệu này."
MSG_TOO_LONG = "Ghi chú quá dài (tối đa 500 ký tự)."
SOURCE_MAX = 500


class Scoring:
    """The catalog of criteria sets and one compiled Engine per set, made at start-up."""

    def __init__(self, criteria_dir: str) -> None:
        from engine import Catalog, Engine

        self.catalog = Catalog.load(criteria_dir)
        self._engines: dict[str, Any] = {}
        # The new-rural-development link tables fill result.ntm for the periods they are in force.
        self.ntm_tables = tuple(getattr(self.catalog, "ntm_tables", ()))
        self._by_hash: dict[str, Any] = {}
        for cs in _all_sets(self.catalog):
            self._engines[cs.id] = self._engines[cs.content_hash] = Engine(cs, self.ntm_tables)
            self._by_hash[cs.content_hash] = cs
        self._lock = threading.Lock()
        # The files of criteria/ are the defaults a fresh install starts from: (file name, bytes, set).
        self.defaults = []
        for path in sorted(Path(criteria_dir).glob("*.yaml")):
            raw = path.read_bytes()
            cs = self._by_hash.get(hashlib.sha256(raw).hexdigest())
            if cs is not None:
                self.defaults.append((path.name, raw, cs))

    def criteria_set(self, set_id: str) -> Any:
        return self.catalog.get(set_id)

    def by_hash(self, key: str) -> Any:
        """The set of that content hash if this process has loaded it, else None."""
        return self._by_hash.get(key)

    def from_bytes(self, content: bytes, file: str = "phiên bản") -> Any:
        """A stored version's set, parsed and checked once per process (by content hash)."""
        from engine.criteria import content_hash, load_criteria_bytes

        key = content_hash(content)
        cs = self._by_hash.get(key)
        if cs is None:
            cs = load_criteria_bytes(content, file)
            with self._lock:
                cs = self._by_hash.setdefault(key, cs)
        return cs

    def engine_for(self, cs: Any) -> Any:
        """The compiled engine of exactly this version (keyed by its content hash), compiled once."""
        key = cs.content_hash
        eng = self._engines.get(key)
        if eng is None:
            with self._lock:
                eng = self._engines.get(key)
                if eng is None:
                    from engine import Engine

                    eng = Engine(cs, self.ntm_tables)
                    self._engines[key] = eng
        return eng

    def for_period(self, period: int) -> Any:
        return self.catalog.for_period(period)

    def sets(self) -> list[Any]:
        return _all_sets(self.catalog)

    def engine(self, set_id: str) -> Any:
        eng = self._engines.get(set_id)
        if eng is None:
            # A set added to the folder after start-up: compile it once, never per request.
            with self._lock:
                eng = self._engines.get(set_id)
                if eng is None:
                    from engine import Engine

                    eng = Engine(self.catalog.get(set_id), self.ntm_tables)
                    self._engines[set_id] = eng
        return eng


def _all_sets(catalog: Any) -> list[Any]:
    """Every criteria set of the catalog, whatever collection the catalog exposes them as."""
    for attr in ("sets", "criteria_sets", "all"):
        value = getattr(catalog, attr, None)
        if callable(value):
            value = value()
        if value is not None:
            return list(value.values()) if isinstance(value, dict) else list(value)
    try:
        return list(catalog)
    except TypeError:
        return []


_PROCESS_SCORING: dict[str, Scoring] = {}
_PROCESS_LOCK = threading.Lock()


def init_app(app: Flask) -> None:
    # One compiled engine per process and criteria folder: several app instances (tests, workers in one
    # process) share it, because each engine owns a rules host that must not be created repeatedly.
    folder = str(app.config["CRITERIA_DIR"])
    with _PROCESS_LOCK:
        if folder not in _PROCESS_SCORING:
            _PROCESS_SCORING[folder] = Scoring(folder)
        app.extensions["cfc_scoring"] = _PROCESS_SCORING[folder]


def scoring() -> Scoring:
    return current_app.extensions["cfc_scoring"]


@dataclass
class ParsedForm:
    """What the officer typed (raw, to redisplay) and what it means (typed values)."""

    raw: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    general_errors: list[str] = field(default_factory=list)


def nfc(text: str | None) -> str:
    """Stored text is NFC: some Vietnamese keyboards on old PCs send decomposed accents."""
    return unicodedata.normalize("NFC", (text or "").strip())


def value_field(input_id: str) -> str:
    return f"v_{input_id}"


def source_field(input_id: str) -> str:
    return f"s_{input_id}"


def parse_value(input_def: Any, text: str | None) -> tuple[Any, str | None]:
    """(value, error). A blank means missing (None); the engine decides ranges and part ≤ whole."""
    text = (text or "").strip()
    if text == "":
        return None, None
    if input_def.type == "bool":
        if text in {"co", "true", "1"}:
            return True, None
        if text in {"khong", "false", "0"}:
            return False, None
        return None, MSG_NOT_BOOL
    # Counts: the one strict reading shared with the spreadsheet upload (engine/cells.py): "1.850" is 1850,
    # "12.5", "1 8 5 0" and other scripts' digits are refused.
    from engine.cells import Refused, parse_count

    try:
        return parse_count(text), None
    except Refused as exc:
        return None, exc.message


def parse_form(cs: Any, form: Any) -> ParsedForm:
    parsed = ParsedForm()
    for input_def in cs.inputs:
        raw = form.get(value_field(input_def.id), "")
        parsed.raw[input_def.id] = raw
        value, error = parse_value(input_def, raw)
        if error:
            parsed.errors[input_def.id] = error
        elif value is not None:
            parsed.values[input_def.id] = value
        note = nfc(form.get(source_field(input_def.id), ""))
        if len(note) > SOURCE_MAX:
            parsed.errors.setdefault(input_def.id, MSG_TOO_LONG)
            note = note[:SOURCE_MAX]
        if note:
            parsed.sources[input_def.id] = note
    return parsed


def format_value(input_def: Any, value: Any) -> str:
    """A stored value as the form shows it."""
    if value is None:
        return ""
    if input_def.type == "bool":
        return "co" if value else "khong"
    return str(value)


def raw_from_values(cs: Any, values: dict[str, Any]) -> dict[str, str]:
    return {d.id: format_value(d, values.get(d.id)) for d in cs.inputs}


def make_assessment(commune_profile: dict[str, Any], period: int, values: dict[str, Any]) -> dict[str, Any]:
    return {"commune": commune_profile, "period": period, "values": dict(values)}


def validate(eng: Any, assessment: dict[str, Any], parsed: ParsedForm) -> None:
    """Add the engine's own findings (negative, part > whole, ...) next to the fields they name."""
    for err in eng.validate(assessment):
        name = str(err.field)
        key = name.split(".", 1)[1] if name.startswith("values.") else name
        if key in {d for d in parsed.raw} or key in assessment["values"]:
            parsed.errors.setdefault(key, err.message)
        else:
            parsed.general_errors.append(err.message)


def scorable(assessment: dict[str, Any], parsed: ParsedForm) -> dict[str, Any]:
    """The assessment without the figures that have an error: one typo must not blank the whole score, the
    other criteria still score (the criteria that read the typo stay "chưa đánh giá")."""
    values = {k: v for k, v in assessment["values"].items() if k not in parsed.errors}
    return {**assessment, "values": values}


def score_or_none(eng: Any, assessment: dict[str, Any]) -> Any:
    """The engine's result, or None when the figures are not valid enough to score."""
    from engine import InvalidAssessment

    try:
        return _cached_score(eng, json.dumps(assessment, sort_keys=True, ensure_ascii=False))
    except InvalidAssessment:
        return None


@functools.lru_cache(maxsize=4096)
def _cached_score(eng: Any, assessment_json: str) -> Any:
    # Scoring is a pure function of (criteria set, assessment) and results are frozen, so the same figures
    # (a review page opened again, a live-score request repeated) are scored once.
    return eng.score(json.loads(assessment_json))
