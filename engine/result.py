"""The result of scoring one assessment: what `cfc score --json` prints and every page and PDF shows."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


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


class CriterionResult(_Out):
    id: str
    name: str
    points: int
    max: int
    assessed: bool


class ConditionResult(_Out):
    id: str  # all_assessed | no_zero_criterion | threshold
    text: str
    holds: bool


class NtmStatus(_Out):
    indicator: str
    text: str
    status: str  # dat | chua_dat | can_xem_xet
    status_text: str
    explanation: str
    items: list[str]


class Result(_Out):
    file: str | None = None
    commune: str
    commune_name: str
    period: int
    criteria_set: str
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
    ntm: list[NtmStatus] = []

    def item(self, item_id: str) -> ItemResult:
        return next(i for i in self.items if i.id == item_id)

    def criterion(self, criterion_id: str) -> CriterionResult:
        return next(c for c in self.criteria if c.id == criterion_id)
