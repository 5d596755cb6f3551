"""A result as the JSON line `cfc score --json` prints: exactly the bytes of
`json.dumps(result.as_dict(), ensure_ascii=False)`, in a fraction of the time.

json.dumps walks a dict of ~500 values that as_dict() first builds from the dataclasses; here each
dataclass writes its own fields straight into one string, with the C string escaper of the standard json
module. A result fresh from the engine (its `source` is an engine.scoring.Scored) is written from what the
rules decided, without building its item and criterion objects: the fragments that depend only on the
criteria set and a band are prepared once per engine (Engine.json_memo, bounded), and only the figures are
formatted per result. The field lists below are checked against the classes at import, and
tests/test_score_golden.py and tests/test_jsonout.py compare the output with json.dumps on thousands of
results, fresh and read.
"""

from __future__ import annotations

from json.encoder import encode_basestring as _escape  # the C escaper json.dumps(ensure_ascii=False) uses
from typing import Any, cast

import orjson

from engine.assessment import Commune
from engine.compile import NONE_BAND
from engine.ntm.linker import HOLE, NtmLinker
from engine.result import RESULT_FIELDS, ConditionResult, CriterionResult, ItemResult, NtmStatus, Result
from engine.scoring import Engine, Scored


def _check(cls: type, fields: tuple[str, ...]) -> None:
    names = RESULT_FIELDS if cls is Result else tuple(cls.__slots__)  # type: ignore[attr-defined]
    if names != fields:
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


class _Memo(dict):
    """A bounded memo of JSON fragments: once full it starts again (a long-running web process meets many
    criteria sets and communes, each fragment is cheap to rebuild)."""

    def put(self, key: object, value: Any) -> Any:
        if len(self) >= _ESCAPED_MAX:
            self.clear()
        self[key] = value
        return value


_ITEM_JSON: dict[int, tuple[ItemResult, str]] = {}
_RATE_HEADS = _Memo()
_CRITERIA = _Memo()
_CONDITIONS = _Memo()
_NTM_JSON: dict[int, tuple[NtmStatus, str]] = {}
_NTM_PARTS = _Memo()
_VALUE_KEYS = _Memo()
_RESULT_HEADS = _Memo()


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
    # A rate item: everything up to its rate is the same for every result in the same band, and the rate
    # and explanation (new figures each time) are escaped directly, not remembered.
    key = (i.id, i.criterion, i.text, i.points, i.max, i.status, i.assessed, i.band)
    head = _RATE_HEADS.get(key)
    if head is None:
        text = _item_text(i)
        _RATE_HEADS.put(key, text[: text.index(', "rate": ') + 10])
        return text
    return f'{head}{_escape(i.rate)}, "explanation": {_escape(i.explanation)}}}'


def _item_text(i: ItemResult) -> str:
    assessed = "true" if i.assessed else "false"
    return (f'{{"id": {_s(i.id)}, "criterion": {_s(i.criterion)}, "text": {_s(i.text)}, '
            f'"points": {_int(i.points)}, "max": {_int(i.max)}, "status": {_s(i.status)}, '
            f'"assessed": {assessed}, "band": {_opt(i.band)}, "rate": {_opt(i.rate)}, '
            f'"explanation": {_s(i.explanation)}}}')


def _criterion(c: CriterionResult) -> str:
    key = (c.id, c.name, c.points, c.max, c.assessed)
    known = _CRITERIA.get(key)
    if known is not None:
        return known
    return _CRITERIA.put(key, (
        f'{{"id": {_s(c.id)}, "name": {_s(c.name)}, "points": {_int(c.points)}, "max": {_int(c.max)}, '
        f'"assessed": {_int(c.assessed)}}}'))


def _condition(c: ConditionResult) -> str:
    key = (c.id, c.text, c.holds)
    known = _CONDITIONS.get(key)
    if known is not None:
        return known
    return _CONDITIONS.put(key, f'{{"id": {_s(c.id)}, "text": {_s(c.text)}, "holds": {_int(c.holds)}}}')


