"""A result as the JSON line `cfc score --json` prints: exactly the bytes of
`json.dumps(result.as_dict(), ensure_ascii=False)`, in a fraction of the time.

json.dumps walks a dict of ~500 values that as_dict() first builds from the dataclasses; here each
dataclass writes its own fields straight into one string, with the C string escaper of the standard json
module. The field lists below are checked against the dataclasses at import, and tests/test_score_golden.py
and tests/test_jsonout.py compare the output with json.dumps on thousands of results.
"""

from __future__ import annotations

from json.encoder import encode_basestring as _escape  # the C escaper json.dumps(ensure_ascii=False) uses

from engine.result import ConditionResult, CriterionResult, ItemResult, NtmStatus, Result


def _check(cls: type, fields: tuple[str, ...]) -> None:
    if tuple(cls.__slots__) != fields:  # type: ignore[attr-defined]
        raise RuntimeError(f"engine/io/jsonout.py is out of date with {cls.__name__}'s fields")


_check(ItemResult, ("id", "criterion", "text", "points", "max", "status", "assessed", "band", "rate",
                    "explanation"))
_check(CriterionResult, ("id", "name", "points", "max", "assessed"))
_check(ConditionResult, ("id", "text", "holds"))
_check(NtmStatus, ("indicator", "text", "status", "status_text", "explanation", "items"))
_check(Result, ("commune", "commune_name", "period", "criteria_set", "criteria_hash", "total", "max_total",
                "tier", "tier_label", "threshold", "recognised", "verdict", "provisional_items",
                "provisional_notice", "criteria", "items", "conditions", "failed_conditions",
                "missing_inputs", "values", "ntm", "file"))


# Most strings of a result come from the criteria set (item texts, names, band texts) and recur in every
# result; looking an escaped sentence up costs far less than escaping it again (`make bench` measures the
# JSON line). Bounded: once full, new strings are escaped each time.
_ESCAPED: dict[str, str] = {}
_ESCAPED_MAX = 20_000


def _s(value: str) -> str:
    out = _ESCAPED.get(value)
    if out is None:
        out = _escape(value)
        if len(_ESCAPED) < _ESCAPED_MAX:
            _ESCAPED[value] = out
    return out


def _opt(value: str | None) -> str:
    return "null" if value is None else _s(value)


def _int(value: int | bool) -> str:
    # bool before int: True is an int too; int.__repr__ is what json.dumps writes.
    if value is True:
        return "true"
    if value is False:
        return "false"
    return int.__repr__(value)


def _strings(values: list[str]) -> str:
    return "[" + ", ".join(map(_s, values)) + "]"


_ITEM_HEADS: dict[tuple, str] = {}


_ITEM_JSON: dict[int, tuple[ItemResult, str]] = {}


def _item(i: ItemResult) -> str:
    # The engine shares the results of yes/no and count items between results (engine/scoring.py), so
    # their JSON is written once too; keyed by identity, holding the object so the id stays its own.
    if i.rate is None:
        known = _ITEM_JSON.get(id(i))
        if known is not None and known[0] is i:
            return known[1]
        text = _item_text(i)
        if len(_ITEM_JSON) >= 4096:
            _ITEM_JSON.clear()
        _ITEM_JSON[id(i)] = (i, text)
        return text
    return _item_text(i)


def _item_text(i: ItemResult) -> str:
    # What comes from the criteria set (id, criterion, text, max, status) is written once per item.
    key = (i.id, i.criterion, i.text, i.max, i.status)
    head = _ITEM_HEADS.get(key)
    if head is None:
        head = _ITEM_HEADS[key] = (f'{{"id": {_escape(i.id)}, "criterion": {_escape(i.criterion)}, '
                                   f'"text": {_escape(i.text)}, "points": ')
        if len(_ITEM_HEADS) > _ESCAPED_MAX:
            _ITEM_HEADS.clear()
    assessed = "true" if i.assessed else "false"
    return (f'{head}{_int(i.points)}, "max": {_int(i.max)}, "status": {_s(i.status)}, '
            f'"assessed": {assessed}, "band": {_opt(i.band)}, "rate": {_opt(i.rate)}, '
            f'"explanation": {_s(i.explanation)}}}')


def _criterion(c: CriterionResult) -> str:
    return (f'{{"id": {_s(c.id)}, "name": {_s(c.name)}, "points": {_int(c.points)}, "max": {_int(c.max)}, '
            f'"assessed": {_int(c.assessed)}}}')


def _condition(c: ConditionResult) -> str:
    return f'{{"id": {_s(c.id)}, "text": {_s(c.text)}, "holds": {_int(c.holds)}}}'


def _ntm(n: NtmStatus) -> str:
    return (f'{{"indicator": {_s(n.indicator)}, "text": {_s(n.text)}, "status": {_s(n.status)}, '
            f'"status_text": {_s(n.status_text)}, "explanation": {_s(n.explanation)}, '
            f'"items": {_strings(n.items)}}}')


def _values(values: dict[str, int | bool]) -> str:
    if not values:
        return "{}"
    parts = []
    for k, v in values.items():
        key = _s(k)
        if v is True:
            parts.append(f"{key}: true")
        elif v is False:
            parts.append(f"{key}: false")
        else:
            parts.append(f"{key}: {int.__repr__(v)}")
    return "{" + ", ".join(parts) + "}"


def result_json(r: Result) -> str:
    """The result's JSON line; the same text as json.dumps(r.as_dict(), ensure_ascii=False)."""
    return (
        f'{{"file": {_opt(r.file)}, "commune": {_s(r.commune)}, "commune_name": {_s(r.commune_name)}, '
        f'"period": {_int(r.period)}, "criteria_set": {_s(r.criteria_set)}, '
        f'"criteria_hash": {_s(r.criteria_hash)}, "total": {_int(r.total)}, '
        f'"max_total": {_int(r.max_total)}, "tier": {_s(r.tier)}, "tier_label": {_s(r.tier_label)}, '
        f'"threshold": {_int(r.threshold)}, "recognised": {_int(r.recognised)}, "verdict": {_s(r.verdict)}, '
        f'"provisional_items": {_int(r.provisional_items)}, '
        f'"provisional_notice": {_opt(r.provisional_notice)}, '
        f'"criteria": [{", ".join(map(_criterion, r.criteria))}], '
        f'"items": [{", ".join(map(_item, r.items))}], '
        f'"conditions": [{", ".join(map(_condition, r.conditions))}], '
        f'"failed_conditions": {_strings(r.failed_conditions)}, '
        f'"missing_inputs": {_strings(r.missing_inputs)}, '
        f'"values": {_values(r.values)}, '
        f'"ntm": [{", ".join(map(_ntm, r.ntm))}]}}'
    )
