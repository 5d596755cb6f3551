"""The engine: validates an assessment strictly, lets the rules pick each item's band, and assembles the
totals, the verdict and every failed recognition condition."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from engine import messages as msg
from engine.assessment import AssessmentValidator, FieldError, InvalidAssessment, ValidAssessment
from engine.compile import NONE_BAND, build_fact, compile_rules, item_inputs, parse_rule_name
from engine.criteria import CriteriaSet, Item
from engine.explain import ItemExplainer
from engine.ntm import NtmTable
from engine.ntm_rules import NtmLinker, link_ntm
from engine.result import ConditionResult, CriterionResult, ItemResult, Result
from engine.rules import RuleSet


def _points(item: Item, band: int | str | None) -> int:
    if band is None:
        return 0
    if band == NONE_BAND:
        return item.none_points
    return item.bands[band].points  # type: ignore[index]


class Engine:
    """Scores assessments against one criteria set. Build one per process; it is thread-safe.

    `ntm`: the new-rural-development link tables (Catalog.ntm_tables); those linking to this criteria set
    fill `Result.ntm` for the periods they are in force.
    """

    def __init__(self, cs: CriteriaSet, ntm: Iterable[NtmTable] = ()) -> None:
        self.cs = cs
        self.ntm = [NtmLinker(table, cs) for table in ntm if table.criteria_set == cs.id]
        self.validator = AssessmentValidator(cs)
        self.rules = RuleSet(f"cfc-{cs.id}", compile_rules(cs))
        # A missing input that no item reads (only the whole of a part) blocks nothing.
        self._read_inputs = {name for item in cs.items for name in item.inputs}
        self._explainers = {item.id: ItemExplainer(item) for item in cs.items}

    def validate(self, data: Any) -> list[FieldError]:
        return self.validator.validate(data)[1]

    def score(self, data: Any) -> Result:
        """Score an assessment; raises InvalidAssessment (every problem listed) when it is not valid."""
        valid, errors = self.validator.validate(data)
        if valid is None:
            raise InvalidAssessment(errors)
        return self.score_valid(valid)

    def score_valid(self, assessment: ValidAssessment) -> Result:
        cs = self.cs
        inputs = {item.id: item_inputs(item, assessment.values) for item in cs.items}
        bands: dict[str, int | str] = {}
        for name in self.rules.fire(build_fact(cs, inputs)):
            item_id, band = parse_rule_name(name)
            if item_id in bands:  # the compiled bands are exclusive; two firings would be a compiler bug
                raise RuntimeError(f"item {item_id} matched two bands")
            bands[item_id] = band
        items = [
            self._item_result(item, inputs[item.id], bands.get(item.id), assessment.values)
            for item in cs.items
        ]
        return link_ntm(self._assemble(assessment, items), assessment.commune, self.ntm)

    def _item_result(self, item: Item, got: Any, band: int | str | None,
                     values: Mapping[str, int | bool]) -> ItemResult:
        points = _points(item, band)
        says = self._explainers[item.id]
        rate = None if got is None or band == NONE_BAND else says.rate_text(got, band)
        missing = [] if got is not None else [
            self.cs.input(name).label for name in item.inputs if name not in values
        ]
        return ItemResult(
            id=item.id,
            criterion=item.criterion,
            text=item.text,
            points=points,
            max=item.max,
            status=item.status,
            assessed=got is not None,
            band=says.band_text(band),
            rate=rate,
            explanation=says.explain(got, band, points, missing, rate),
        )

    def _assemble(self, assessment: ValidAssessment, items: list[ItemResult]) -> Result:
        cs = self.cs
        by_criterion: dict[str, list[ItemResult]] = {}
        for it in items:
            by_criterion.setdefault(it.criterion, []).append(it)
        criteria = [
            CriterionResult(
                id=c.id, name=c.name, max=c.max,
                points=sum(i.points for i in by_criterion[c.id]),
                assessed=all(i.assessed for i in by_criterion[c.id]),
            )
            for c in cs.criteria
        ]
        total = sum(c.points for c in criteria)
        tier = cs.tier(assessment.commune.type)
        texts = cs.recognition.conditions

        failed: list[str] = []
        unassessed = [c for c in criteria if not c.assessed]
        if unassessed:
            labels = [cs.input(name).label for name in assessment.missing if name in self._read_inputs]
            failed.append(
                f"{texts.all_assessed}: tiêu chí {', '.join(c.id for c in unassessed)} {msg.NOT_ASSESSED}"
                f" (thiếu: {'; '.join(labels)})"
            )
        zero = [c for c in criteria if c.assessed and c.points == 0]
        failed.extend(f"{texts.no_zero_criterion}: tiêu chí {c.id} ({c.name}) đạt 0 điểm" for c in zero)
        if total < tier.threshold:
            failed.append(
                f"{texts.threshold}: tổng điểm {total} thấp hơn điểm chuẩn {tier.threshold} "
                f"({tier.label})"
            )
        conditions = [
            ConditionResult("all_assessed", texts.all_assessed, not unassessed),
            ConditionResult("no_zero_criterion", texts.no_zero_criterion, not zero),
            ConditionResult("threshold", texts.threshold, total >= tier.threshold),
        ]
        recognised = not failed
        return Result(
            commune=assessment.commune.code,
            commune_name=assessment.commune.name,
            period=assessment.period,
            criteria_set=cs.id,
            total=total,
            max_total=cs.total,
            tier=tier.id,
            tier_label=tier.label,
            threshold=tier.threshold,
            recognised=recognised,
            verdict=msg.VERDICT_YES if recognised else msg.VERDICT_NO,
            provisional_items=cs.provisional_count,
            provisional_notice=cs.provisional_notice,
            criteria=criteria,
            items=items,
            conditions=conditions,
            failed_conditions=failed,
            missing_inputs=[name for name in assessment.missing if name in self._read_inputs],
            values=dict(assessment.values),
        )

    def close(self) -> None:
        self.rules.close()
        for linker in self.ntm:
            linker.close()