def _ntm(n: NtmStatus) -> str:
    # Statuses on yes/no inputs and on items are shared between results (engine/ntm/linker.py).
    known = _NTM_JSON.get(id(n))
    if known is not None and known[0] is n:
        return known[1]
    # The rest (a rate's status, a status naming figures) is new: everything but its explanation comes
    # from the table and recurs.
    key = (n.indicator, n.text, n.status, n.status_text, *n.items)
    parts = _NTM_PARTS.get(key)
    if parts is None:
        head = (f'{{"indicator": {_s(n.indicator)}, "text": {_s(n.text)}, "status": {_s(n.status)}, '
                f'"status_text": {_s(n.status_text)}, "explanation": ')
        parts = _NTM_PARTS.put(key, (head, f', "items": {_strings(n.items)}}}'))
    text = parts[0] + _escape(n.explanation) + parts[1]
    if len(_NTM_JSON) >= 4096:
        _NTM_JSON.clear()
    _NTM_JSON[id(n)] = (n, text)
    return text


def _values(values: dict[str, int | bool]) -> str:
    if not values:
        return "{}"
    parts = []
    keys = _VALUE_KEYS
    for k, v in values.items():
        key = keys.get(k)
        if key is None:
            key = keys.put(k, _escape(k) + ": ")
        if v is True:
            parts.append(key + "true")
        elif v is False:
            parts.append(key + "false")
        else:
            parts.append(key + int.__repr__(v))
    return "{" + ", ".join(parts) + "}"


def _head(r: Result) -> str:
    # From "criteria_set" to "provisional_notice": what the criteria set and the commune's tier decide.
    key = (r.criteria_set, r.criteria_hash, r.total, r.max_total, r.tier, r.tier_label, r.threshold,
           r.recognised, r.verdict, r.provisional_items, r.provisional_notice)
    known = _RESULT_HEADS.get(key)
    if known is not None:
        return known
    return _RESULT_HEADS.put(key, (
        f'"criteria_set": {_s(r.criteria_set)}, '
        f'"criteria_hash": {_s(r.criteria_hash)}, "total": {_int(r.total)}, '
        f'"max_total": {_int(r.max_total)}, "tier": {_s(r.tier)}, "tier_label": {_s(r.tier_label)}, '
        f'"threshold": {_int(r.threshold)}, "recognised": {_int(r.recognised)}, "verdict": {_s(r.verdict)}, '
        f'"provisional_items": {_int(r.provisional_items)}, '
        f'"provisional_notice": {_opt(r.provisional_notice)}, '))


_FRAGMENTS_MAX = 1024  # per item and per criterion (the engine's item cache has the same bound)


class _Tables:
    """Per engine: each item's JSON by what it depends on, each rate item's JSON head per band, each
    criterion's JSON by its points, the conditions' JSON by which hold, the failed conditions' JSON by
    what fails, and per link table the NTM statuses' JSON templates by what their rules decided."""

    __slots__ = ("items", "yes_nos", "counts", "rates", "criteria", "conditions", "failed", "failed_totals",
                 "why_tails", "whys", "ntm")

    def __init__(self, engine: Engine) -> None:
        # Per item: (position, kind, input compared, inputs read, numerator, denominator, formatter per
        # band, its fragments by key, its JSON around the figure per band).
        self.items: list[tuple[Any, ...]] = [
            (position, _RATE if p.numerator is not None else _YES_NO if p.item.rule == "yes_no" else _COUNT,
             p.value, p.reads, p.numerator, p.denominator, engine._rate_plans[position][2], {}, {})
            for position, p in enumerate(engine._plans)
        ]
        # The same, by kind, for _items_fast: (position, its fragments, inputs read, then what the kind
        # reads: the input compared; its JSON around the figure per band; or numerator, denominator, the
        # formatter per band and the JSON around the figure per band).
        self.yes_nos = [(i[0], i[7], i[3], i[2]) for i in self.items if i[1] == _YES_NO]
        self.counts = [(i[0], i[7], i[3], i[2], i[8]) for i in self.items if i[1] == _COUNT]
        self.rates = [(i[0], i[7], i[3], i[4], i[5], i[6], i[8]) for i in self.items if i[1] == _RATE]
        self.criteria: list[dict[tuple[int, bool], str]] = [{} for _ in engine._slices]
        self.conditions: dict[tuple[bool, bool, bool], str] = {}
        self.failed = _Memo()  # the failed conditions of criteria at 0 points, by which
        self.failed_totals = _Memo()  # the threshold's, by tier and total
        self.why_tails: dict[tuple[int, int | str | None], str] = {}
        self.whys = _Memo()  # what an item other than a counted rate says, by what decides it
        self.ntm: dict[int, _NtmTemplates] = {}


