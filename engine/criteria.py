"""The criteria set as data: pydantic models of criteria/*.yaml, and the checks that keep a file sound.

A district officer edits these files by hand, so every problem is reported with the file, the line, the
path inside the document and a Vietnamese sentence, one message per problem.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any, Literal

from pydantic import Field, PrivateAttr, ValidationError, field_validator

from engine import messages as msg
from engine.common import CriterionId, DocumentHeader, FrozenModel, Ident, ItemId, LegalRef
from engine.yamlsource import Loc, SourceMap, YamlSyntaxError, format_loc, load_yaml_bytes

RuleKind = Literal["yes_no", "rate_higher", "rate_lower", "count_higher", "count_lower"]
Status = Literal["confirmed", "provisional"]
InputType = Literal["count", "bool"]

# Rates are compared as whole numbers of RATE_UNITS per 1 %, so every threshold must be a multiple of
# 1/RATE_UNITS % (0,001 %): that keeps band edges exact inside the rule engine (see engine/compile.py).
RATE_UNITS = 1000

class Tier(FrozenModel):
    id: Ident
    label: str
    threshold: int = Field(ge=0)


class Choice(FrozenModel):
    id: Ident
    label: str


class Conditions(FrozenModel):
    all_assessed: str
    no_zero_criterion: str
    threshold: str


class Recognition(FrozenModel):
    legal_ref: str
    conditions: Conditions


class InputDef(FrozenModel):
    id: Ident
    type: InputType
    label: str
    help: str = ""
    part_of: Ident | None = None
    section: Literal["general"] | None = None


class Band(FrozenModel):
    points: int = Field(gt=0)
    when: bool | None = None
    at_least: Decimal | None = Field(default=None, ge=0)
    at_most: Decimal | None = Field(default=None, ge=0)
    status: Status | None = None

    @property
    def threshold(self) -> Decimal | None:
        return self.at_least if self.at_least is not None else self.at_most


class Source(FrozenModel):
    """Where a confirmed item's points were read: the document, its article or table, and the page."""

    document: str = Field(min_length=1)
    article: str = Field(min_length=1)
    page: str | None = None

    @field_validator("page", mode="before")
    @classmethod
    def _page_text(cls, value: Any) -> Any:
        # "page: 12" is the natural way to type it; keep it as text ("12", "12–13").
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    def text(self) -> str:
        parts = [self.document, self.article]
        if self.page:
            parts.append(f"trang {self.page}")
        return ", ".join(parts)


class Item(FrozenModel):
    id: ItemId
    text: str
    legal_ref: str
    status: Status
    source: Source | None = None
    note: str | None = None
    rule: RuleKind
    input: Ident | None = None
    numerator: Ident | None = None
    denominator: Ident | None = None
    if_none: Literal["full", "zero"] | None = None
    bands: list[Band] = Field(min_length=1)

    @cached_property
    def criterion(self) -> str:
        return self.id.split(".")[0]

    @cached_property
    def is_rate(self) -> bool:
        return self.rule.startswith("rate_")

    @cached_property
    def higher_is_better(self) -> bool:
        return self.rule.endswith("_higher")

    @cached_property
    def max(self) -> int:
        return max(band.points for band in self.bands)

    # Derived once: the engine reads these for every item of every assessment.
    @cached_property
    def none_points(self) -> int:
        """Points when the denominator is 0 (rate items only)."""
        return self.max if self.if_none == "full" else 0

    @cached_property
    def inputs(self) -> list[str]:
        return [name for name in (self.input, self.numerator, self.denominator) if name]

    def band_status(self, band: Band) -> Status:
        return band.status or self.status


class Criterion(FrozenModel):
    id: CriterionId
    name: str
    max: int = Field(gt=0)
    legal_ref: str | None = None
    items: list[Item] = Field(min_length=1)


