"""The link to new rural development (nông thôn mới, NTM) as data: pydantic models of the `kind: ntm_link`
files in criteria/, the checks that keep such a file sound, the choice of file by period, and the district
view of the linked statuses.

Which NTM indicators relate to children, their texts, thresholds and status rules all live in the YAML;
nothing here knows a particular indicator. The statuses themselves are derived in engine/ntm/linker.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from engine.assessment import Commune
from engine.common import CriterionId, DocumentHeader, FrozenModel, Ident, ItemId, LegalRef
from engine.criteria import RATE_UNITS, CriteriaError, CriteriaSet, Found, Problem, located
from engine.flags import BASE_FIELDS, CommuneFlag
from engine.messages import CK_NOT_MAPPING, pydantic_error_vi
from engine.ntm import messages as nmsg
from engine.result import Result
from engine.yamlsource import Loc, SourceMap

IndicatorStatus = Literal["confirmed", "provisional", "unverified"]

NtmNumber = Annotated[str, Field(pattern=r"^\d+(\.\d+)?$")]


_Date = date  # the field below is named `date`, which would shadow the type inside the class body


class NtmLegalRef(LegalRef):
    """A legal reference whose issue date may still be unknown."""

    date: _Date | None = None  # type: ignore[assignment]  # None while the issue date is not verified


class NtmCriterion(FrozenModel):
    id: CriterionId
    name: str
    status: IndicatorStatus = "confirmed"


class CommuneGroup(FrozenModel):
    id: Ident
    label: str
    status: IndicatorStatus = "confirmed"


class RegionOverride(FrozenModel):
    """Communes whose profile `flag` (one of the table's `commune_flags`) is true are judged with the
    thresholds of `region`."""

    flag: Ident
    region: Ident
    reason: str


class RateAtMostRegional(FrozenModel):
    kind: Literal["rate_at_most_regional"]
    item: ItemId
    label: str  # how the explanation names the rate, e.g. "Tỷ lệ thấp còi"
    thresholds: dict[str, Decimal]  # region id -> ceiling in percent


class InputTrue(FrozenModel):
    kind: Literal["input_true"]
    input: Ident


class ItemsAtTopBand(FrozenModel):
    kind: Literal["items_at_top_band"]


class ItemsAtMax(FrozenModel):
    kind: Literal["items_at_max"]


NtmRule = Annotated[
    RateAtMostRegional | InputTrue | ItemsAtTopBand | ItemsAtMax, Field(discriminator="kind")
]
RULE_KINDS = ("rate_at_most_regional", "input_true", "items_at_top_band", "items_at_max")


class Indicator(FrozenModel):
    # Some indicators are numbered differently by different copies of the decision: those have no
    # `number` and are keyed by their text.
    number: NtmNumber | None = None
    criterion: CriterionId
    numbered_as: list[NtmNumber] = []
    text: str = Field(min_length=1)
    legal_ref: str
    status: IndicatorStatus
    items: list[ItemId] = []
    rule: NtmRule | None = None
    note: str | None = None

    @property
    def key(self) -> str:
        return self.number if self.number is not None else self.text


class NtmTable(DocumentHeader[NtmLegalRef]):
    kind: Literal["ntm_link"]
    criteria_set: str
    # The yes/no facts of the commune profile this table reads (engine/flags.py): the web form, the
    # spreadsheets and the assessment validator are generated from them.
    commune_flags: list[CommuneFlag] = []
    region_override: RegionOverride | None = None
    commune_groups: list[CommuneGroup] = []
    ntm_criteria: list[NtmCriterion] = Field(min_length=1)
    indicators: list[Indicator] = Field(min_length=1)

    def indicator(self, key: str) -> Indicator:
        return next(i for i in self.indicators if i.key == key)

    def effective_region(self, commune: Commune) -> tuple[str, bool]:
        """The region whose thresholds apply, and whether the override chose it."""
        override = self.region_override
        if override is not None and commune.flags.get(override.flag) is True:
            return override.region, True
        return commune.region, False

    @property
    def unverified_count(self) -> int:
        return sum(1 for i in self.indicators if i.status == "unverified")


def table_for_period(tables: Iterable[NtmTable], period: int) -> NtmTable | None:
    """The link table in force for an assessment period; the most recent one if several are."""
    in_force = [t for t in tables if t.in_force(period)]
    return max(in_force, key=lambda t: t.effective_from) if in_force else None


# --- loading and checks ---------------------------------------------------------------------------------


def _strip_union_tag(loc: Loc) -> Loc:
    # pydantic puts the discriminator value into the path ('rule', 'input_true', 'input'); the file has no
    # such level, and the officer reading the message should see the path as written.
    out: list[str | int] = []
    for index, part in enumerate(loc):
        if part in RULE_KINDS and index and loc[index - 1] == "rule":
            continue
        out.append(part)
    return tuple(out)


def _pydantic_message(error: Any) -> str:
    if error["type"] == "union_tag_invalid":
        return f"loại quy tắc không hợp lệ (cần một trong: {', '.join(RULE_KINDS)})"
    if error["type"] == "union_tag_not_found":
        return f"quy tắc cần trường «kind» (một trong: {', '.join(RULE_KINDS)})"
    return pydantic_error_vi(error)


def link_problems(table: NtmTable, cs: CriteriaSet | None) -> list[Found]:
    """Checks pydantic cannot express: references into the criteria set, regions, thresholds, uniqueness.

    `cs` is None when the table names no known criteria set; the checks that need one are then skipped."""
    return [found for check in _TABLE_CHECKS for found in check(table, cs)]


def _table_dates(table: NtmTable, cs: CriteriaSet | None) -> Iterator[Found]:
    if table.effective_to is not None and table.effective_to < table.effective_from:
        yield ("effective_to",), nmsg.CK_DATES


def _duplicate_ids(table: NtmTable, cs: CriteriaSet | None) -> Iterator[Found]:
    for key, ids in (
        ("ntm_criteria", [c.id for c in table.ntm_criteria]),
        ("commune_groups", [g.id for g in table.commune_groups]),
        ("commune_flags", [f.id for f in table.commune_flags]),
    ):
        counts = Counter(ids)
        for index, value in enumerate(ids):
            # Every occurrence after the first is reported.
            if counts[value] > 1 and ids.index(value) != index:
                yield (key, index, "id"), nmsg.CK_DUPLICATE_ID.format(id=value)


def _duplicate_indicators(table: NtmTable, cs: CriteriaSet | None) -> Iterator[Found]:
    keys = [i.key for i in table.indicators]
    for index, key in enumerate(keys):
        if keys.index(key) != index:
            # The key is the number, or the text when there is none: point at the field it came from.
            field = "number" if table.indicators[index].number is not None else "text"
            yield ("indicators", index, field), nmsg.CK_DUPLICATE_INDICATOR.format(key=key)


def _indicators(table: NtmTable, cs: CriteriaSet | None) -> Iterator[Found]:
    """Each indicator on its own, all its problems before the next indicator's."""
    for index, ind in enumerate(table.indicators):
        for check in _INDICATOR_CHECKS:
            yield from ((("indicators", index, *loc), text) for loc, text in check(table, ind, cs))


def _reserved_flags(table: NtmTable, cs: CriteriaSet | None) -> Iterator[Found]:
    # A flag is read from the assessment's `commune` block, so it may not take a fixed field's name.
    for index, flag in enumerate(table.commune_flags):
        if flag.id in BASE_FIELDS:
            yield ("commune_flags", index, "id"), nmsg.CK_FLAG_RESERVED.format(id=flag.id)


def _region_override(table: NtmTable, cs: CriteriaSet | None) -> Iterator[Found]:
    override = table.region_override
    if override is None:
        return
    if override.flag not in {f.id for f in table.commune_flags}:
        yield ("region_override", "flag"), nmsg.CK_OVERRIDE_FLAG.format(id=override.flag)
    if cs is not None and override.region not in {r.id for r in cs.regions}:
        yield ("region_override", "region"), nmsg.CK_REGION_UNKNOWN.format(id=override.region, cs=cs.id)


# The checks of a whole table, in the order their problems are reported.
_TABLE_CHECKS: tuple[Callable[[NtmTable, CriteriaSet | None], Iterable[Found]], ...] = (
    _table_dates,
    _duplicate_ids,
    _duplicate_indicators,
    _indicators,
    _reserved_flags,
    _region_override,
)


def _indicator_criterion(table: NtmTable, ind: Indicator, cs: CriteriaSet | None) -> Iterator[Found]:
    if ind.criterion not in {c.id for c in table.ntm_criteria}:
        yield ("criterion",), nmsg.CK_UNKNOWN_NTM_CRITERION.format(id=ind.criterion)


def _indicator_numbers(table: NtmTable, ind: Indicator, cs: CriteriaSet | None) -> Iterator[Found]:
    # An indicator's number, and each other number it goes by, starts with its NTM criterion ("5.2" is in 5).
    for n_index, number in enumerate([ind.number, *ind.numbered_as]):
        if number is not None and number.split(".")[0] != ind.criterion:
            where: Loc = ("number",) if n_index == 0 else ("numbered_as", n_index - 1)
            yield where, nmsg.CK_NUMBER_CRITERION.format(number=number, crit=ind.criterion)


def _rule_required(table: NtmTable, ind: Indicator, cs: CriteriaSet | None) -> Iterator[Found]:
    # Without a rule the linker can only answer «cần xem xét» (engine/ntm/linker.py), which is the
    # answer only for an unverified indicator.
    if ind.rule is None and ind.status != "unverified":
        yield ("status",), nmsg.CK_RULE_REQUIRED


def _rule_items(table: NtmTable, ind: Indicator, cs: CriteriaSet | None) -> Iterator[Found]:
    """The rule reads the indicator's linked items: the rules over items need some, a rate rule its own."""
    if isinstance(ind.rule, ItemsAtTopBand | ItemsAtMax) and not ind.items:
        yield ("items",), nmsg.CK_RULE_NEEDS_ITEMS.format(kind=ind.rule.kind)
    if isinstance(ind.rule, RateAtMostRegional) and ind.rule.item not in ind.items:
        yield ("rule", "item"), nmsg.CK_RULE_ITEM_NOT_LINKED.format(id=ind.rule.item)


def _duplicate_items(table: NtmTable, ind: Indicator, cs: CriteriaSet | None) -> Iterator[Found]:
    for i_index, item_id in enumerate(ind.items):
        if ind.items.index(item_id) != i_index:
            yield ("items", i_index), nmsg.CK_DUPLICATE_ITEM.format(id=item_id)


def _rate_thresholds(table: NtmTable, ind: Indicator, cs: CriteriaSet | None) -> Iterator[Found]:
    if not isinstance(ind.rule, RateAtMostRegional):
        return
    for region, threshold in ind.rule.thresholds.items():
        where: Loc = ("rule", "thresholds", region)
        # Precision as for the criteria set's rates (see RATE_UNITS), checked only on a rate in range.
        if not 0 <= threshold <= 100:
            yield where, nmsg.CK_RATE_RANGE
        elif (threshold * RATE_UNITS) % 1:
            yield where, nmsg.CK_RATE_PRECISION


def _criteria_set_refs(table: NtmTable, ind: Indicator, cs: CriteriaSet | None) -> Iterator[Found]:
    if cs is not None:
        yield from _indicator_refs(ind, cs)


# The checks of one indicator, in the order their problems are reported; paths relative to the indicator.
_INDICATOR_CHECKS: tuple[Callable[[NtmTable, Indicator, CriteriaSet | None], Iterable[Found]], ...] = (
    _indicator_criterion,
    _indicator_numbers,
    _rule_required,
    _rule_items,
    _duplicate_items,
    _rate_thresholds,
    _criteria_set_refs,
)


def _indicator_refs(ind: Indicator, cs: CriteriaSet) -> list[tuple[Loc, str]]:
    """An indicator's references into the criteria set it links to."""
    out: list[tuple[Loc, str]] = []
    known = {item.id for item in cs.items}
    for index, item_id in enumerate(ind.items):
        if item_id not in known:
            out.append((("items", index), nmsg.CK_UNKNOWN_ITEM.format(id=item_id, cs=cs.id)))
    rule = ind.rule
    if isinstance(rule, RateAtMostRegional):
        if rule.item in known and not cs.item(rule.item).is_rate:
            out.append((("rule", "item"), nmsg.CK_RULE_ITEM_NOT_RATE.format(id=rule.item, kind=rule.kind)))
        regions = [r.id for r in cs.regions]
        for region in regions:
            if region not in rule.thresholds:
                out.append((("rule", "thresholds"), nmsg.CK_REGION_MISSING.format(id=region)))
        for region in rule.thresholds:
            if region not in regions:
                text = nmsg.CK_REGION_UNKNOWN.format(id=region, cs=cs.id)
                out.append((("rule", "thresholds", region), text))
    elif isinstance(rule, InputTrue):
        if not cs.has_input(rule.input):
            out.append((("rule", "input"), nmsg.CK_UNKNOWN_INPUT.format(id=rule.input, cs=cs.id)))
        elif cs.input(rule.input).type != "bool":
            out.append((("rule", "input"), nmsg.CK_INPUT_NOT_BOOL.format(id=rule.input, kind=rule.kind)))
    return out


def parse_ntm_table(data: Any, source: SourceMap, criteria_sets: Mapping[str, CriteriaSet]) -> NtmTable:
    """Validate one link document against the criteria sets it may name; raise CriteriaError listing every
    problem with file, line and path."""
    if not isinstance(data, dict):
        raise CriteriaError([Problem(source.file, 1, "", CK_NOT_MAPPING)])
    try:
        table = NtmTable.model_validate(data)
    except ValidationError as exc:
        raise CriteriaError(located(source, (
            (_strip_union_tag(tuple(error["loc"])), _pydantic_message(error)) for error in exc.errors()
        ))) from None
    found: list[tuple[Loc, str]] = []
    cs = criteria_sets.get(table.criteria_set)
    if cs is None:
        found.append((("criteria_set",), nmsg.CK_UNKNOWN_CRITERIA_SET.format(id=table.criteria_set)))
    found.extend(link_problems(table, cs))
    if found:
        raise CriteriaError(located(source, found))
    return table


# --- the district view ----------------------------------------------------------------------------------


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class CommuneNtm(_Out):
    commune: str
    commune_name: str
    period: int
    file: str | None = None
    status: str
    status_text: str
    explanation: str


class IndicatorView(_Out):
    indicator: str
    text: str
    communes: int  # how many assessments carry this indicator
    dat: int
    chua_dat: list[CommuneNtm]
    can_xem_xet: list[CommuneNtm]


def district_view(results: Iterable[Result]) -> list[IndicatorView]:
    """Per linked NTM indicator (in the order first met), the communes that are "Chưa đạt" or "Cần xem xét".

    Results without NTM statuses (no link table in force) are simply not counted.
    """
    order: list[str] = []
    texts: dict[str, str] = {}
    seen: dict[str, int] = {}
    dat: dict[str, int] = {}
    lists: dict[str, dict[str, list[CommuneNtm]]] = {}
    for result in results:
        for status in result.ntm:
            key = status.indicator
            if key not in texts:
                order.append(key)
                texts[key] = status.text
                seen[key] = dat[key] = 0
                lists[key] = {"chua_dat": [], "can_xem_xet": []}
            seen[key] += 1
            if status.status == "dat":
                dat[key] += 1
                continue
            lists[key][status.status].append(CommuneNtm(
                commune=result.commune, commune_name=result.commune_name, period=result.period,
                file=result.file, status=status.status, status_text=status.status_text,
                explanation=status.explanation,
            ))
    return [
        IndicatorView(indicator=key, text=texts[key], communes=seen[key], dat=dat[key],
                      chua_dat=lists[key]["chua_dat"], can_xem_xet=lists[key]["can_xem_xet"])
        for key in order
    ]