class _NtmTemplates:
    """One link table's statuses as JSON templates (NtmLinker.template): per key, the text before the
    first figure and, per figure, how to write it and the text after it; None where a status must be
    built whole."""

    __slots__ = ("linker", "rates", "memo")

    def __init__(self, linker: NtmLinker) -> None:
        self.linker = linker  # held, so that the id keying this table stays its own
        self.rates = [linker.rate_inputs(index) for index in range(len(linker.table.indicators))]
        self.memo = _Memo()


def _tables(engine: Engine) -> _Tables:
    tables = engine.json_memo.get("jsonout")
    if tables is None:
        tables = engine.json_memo["jsonout"] = _Tables(engine)
    return tables


_YES_NO, _COUNT, _RATE = range(3)
_UNUSABLE: tuple[str, ...] = ()  # a band whose explanation does not start with the figure: item by item


def _item_pieces(s: Scored, position: int, figure: str) -> tuple[str, ...]:
    """A count or counted rate item's JSON for its band, cut where its figure goes (`figure.join(pieces)`
    writes it): before and after the explanation's figure for a count; before the rate, between the rate and
    the explanation's figure, and after it for a rate. _UNUSABLE when the explanation does not start with
    the figure."""
    item = s.item(position)
    text = _item_text(item)
    if not item.explanation.startswith(figure):
        return _UNUSABLE
    tail = _escape(item.explanation[len(figure):])[1:-1] + '"}'
    if item.rate is not None:
        if item.rate != figure:
            return _UNUSABLE
        return text[: text.index(', "rate": ') + 11], '", "explanation": "', tail
    # The explanation is the last field and its escaped value holds no bare quote: the last match is it.
    return text[: text.rindex(', "explanation": "') + 18], tail


def _items_fast(s: Scored, tables: _Tables) -> str:
    # Item by item as before, in one loop per kind (the kinds' branches and the unpacking of what a kind
    # does not read cost more than the writing): each item's JSON goes to its place in `out`.
    values = s.assessment.values
    present, bands = s.present, s.bands
    out: list[str] = [""] * len(present)
    for position, fragments, reads, value in tables.yes_nos:
        if present[position]:
            key: object = (bands[position], values[value])
        else:
            key = ("missing", *(name in values for name in reads))
        known = fragments.get(key)
        out[position] = _fragment(s, position, fragments, key) if known is None else known
    for position, fragments, reads, value, heads in tables.counts:
        if not present[position]:
            key = ("missing", *(name in values for name in reads))
            known = fragments.get(key)
            out[position] = _fragment(s, position, fragments, key) if known is None else known
            continue
        # A count's figure changes with every result, the rest only with the band (the figure is digits:
        # nothing JSON escapes).
        band = bands[position]
        figure = str(values[value])
        pieces = heads.get(band)
        if pieces is None:
            pieces = heads[band] = _item_pieces(s, position, figure)
        out[position] = figure.join(pieces) if pieces else _item_text(s.item(position))
    rates = s._rates
    for position, fragments, reads, numerator, denominator, percents, heads in tables.rates:
        band = bands[position]
        if not present[position] or band == NONE_BAND:
            key = band if present[position] else ("missing", *(name in values for name in reads))
            known = fragments.get(key)
            out[position] = _fragment(s, position, fragments, key) if known is None else known
            continue
        # A rate: as a count, its figure ("/", "=", ",", " %" besides digits: nothing JSON escapes), written
        # here as Scored.rate_text() writes it, and kept for an NTM status that quotes the item.
        num, den = values[numerator], values[denominator]
        figure = rates[position] = f"{num}/{den} = {percents[band](num, den)}"
        pieces = heads.get(band)
        if pieces is None:
            pieces = heads[band] = _item_pieces(s, position, figure)
        out[position] = figure.join(pieces) if pieces else _item_text(s.item(position))
    return ", ".join(out)