class CriteriaSet(DocumentHeader[LegalRef]):
    kind: Literal["child_friendly_criteria"]
    total: int = Field(gt=0)
    tiers: list[Tier] = Field(min_length=1)
    regions: list[Choice] = Field(min_length=1)
    recognition: Recognition
    inputs: list[InputDef] = Field(min_length=1)
    criteria: list[Criterion] = Field(min_length=1)
    # sha256 (hex) of the verbatim YAML bytes the set was loaded from: names this exact version of the table
    # (assessments record it; caches key on it). Not part of the YAML itself.
    _content_hash: str = PrivateAttr(default="")

    @property
    def content_hash(self) -> str:
        return self._content_hash

    @property
    def short_hash(self) -> str:
        """The first 12 hex digits, as pages and PDFs print a version."""
        return self._content_hash[:12]

    # Derived views; the model is frozen, so caching them is safe.
    @cached_property
    def items(self) -> list[Item]:
        return [item for criterion in self.criteria for item in criterion.items]

    @cached_property
    def _inputs_by_id(self) -> dict[str, InputDef]:
        return {i.id: i for i in self.inputs}

    def input(self, input_id: str) -> InputDef:
        return self._inputs_by_id[input_id]

    def has_input(self, input_id: str) -> bool:
        return input_id in self._inputs_by_id

    @cached_property
    def _by_id(self) -> dict[str, dict[str, Any]]:
        return {
            "tier": {t.id: t for t in self.tiers},
            "item": {i.id: i for i in self.items},
            "criterion": {c.id: c for c in self.criteria},
        }

    def tier(self, tier_id: str) -> Tier:
        return self._by_id["tier"][tier_id]

    def item(self, item_id: str) -> Item:
        return self._by_id["item"][item_id]

    def criterion(self, criterion_id: str) -> Criterion:
        return self._by_id["criterion"][criterion_id]

    @cached_property
    def general_inputs(self) -> list[InputDef]:
        return [i for i in self.inputs if i.section == "general"]

    @cached_property
    def _section_of_input(self) -> dict[str, str]:
        """Each non-general input belongs to the first criterion that reads it (or reads its whole)."""
        sections: dict[str, str] = {}
        for item in self.items:
            for name in item.inputs:
                sections.setdefault(name, item.criterion)
        for inp in self.inputs:
            if inp.id not in sections and inp.part_of in sections:
                sections[inp.id] = sections[inp.part_of]
        return sections

    def inputs_for_criterion(self, criterion_id: str) -> list[InputDef]:
        return [
            i for i in self.inputs
            if i.section != "general" and self._section_of_input.get(i.id) == criterion_id
        ]

    @cached_property
    def provisional_count(self) -> int:
        return sum(1 for item in self.items if item.status == "provisional")

    @property
    def provisional_notice(self) -> str | None:
        if not self.provisional_count:
            return None
        return msg.PROVISIONAL_NOTICE.format(n=self.provisional_count)


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class CriteriaError(ValueError):
    """A criteria file that cannot be used; `problems` has one entry per problem."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def located(source: SourceMap, found: Iterable[tuple[Loc, str]]) -> list[Problem]:
    """Problems found at paths inside a document, each with the line its path is on."""
    return [Problem(source.file, source.line_of(loc), format_loc(loc), text) for loc, text in found]


def _pydantic_problems(exc: ValidationError, source: SourceMap) -> list[Problem]:
    return located(source, ((tuple(error["loc"]), msg.pydantic_error_vi(error)) for error in exc.errors()))


# A problem found inside a document: the path to what is wrong, and the Vietnamese sentence saying what.
Found = tuple[Loc, str]


def _semantic_problems(cs: CriteriaSet) -> list[Found]:
    """Checks pydantic cannot express: sums, ordering, uniqueness and references."""
    return [found for check in _SET_CHECKS for found in check(cs)]


def _duplicates(values: list[str]) -> set[str]:
    return {v for v, n in Counter(values).items() if n > 1}


def _duplicate_ids(cs: CriteriaSet) -> Iterator[Found]:
    for key, ids in (
        ("tiers", [t.id for t in cs.tiers]),
        ("regions", [r.id for r in cs.regions]),
        ("inputs", [i.id for i in cs.inputs]),
        ("criteria", [c.id for c in cs.criteria]),
    ):
        for dup in sorted(_duplicates(ids)):
            # Point at the second occurrence: the first one is the original, the copy is the mistake.
            index = ids.index(dup, ids.index(dup) + 1)
            yield (key, index, "id"), msg.CK_DUPLICATE_ID.format(id=dup)


def _declared_inputs(cs: CriteriaSet) -> dict[str, InputDef]:
    return {i.id: i for i in cs.inputs}


def _part_of_problems(cs: CriteriaSet) -> Iterator[Found]:
    declared = _declared_inputs(cs)
    for ii, inp in enumerate(cs.inputs):
        if inp.part_of is None:
            continue
        # One message per input, the first that applies: a part of an unknown input has no type to check.
        whole = declared.get(inp.part_of)
        if whole is None:
            yield ("inputs", ii, "part_of"), msg.CK_UNKNOWN_INPUT.format(id=inp.part_of)
        elif whole.type != "count" or inp.type != "count":
            yield ("inputs", ii, "part_of"), msg.CK_PART_NOT_COUNT
        elif inp.part_of == inp.id:
            yield ("inputs", ii, "part_of"), msg.CK_PART_OF_SELF


def _criteria_problems(cs: CriteriaSet) -> Iterator[Found]:
    """Each criterion's items, then whether the items' maxima add up to the criterion's."""
    declared = _declared_inputs(cs)
    for ci, crit in enumerate(cs.criteria):
        for ti, item in enumerate(crit.items):
            at: Loc = ("criteria", ci, "items", ti)
            if item.criterion != crit.id:
                yield (*at, "id"), msg.CK_ITEM_ID_PREFIX.format(id=item.id, crit=crit.id)
            yield from (((*at, *loc), text) for loc, text in _item_problems(item, declared))
        total = sum(item.max for item in crit.items)
        if total != crit.max:
            yield ("criteria", ci, "max"), msg.CK_CRITERION_SUM.format(id=crit.id, max=crit.max, sum=total)


