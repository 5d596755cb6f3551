"""The engine: validates an assessment strictly, lets the rules pick each item's band, and assembles the
totals, the verdict and every failed recognition condition."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from engine import messages as msg
from engine.assessment import AssessmentValidator, FieldError, InvalidAssessment, ValidAssessment
from engine.compile import NONE_BAND, build_fact, compile_rules, plan_items, rule_index
from engine.criteria import CriteriaSet
from engine.explain import ItemExplainer
from engine.flags import DeclaredFlag, declared_flags
from engine.ntm.linker import NtmLinker, linker_for_period
from engine.ntm.models import NtmTable
from engine.result import ConditionResult, CriterionResult, ItemResult, Result
from engine.rules import RuleSet

_ITEM_CACHE_MAX = 1024  # per item (a few MB at most); other counts are simply built each time


class Engine:
    """Scores assessments against one criteria set. Build one per process; it is thread-safe.

    `ntm`: the new-rural-development link tables (Catalog.ntm_tables); those linking to this criteria set
    fill `Result.ntm` for the periods they are in force. The commune flags all of them declare
    (`commune_flags`, engine/flags.py) are the flags an assessment's commune block may carry: they describe
    the commune, whichever criteria set scores it. Without tables, no flag is known.
    `flags`: the declared flags (Catalog.commune_flags()) in place of those of `ntm`, for an engine that
    accepts the flags without filling `Result.ntm`.
    """

    def __init__(self, cs: CriteriaSet, ntm: Iterable[NtmTable] = (),
                 flags: Sequence[DeclaredFlag] | None = None) -> None:
        self.cs = cs
        tables = tuple(ntm)
        self.ntm = [NtmLinker(table, cs) for table in tables if table.criteria_set == cs.id]
        self.commune_flags = declared_flags(tables) if flags is None else tuple(flags)
        self.validator = AssessmentValidator(cs, [f.id for f in self.commune_flags])
        self.rules = RuleSet(f"cfc-{cs.id}", compile_rules(cs))
        # A missing input that no item reads (only the whole of a part) blocks nothing.
        self._read_inputs = {name for item in cs.items for name in item.inputs}
        # Worked out once here, not per assessment: plans, explainers, rule name lookup, criterion slices.
        self._plans = plan_items(cs)
        self._explainers = [ItemExplainer(item) for item in cs.items]
        self._item_cache: list[dict[tuple, ItemResult]] = [{} for _ in cs.items]
        self._band_texts: list[dict[int | None, str | None]] = [
            {band: says.band_text(band) for band in [None, *range(len(says.item.bands))]}
            for says in self._explainers
        ]
        self._rule_index = rule_index(cs)
        self._labels = {i.id: i.label for i in cs.inputs}
        self._slices: list[tuple[str, str, int, int, int]] = []
        start = 0
        for crit in cs.criteria:
            self._slices.append((crit.id, crit.name, crit.max, start, start + len(crit.items)))
            start += len(crit.items)

    def validate(self, data: Any) -> list[FieldError]:
        return self.validator.validate(data)[1]

    def score(self, data: Any) -> Result:
        """Score an assessment; raises InvalidAssessment (every problem listed) when it is not valid."""
        valid, errors = self.validator.validate(data)
        if valid is None:
            raise InvalidAssessment(errors)
        return self.score_valid(valid)

    def score_valid(self, assessment: ValidAssessment) -> Result:
        values = assessment.values
        fact, present = build_fact(self._plans, values)
        bands: list[int | str | None] = [None] * len(self._plans)
        for name in self.rules.fire(fact):
            position, band = self._rule_index[name]
            if bands[position] is not None:  # bands compile to exclusive rules; two would be a compiler bug
                raise RuntimeError(f"item {self._plans[position].item.id} matched two bands")
            bands[position] = band
        item_result = self._item_result
        items = [item_result(position, present[position], bands[position], values)
                 for position in range(len(self._plans))]
        result = self._assemble(assessment, items)
        linker = linker_for_period(self.ntm, result.period)
        if linker is not None:
            # The result is new and not yet seen by anyone: fill it in place rather than copy it.
            result.ntm = linker.statuses(result, assessment.commune)
        return result

    def _item_result(self, position: int, present: bool, band: int | str | None,
                     values: Mapping[str, int | bool]) -> ItemResult:
        plan = self._plans[position]
        if present and plan.numerator is not None and band != NONE_BAND:
            # The one result that differs with each pair of figures: its rate and explanation are the
            # figures followed by a text prepared per band (engine/explain.py).
            item, rank = plan.item, cast("int | None", band)
            rate, explanation = self._explainers[position].rate_explanation(
                int(values[plan.numerator]), int(values[plan.denominator]), rank)  # type: ignore[index]
            points = 0 if rank is None else plan.band_points[rank]
            return ItemResult(item.id, item.criterion, item.text, points, item.max, item.status, True,
                              self._band_texts[position][rank], rate, explanation)
        # Everything else takes few distinct values (a yes/no or a count, a rate with nothing to count,
        # which inputs are missing): those results (read-only values) are made once and shared.
        if not present:
            key: tuple = ("missing", *(name in values for name in plan.reads))
        elif plan.numerator is None:
            key = (band, values[plan.value])  # type: ignore[index]
        else:
            key = (band,)  # nothing to count
        cache = self._item_cache[position]
        cached = cache.get(key)
        if cached is None:
            cached = self._build_item(position, present, band, values)
            if len(cache) < _ITEM_CACHE_MAX:
                cache[key] = cached
        return cached

    def _build_item(self, position: int, present: bool, band: int | str | None,
                    values: Mapping[str, int | bool]) -> ItemResult:
        plan, says = self._plans[position], self._explainers[position]
        item = plan.item
        if band is None:
            points = 0
        elif band == NONE_BAND:
            points = plan.none_points
        else:
            points = plan.band_points[band]  # type: ignore[index]
        rate = None
        missing: list[str] = []
        if not present:
            missing = [self._labels[name] for name in plan.reads if name not in values]
        elif plan.numerator is not None and band != NONE_BAND:
            numerator, denominator = values[plan.numerator], values[plan.denominator]  # type: ignore[index]
            rate = says.rate_text(int(numerator), int(denominator), band)
        value = values.get(plan.value) if plan.value is not None else None
        return ItemResult(item.id, item.criterion, item.text, points, item.max, item.status, present,
                          says.band_text(band), rate, says.explain(value, band, points, missing, rate))

    def _assemble(self, assessment: ValidAssessment, items: list[ItemResult]) -> Result:
        cs = self.cs
        criteria = [
            CriterionResult(
                id=crit_id, name=name, max=maximum,
                points=sum(i.points for i in items[start:end]),
                assessed=all(i.assessed for i in items[start:end]),
            )
            for crit_id, name, maximum, start, end in self._slices
        ]
        total = sum(c.points for c in criteria)
        tier = cs.tier(assessment.commune.type)
        texts = cs.recognition.conditions

        # Each failed condition starts with "Chưa đạt:" so that a condition worded as a goal ("Tổng điểm đạt
        # điểm chuẩn…") is never read as met; the figure that fails it follows the dash.
        failed: list[str] = []
        unassessed = [c for c in criteria if not c.assessed]
        if unassessed:
            labels = [cs.input(name).label for name in assessment.missing if name in self._read_inputs]
            failed.append(
                f"{msg.not_met(texts.all_assessed)} — tiêu chí {', '.join(c.id for c in unassessed)} "
                f"{msg.NOT_ASSESSED} (thiếu: {'; '.join(labels)})"
            )
        zero = [c for c in criteria if c.assessed and c.points == 0]
        failed.extend(f"{msg.not_met(texts.no_zero_criterion)} — tiêu chí {c.id} ({c.name}) đạt 0 điểm"
                      for c in zero)
        if total < tier.threshold:
            failed.append(
                f"{msg.not_met(texts.threshold)} — tổng điểm {total} thấp hơn điểm chuẩn {tier.threshold} "
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
            criteria_hash=cs.content_hash,
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
