"""The result of scoring one assessment: what `cfc score --json` prints and every page and PDF shows.

Plain slotted classes rather than pydantic models: a result is built from already validated data for
every assessment scored, and building ~40 pydantic objects each time cost more than the rule engine (and a
frozen dataclass's __init__ costs more than a plain one's; `make bench` measures scoring). Treat results as
read-only values. A result from the engine builds its item, criterion, condition and NTM objects (and
their sentences) on first read: scoring decides the figures, and a JSON line or a page reads the texts.
`as_dict()` gives the JSON form; `model_dump()` and `model_copy()` keep the pydantic spelling callers use.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar, overload


def _plain(value: Any) -> Any:
    if isinstance(value, str | int | None):  # the common case first: most fields are scalars
        return value
    if isinstance(value, _Out):
        return value.as_dict()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


class _Out:
    __slots__ = ()

    def as_dict(self) -> dict[str, Any]:
        # Not dataclasses.asdict: it deep-copies every value and was slower than scoring itself.
        names: tuple[str, ...] = self.__slots__  # the dataclass's fields (slots=True)
        return {name: _plain(getattr(self, name)) for name in names}

    def model_dump(self, mode: str = "json") -> dict[str, Any]:
        return self.as_dict()

    def model_copy(self, update: dict[str, Any] | None = None) -> Any:
        return dataclasses.replace(self, **(update or {}))  # type: ignore[type-var]


@dataclass(slots=True)
class ItemResult(_Out):
    id: str
    criterion: str
    text: str
    points: int
    max: int
    status: str  # confirmed | provisional
    assessed: bool
    band: str | None  # the band that gave the points, e.g. "≥ 95 %", "Có"; None when nothing scored
    rate: str | None  # "47/48 = 97,92 %" for rate items with a denominator
    explanation: str


@dataclass(slots=True)
class CriterionResult(_Out):
    id: str
    name: str
    points: int
    max: int
    assessed: bool


@dataclass(slots=True)
class ConditionResult(_Out):
    id: str  # all_assessed | no_zero_criterion | threshold
    text: str
    holds: bool


@dataclass(slots=True)
class NtmStatus(_Out):
    indicator: str
    text: str
    status: str  # dat | chua_dat | can_xem_xet
    status_text: str
    explanation: str
    items: list[str]


class ResultSource(Protocol):
    """What fills a result's lazy fields on first read (engine/scoring.py keeps the figures the rules
    decided; the sentences and objects are made only when something reads them)."""

    def criteria(self) -> list[CriterionResult]: ...
    def items(self) -> list[ItemResult]: ...
    def conditions(self) -> list[ConditionResult]: ...
    def failed_conditions(self) -> list[str]: ...
    def ntm(self) -> list[NtmStatus]: ...


# The fields of a result, in the order as_dict() and `cfc score --json` give them (after `file`).
RESULT_FIELDS = ("commune", "commune_name", "period", "criteria_set", "criteria_hash", "total", "max_total",
                 "tier", "tier_label", "threshold", "recognised", "verdict", "provisional_items",
                 "provisional_notice", "criteria", "items", "conditions", "failed_conditions",
                 "missing_inputs", "values", "ntm", "file")
_LAZY = ("criteria", "items", "conditions", "failed_conditions", "ntm")


_T = TypeVar("_T")


class _Built(Generic[_T]):
    """A lazy field of Result: built on first read by the result's source (the method of ResultSource with
    the field's name), kept in the slot "_<name>"; assigning it detaches the result first."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name, self.slot = name, "_" + name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> _Built[_T]: ...
    @overload
    def __get__(self, obj: Result, owner: type | None = None) -> _T: ...

    def __get__(self, obj: Result | None, owner: type | None = None) -> _T | _Built[_T]:
        if obj is None:
            return self
        value = getattr(obj, self.slot)
        if value is None:
            # Two threads may both build it: the same value either way, and the slot keeps one of them.
            source = obj._source
            value = [] if source is None else getattr(source, self.name)()
            setattr(obj, self.slot, value)
        return value

    def __set__(self, obj: Result, value: _T) -> None:
        obj.detach()
        setattr(obj, self.slot, value)