def _duplicate_item_ids(cs: CriteriaSet) -> Iterator[Found]:
    # Item ids must be unique across the whole set, not only inside one criterion.
    seen: set[str] = set()
    for ci, crit in enumerate(cs.criteria):
        for ti, item in enumerate(crit.items):
            if item.id in seen:
                yield ("criteria", ci, "items", ti, "id"), msg.CK_DUPLICATE_ID.format(id=item.id)
            seen.add(item.id)


def _total_sum(cs: CriteriaSet) -> Iterator[Found]:
    grand = sum(c.max for c in cs.criteria)
    if grand != cs.total:
        yield ("total",), msg.CK_TOTAL_SUM.format(total=cs.total, sum=grand)


def _dates(cs: CriteriaSet) -> Iterator[Found]:
    if cs.effective_to is not None and cs.effective_to < cs.effective_from:
        yield ("effective_to",), msg.CK_DATES


def _unused_inputs(cs: CriteriaSet) -> Iterator[Found]:
    used = {name for crit in cs.criteria for item in crit.items for name in item.inputs}
    # An input that is only the whole of a part (never read by an item) still counts as used.
    wholes = {i.part_of for i in cs.inputs if i.part_of and i.id in used}
    for ii, inp in enumerate(cs.inputs):
        if inp.id not in used and inp.id not in wholes:
            yield ("inputs", ii, "id"), msg.CK_UNUSED_INPUT.format(id=inp.id)


# The checks of a whole set, in the order their problems are reported.
_SET_CHECKS: tuple[Callable[[CriteriaSet], Iterable[Found]], ...] = (
    _duplicate_ids,
    _part_of_problems,
    _criteria_problems,
    _duplicate_item_ids,
    _total_sum,
    _dates,
    _unused_inputs,
)


# The item fields each rule reads; any other of these fields is a mistake.
_FIELDS_BY_RULE: dict[str, tuple[str, ...]] = {
    "yes_no": ("input",),
    "count_higher": ("input",),
    "count_lower": ("input",),
    "rate_higher": ("numerator", "denominator", "if_none"),
    "rate_lower": ("numerator", "denominator", "if_none"),
}
# The band field each rule compares with; a band sets exactly this one of when / at_least / at_most.
_BOUND_BY_RULE: dict[str, str] = {
    "yes_no": "when",
    "count_higher": "at_least",
    "rate_higher": "at_least",
    "count_lower": "at_most",
    "rate_lower": "at_most",
}


def _item_problems(item: Item, declared: dict[str, InputDef]) -> list[Found]:
    """An item's problems, paths relative to the item, in the order of _ITEM_CHECKS."""
    return [found for check in _ITEM_CHECKS for found in check(item, declared)]


def _rule_fields(item: Item, declared: dict[str, InputDef]) -> Iterator[Found]:
    needed = _FIELDS_BY_RULE[item.rule]
    for name in ("input", "numerator", "denominator", "if_none"):
        present = getattr(item, name) is not None
        if name in needed and not present:
            yield (name,), msg.CK_RULE_NEEDS.format(rule=item.rule, field=name)
        elif name not in needed and present:
            yield (name,), msg.CK_RULE_FORBIDS.format(rule=item.rule, field=name)


def _input_refs(item: Item, declared: dict[str, InputDef]) -> Iterator[Found]:
    expected_type = "bool" if item.rule == "yes_no" else "count"
    for name in ("input", "numerator", "denominator"):
        ref = getattr(item, name)
        if ref is None:
            continue
        if ref not in declared:
            yield (name,), msg.CK_UNKNOWN_INPUT.format(id=ref)
        elif declared[ref].type != expected_type:
            yield (name,), msg.CK_INPUT_TYPE.format(id=ref, type=expected_type, rule=item.rule)


def _numerator_part(item: Item, declared: dict[str, InputDef]) -> Iterator[Found]:
    # A rate is a part over its whole: declaring the numerator `part_of` the denominator is what lets the
    # assessment refuse a part larger than its whole (engine/assessment.py). Unknown inputs and wrong
    # types are _input_refs' to report.
    if not (item.is_rate and item.numerator in declared and item.denominator in declared):
        return
    if declared[item.numerator].part_of != item.denominator:
        yield ("numerator",), msg.CK_NUMERATOR_PART.format(num=item.numerator, den=item.denominator)