def _fragment(s: Scored, position: int, fragments: dict, key: object) -> str:
    """The JSON of an item whose text depends only on `key` (no figure of its own), made and kept."""
    known = _item_text(s.item(position))
    if len(fragments) < _FRAGMENTS_MAX:
        fragments[key] = known
    return known


def _criteria_fast(s: Scored, tables: _Tables) -> str:
    out = []
    for index, memo, got, assessed in zip(range(len(tables.criteria)), tables.criteria, s.crit_points,
                                          s.crit_assessed, strict=True):
        key = (got, assessed)
        known = memo.get(key)
        if known is None:
            crit_id, name, maximum, _, _ = s.engine._slices[index]
            known = _criterion(CriterionResult(crit_id, name, got, maximum, assessed))
            if len(memo) < _FRAGMENTS_MAX:
                memo[key] = known
        out.append(known)
    return ", ".join(out)


def _conditions_fast(s: Scored, tables: _Tables) -> str:
    key = (s.all_assessed, s.no_zero, s.total >= s.tier.threshold)
    known = tables.conditions.get(key)
    if known is None:
        known = tables.conditions[key] = ", ".join(map(_condition, s.conditions()))
    return known


def _failed_fast(s: Scored, tables: _Tables) -> str:
    # Engine.failed_conditions() in its three parts: the unassessed criteria (written each time: it names
    # the inputs missing, which differ from one assessment to the next), the criteria at 0 points (by
    # which), the total below the threshold (by tier and total).
    engine = s.engine
    parts = []
    if not s.all_assessed:
        parts.append(_escape(engine.unassessed_failure(s.crit_assessed, s.assessment.missing)))
    if not s.no_zero:
        crit_points, crit_assessed = s.crit_points, s.crit_assessed
        zero = tuple(index for index, (got, assessed)
                     in enumerate(zip(crit_points, crit_assessed, strict=True)) if assessed and not got)
        known = tables.failed.get(zero)
        if known is None:
            known = tables.failed.put(zero, ", ".join(map(_escape, engine.zero_failures(crit_points,
                                                                                        crit_assessed))))
        parts.append(known)
    tier = s.tier
    if s.total < tier.threshold:
        key = (tier.id, s.total)
        below = tables.failed_totals.get(key)
        if below is None:
            below = tables.failed_totals.put(key, _escape(engine.threshold_failure(s.total, tier.id)))
        parts.append(below)
    return ", ".join(parts)


def _why(s: Scored, tables: _Tables, position: int) -> str:
    """Scored.why() of the item at `position`, JSON-escaped without its quotes: for a counted rate or a
    count, its figure (Scored.figure) and a tail per band, else a text per item and what decides it
    (Engine.item_key)."""
    _, kind, value = tables.items[position][:3]
    band = s.bands[position]
    present = s.present[position]
    if present and kind != _YES_NO and band != NONE_BAND:
        if kind == _RATE:
            figure = s._rates.get(position) or s.rate_text(position)
        else:
            figure = str(s.assessment.values[cast(str, value)])
        key: tuple = (position, band)
        tail = tables.why_tails.get(key)
        if tail is None:
            tail = tables.why_tails[key] = _escape(s.engine.why_tail(position, band))[1:-1]
        return figure + tail
    key = (position, s.engine.item_key(position, present, band, s.assessment.values))
    said = tables.whys.get(key)
    if said is None:
        said = tables.whys.put(key, _escape(s.why(s.engine.cs.items[position].id))[1:-1])
    return said