class Result(_Out):
    """A plain slotted class rather than a dataclass: `criteria`, `items`, `conditions`,
    `failed_conditions` and `ntm` are built on first read (most of the time of scoring went into
    sentences nobody read); they read and assign like the other fields."""

    __slots__ = ("commune", "commune_name", "period", "criteria_set", "criteria_hash", "total", "max_total",
                 "tier", "tier_label", "threshold", "recognised", "verdict", "provisional_items",
                 "provisional_notice", "_criteria", "_items", "_conditions", "_failed_conditions",
                 "missing_inputs", "values", "_ntm", "file", "_source")

    commune: str
    commune_name: str
    period: int
    criteria_set: str
    criteria_hash: str  # sha256 of the criteria YAML scored under (CriteriaSet.content_hash)
    total: int
    max_total: int
    tier: str
    tier_label: str
    threshold: int
    recognised: bool
    verdict: str
    provisional_items: int
    provisional_notice: str | None
    missing_inputs: list[str]
    values: dict[str, int | bool]
    file: str | None
    _criteria: list[CriterionResult] | None
    _items: list[ItemResult] | None
    _conditions: list[ConditionResult] | None
    _failed_conditions: list[str] | None
    _ntm: list[NtmStatus] | None
    _source: ResultSource | None

    criteria = _Built[list[CriterionResult]]()
    items = _Built[list[ItemResult]]()
    conditions = _Built[list[ConditionResult]]()
    failed_conditions = _Built[list[str]]()
    ntm = _Built[list[NtmStatus]]()

    def __init__(self, commune: str, commune_name: str, period: int, criteria_set: str, criteria_hash: str,
                 total: int, max_total: int, tier: str, tier_label: str, threshold: int, recognised: bool,
                 verdict: str, provisional_items: int, provisional_notice: str | None,
                 criteria: list[CriterionResult] | None = None, items: list[ItemResult] | None = None,
                 conditions: list[ConditionResult] | None = None, failed_conditions: list[str] | None = None,
                 missing_inputs: list[str] | None = None, values: dict[str, int | bool] | None = None,
                 ntm: list[NtmStatus] | None = None, file: str | None = None,
                 source: ResultSource | None = None) -> None:
        self.commune = commune
        self.commune_name = commune_name
        self.period = period
        self.criteria_set = criteria_set
        self.criteria_hash = criteria_hash
        self.total = total
        self.max_total = max_total
        self.tier = tier
        self.tier_label = tier_label
        self.threshold = threshold
        self.recognised = recognised
        self.verdict = verdict
        self.provisional_items = provisional_items
        self.provisional_notice = provisional_notice
        self._source = source
        # Without a source, a field not given is empty (as the dataclass's `ntm` defaulted to []).
        empty = source is None
        self._criteria = [] if criteria is None and empty else criteria
        self._items = [] if items is None and empty else items
        self._conditions = [] if conditions is None and empty else conditions
        self._failed_conditions = [] if failed_conditions is None and empty else failed_conditions
        self._ntm = [] if ntm is None and empty else ntm
        self.missing_inputs = [] if missing_inputs is None else missing_inputs
        self.values = {} if values is None else values
        self.file = file

    @property
    def source(self) -> ResultSource | None:
        """What fills the lazy fields not read yet (None once the result was changed by hand)."""
        return self._source

    def detach(self) -> None:
        """Fill every lazy field and forget the source: a result changed by hand no longer matches what its
        source would say (engine/io/jsonout.py then writes it from its fields alone)."""
        if self._source is not None:
            for name in _LAZY:
                getattr(self, name)
            self._source = None

    def __getstate__(self) -> dict[str, Any]:
        # Pickled (or copied) whole: the source holds the engine, which stays in its process.
        self.detach()
        return {name: getattr(self, name) for name in self.__slots__}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)

    def as_dict(self) -> dict[str, Any]:
        # `file` first, as `cfc score --json` shows it.
        data = {name: _plain(getattr(self, name)) for name in RESULT_FIELDS}
        return {"file": data.pop("file"), **data}

    def model_copy(self, update: dict[str, Any] | None = None) -> Result:
        fields = {name: getattr(self, name) for name in RESULT_FIELDS}
        fields.update(update or {})
        return Result(**fields)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Result):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in RESULT_FIELDS)

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dataclass it was

    def __repr__(self) -> str:
        return "Result(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in RESULT_FIELDS) + ")"

    def item(self, item_id: str) -> ItemResult:
        return next(i for i in self.items if i.id == item_id)

    def criterion(self, criterion_id: str) -> CriterionResult:
        return next(c for c in self.criteria if c.id == criterion_id)