def _bands(item: Item, declared: dict[str, InputDef]) -> Iterator[Found]:
    """Each band on its own, all its problems before the next band's."""
    for bi, band in enumerate(item.bands):
        for check in _BAND_CHECKS:
            yield from ((("bands", bi, *loc), text) for loc, text in check(item, band))


def _band_fields(item: Item, band: Band) -> Iterator[Found]:
    bound = _BOUND_BY_RULE[item.rule]
    for name in ("when", "at_least", "at_most"):
        present = getattr(band, name) is not None
        if name == bound and not present:
            yield (), msg.CK_BAND_NEEDS.format(rule=item.rule, field=name)
        elif name != bound and present:
            yield (name,), msg.CK_BAND_FORBIDS.format(rule=item.rule, field=name)


def _yes_no_when(item: Item, band: Band) -> Iterator[Found]:
    # The engine scores a yes/no item on «Có» only (engine/compile.py compares with True), so a band
    # `when: false` would not mean what it says.
    if item.rule == "yes_no" and band.when is False:
        yield ("when",), msg.CK_YES_NO_TRUE


def _band_status(item: Item, band: Band) -> Iterator[Found]:
    if item.status == "confirmed" and band.status == "provisional":
        yield ("status",), msg.CK_CONFIRMED_BAND


def _band_threshold(item: Item, band: Band) -> Iterator[Found]:
    threshold = band.threshold
    if threshold is None:
        return
    where = (_BOUND_BY_RULE[item.rule],)
    if item.is_rate:
        if threshold > 100:
            yield where, msg.CK_RATE_RANGE
        # See RATE_UNITS: a finer threshold could not be compared exactly.
        if (threshold * RATE_UNITS) % 1:
            yield where, msg.CK_RATE_PRECISION
    elif threshold % 1:
        yield where, msg.CK_COUNT_WHOLE


# The checks of one band, in the order their problems are reported; paths relative to the band.
_BAND_CHECKS: tuple[Callable[[Item, Band], Iterable[Found]], ...] = (
    _band_fields,
    _yes_no_when,
    _band_status,
    _band_threshold,
)


def _confirmed_source(item: Item, declared: dict[str, InputDef]) -> Iterator[Found]:
    if item.status == "confirmed" and item.source is None:
        yield ("status",), msg.CK_CONFIRMED_SOURCE


def _yes_no_one_band(item: Item, declared: dict[str, InputDef]) -> Iterator[Found]:
    if item.rule == "yes_no" and len(item.bands) != 1:
        yield ("bands",), msg.CK_YES_NO_ONE_BAND


def _band_order(item: Item, declared: dict[str, InputDef]) -> Iterator[Found]:
    """Bands are listed best first: each next band gives fewer points for a weaker result (a lower
    threshold when higher is better, a higher one otherwise)."""
    bound = _BOUND_BY_RULE[item.rule]
    for bi in range(1, len(item.bands)):
        prev, band = item.bands[bi - 1], item.bands[bi]
        if band.points >= prev.points:
            yield ("bands", bi, "points"), msg.CK_BAND_POINTS_ORDER
        if prev.threshold is None or band.threshold is None:
            continue
        if item.higher_is_better and band.threshold >= prev.threshold:
            yield ("bands", bi, bound), msg.CK_BAND_ORDER_HIGHER
        if not item.higher_is_better and band.threshold <= prev.threshold:
            yield ("bands", bi, bound), msg.CK_BAND_ORDER_LOWER


# The checks of one item, in the order their problems are reported. Each takes the inputs the set
# declares, whether or not it reads them, so they can sit in one table.
_ITEM_CHECKS: tuple[Callable[[Item, dict[str, InputDef]], Iterable[Found]], ...] = (
    _rule_fields,
    _input_refs,
    _numerator_part,
    _bands,
    _confirmed_source,
    _yes_no_one_band,
    _band_order,
)


def parse_criteria_set(data: Any, source: SourceMap) -> CriteriaSet:
    try:
        cs = CriteriaSet.model_validate(data)
    except ValidationError as exc:
        raise CriteriaError(_pydantic_problems(exc, source)) from None
    problems = located(source, _semantic_problems(cs))
    if problems:
        raise CriteriaError(problems)
    return cs


def content_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def load_criteria_bytes(raw: bytes, file: str) -> CriteriaSet:
    """Check one criteria document given as its verbatim bytes (a file, an upload, a stored version); raise
    CriteriaError listing every problem. The CLI, the web upload and the database versions all come here."""
    try:
        data, source = load_yaml_bytes(raw, file)
    except YamlSyntaxError as exc:
        raise CriteriaError([Problem(exc.file, exc.line, "", exc.message)]) from None
    if not isinstance(data, dict):
        raise CriteriaError([Problem(file, 1, "", msg.CK_NOT_MAPPING)])
    cs = parse_criteria_set(data, source)
    cs._content_hash = content_hash(raw)
    return cs

