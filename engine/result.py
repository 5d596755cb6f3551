"""The result of scoring one assessment: what `cfc score --json` prints and every page and PDF shows.

Plain slotted dataclasses rather than pydantic models: a result is built from already validated data for
every assessment scored, and building ~40 pydantic objects each time cost more than the rule engine (and a
frozen dataclass's __init__ costs more than a plain one's; `make bench` measures scoring). Treat results as
read-only values.
`as_dict()` gives the JSON form; `model_dump()` and `model_copy()` keep the pydantic spelling callers use.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


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


@dataclass(slots=True)
class Result(_Out):
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
    criteria: list[CriterionResult]
    items: list[ItemResult]
    conditions: list[ConditionResult]
    failed_conditions: list[str]
    missing_inputs: list[str]
    values: dict[str, int | bool]
    ntm: list[NtmStatus] = field(default_factory=list)
    file: str | None = None

    def as_dict(self) -> dict[str, Any]:
        # `file` first, as `cfc score --json` shows it.
        data = _Out.as_dict(self)
        return {"file": data.pop("file"), **data}

    def item(self, item_id: str) -> ItemResult:
        return next(i for i in self.items if i.id == item_id)

    def criterion(self, criterion_id: str) -> CriterionResult:
        return next(c for c in self.criteria if c.id == criterion_id)
