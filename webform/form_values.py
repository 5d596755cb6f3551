"""HTML form strings -> typed figures and back, for the assessment and review forms.

Nothing here knows a criterion: inputs, labels and types come from the criteria set (the YAML) through the
engine API. A blank is a missing figure; anything that cannot be read gives a Vietnamese message next to the
field, with what was typed kept for redisplay.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from engine import CriteriaSet, Engine
from engine.cells import Refused, parse_count
from engine.criteria import InputDef

MSG_NOT_INT = "Phải là số nguyên không âm (ví dụ: 0, 12, 1850)."  # = engine.cells.MSG_NOT_WHOLE
MSG_NOT_BOOL = "Chọn Có hoặc Không."
MSG_MISSING = "Chưa nhập số liệu này."
MSG_TOO_LONG = "Ghi chú quá dài (tối đa 500 ký tự)."
SOURCE_MAX = 500


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


def parse_value(input_def: InputDef, text: str | None) -> tuple[Any, str | None]:
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
    try:
        return parse_count(text), None
    except Refused as exc:
        return None, exc.message


def parse_form(cs: CriteriaSet, form: Any) -> ParsedForm:
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


def format_value(input_def: InputDef, value: Any) -> str:
    """A stored value as the form shows it."""
    if value is None:
        return ""
    if input_def.type == "bool":
        return "co" if value else "khong"
    return str(value)


def raw_from_values(cs: CriteriaSet, values: dict[str, Any]) -> dict[str, str]:
    return {d.id: format_value(d, values.get(d.id)) for d in cs.inputs}


def validate(eng: Engine, assessment: dict[str, Any], parsed: ParsedForm) -> None:
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