def _ntm_fast(s: Scored, tables: _Tables) -> str:
    linker, fired = s.linker, s.ntm_fired
    if linker is None or fired is None:
        return ""
    templates = tables.ntm.get(id(linker))
    if templates is None or templates.linker is not linker:
        templates = tables.ntm[id(linker)] = _NtmTemplates(linker)
    memo = templates.memo
    values, commune = s.assessment.values, s.assessment.commune
    region = None
    out = []
    for index, rate in enumerate(templates.rates):
        got = fired.get(index, [])
        if rate is None:
            key: tuple = (index, *got)
        else:
            if region is None:
                region = linker.table.effective_region(commune)
            key = (index, region, *[name in values for name in rate[2]], *got)
        template = memo.get(key, _ABSENT)
        if template is _ABSENT:
            template = memo.put(key, _ntm_template(linker, index, got, values, commune, s.engine))
        if template is None:  # a text of the table holds the hole character: built whole
            out.append(_ntm(linker._status(linker._indicators[index][0], got, values, commune, s.why)))
            continue
        first, rest = template
        if not rest:
            out.append(first)
            continue
        parts = [first]
        for hole, after in rest:
            if type(hole) is int:
                parts.append(_why(s, tables, hole))
            else:
                num, den = values[rate[0]], values[rate[1]]  # type: ignore[index]
                parts.append(f"{num}/{den} = {hole(num, den)}")
            parts.append(after)
        out.append("".join(parts))
    return ", ".join(out)


_ABSENT = object()


def _ntm_template(linker: NtmLinker, index: int, got: list[tuple[str, str]], values: dict[str, int | bool],
                  commune: Commune, engine: Engine) -> tuple[str, list[tuple[Any, str]]] | None:
    made = linker.template(index, got, values, commune)
    if made is None:
        return None
    status, holes = made
    # Escaped piece by piece, the pieces and the figures between them give the escaped whole (the escaper
    # works character by character); the figures are escaped where they are written.
    pieces = [_escape(piece)[1:-1] for piece in status.explanation.split(HOLE)]
    head = (f'{{"indicator": {_s(status.indicator)}, "text": {_s(status.text)}, '
            f'"status": {_s(status.status)}, "status_text": {_s(status.status_text)}, "explanation": "')
    tail = f'", "items": {_strings(status.items)}}}'
    pieces[0] = head + pieces[0]
    pieces[-1] += tail
    positions = engine._positions
    fills = [positions[hole] if isinstance(hole, str) else hole for hole in holes]
    return pieces[0], list(zip(fills, pieces[1:], strict=True))


def _values_fast(values: dict[str, int | bool]) -> str:
    # Only for a result from the engine: its keys are input ids (^[a-z][a-z0-9_]*$, checked on load) and
    # its values whole numbers or booleans, so orjson's compact text differs from json.dumps' only by the
    # space after each separator, and no other character is a colon or a comma. Replacing the single
    # characters ran twice as fast as replacing '":' and ',"' (bytes.replace of one byte uses memchr).
    return orjson.dumps(values).replace(b",", b", ").replace(b":", b": ").decode()


def result_json(r: Result) -> str:
    """The result's JSON line; the same text as json.dumps(r.as_dict(), ensure_ascii=False)."""
    s = r.source
    if isinstance(s, Scored):
        tables = _tables(s.engine)
        return (
            f'{{"file": {_opt(r.file)}, "commune": {_s(r.commune)}, "commune_name": {_s(r.commune_name)}, '
            f'"period": {_int(r.period)}, {_head(r)}'
            f'"criteria": [{_criteria_fast(s, tables)}], '
            f'"items": [{_items_fast(s, tables)}], '
            f'"conditions": [{_conditions_fast(s, tables)}], '
            f'"failed_conditions": [{_failed_fast(s, tables)}], '
            f'"missing_inputs": {_strings(r.missing_inputs)}, '
            f'"values": {_values_fast(r.values)}, '
            f'"ntm": [{_ntm_fast(s, tables)}]}}'
        )
    return (
        f'{{"file": {_opt(r.file)}, "commune": {_s(r.commune)}, "commune_name": {_s(r.commune_name)}, '
        f'"period": {_int(r.period)}, {_head(r)}'
        f'"criteria": [{", ".join(map(_criterion, r.criteria))}], '
        f'"items": [{", ".join(map(_item, r.items))}], '
        f'"conditions": [{", ".join(map(_condition, r.conditions))}], '
        f'"failed_conditions": [{", ".join(map(_escape, r.failed_conditions))}], '
        f'"missing_inputs": {_strings(r.missing_inputs)}, '
        f'"values": {_values(r.values)}, '
        f'"ntm": [{", ".join(map(_ntm, r.ntm))}]}}'
    )
