"""The engine: validates an assessment strictly, lets the rules pick each item's band, and assembles the
totals, the verdict and every failed recognition condition."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from typing import Any, cast

from engine import messages as msg
from engine.assessment import AssessmentValidator, FieldError, InvalidAssessment, ValidAssessment
from engine.compile import NONE_BAND, compile_rules, plan_items, rule_index
from engine.criteria import RATE_UNITS, CriteriaSet
from engine.explain import ItemExplainer
from engine.flags import DeclaredFlag, declared_flags
from engine.ntm.linker import NtmLinker, linker_for_period
from engine.ntm.models import NtmTable
from engine.result import ConditionResult, CriterionResult, ItemResult, NtmStatus, Result
from engine.rules import RuleSet

_ITEM_CACHE_MAX = 1024  # per item (a few MB at most); other counts are simply built each time
_PERIODS_MAX = 256  # periods whose link table was looked up (years 2000–2100 are valid)


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
        self._positions = {item.id: position for position, item in enumerate(cs.items)}
        self._labels = {i.id: i.label for i in cs.inputs}
        self._slices: list[tuple[str, str, int, int, int]] = []
        start = 0
        for crit in cs.criteria:
            self._slices.append((crit.id, crit.name, crit.max, start, start + len(crit.items)))
            start += len(crit.items)
        self._criterion_of = [index for index, (_, _, _, start, end) in enumerate(self._slices)
                              for _ in range(start, end)]
        # Per rule name: (item position, band, points), so that a firing sets the item's figures at once.
        self._fired_as: dict[str, tuple[int, int | str, int]] = {}
        for name, (position, band) in self._rule_index.items():
            plan = self._plans[position]
            got = plan.none_points if band == NONE_BAND else plan.band_points[band]  # type: ignore[index]
            self._fired_as[name] = (position, band, got)
        # What the fact needs, by kind, for facts(): (position, field, input) of the items compared on an
        # input, and (position, field, numerator, denominator, scale, round up, the field saying there is
        # nothing to count) of the rates. A rate in RATE_UNITS is numerator * scale // denominator.
        self._direct_plan: list[tuple[int, str, str]] = [
            (position, plan.field, cast(str, plan.value))
            for position, plan in enumerate(self._plans) if plan.numerator is None]
        self._rate_plan: list[tuple[int, str, str, str, int, bool, str]] = [
            (position, plan.field, plan.numerator, cast(str, plan.denominator), 100 * RATE_UNITS,
             plan.round_up, plan.none_field)
            for position, plan in enumerate(self._plans) if plan.numerator is not None]
        # Per input, the items that read it (positions) and their criteria (indexes in _slices): a missing
        # input leaves them unassessed.
        self._readers: dict[str, list[int]] = {}
        self._criteria_reading: dict[str, list[int]] = {}
        for position, plan in enumerate(self._plans):
            for name in plan.reads:
                self._readers.setdefault(name, []).append(position)
                criteria = self._criteria_reading.setdefault(name, [])
                if self._criterion_of[position] not in criteria:
                    criteria.append(self._criterion_of[position])
        # What every result of this set says of the set (read once: pydantic's private attributes and
        # the properties cost more than the rest of building a result).
        self._set_fields = (cs.id, cs.content_hash, cs.total, cs.provisional_count, cs.provisional_notice)
        self._tiers = {t.id: t for t in cs.tiers}
        self._why_tails: dict[tuple, str] = {}  # one per rate item and band
        # Per item, what its rate text reads: numerator, denominator, the prepared formatter per band.
        self._rate_plans = [(p.numerator or "", p.denominator or "", says.percents)
                            for p, says in zip(self._plans, self._explainers, strict=True)]
        texts = cs.recognition.conditions
        self._not_met = (msg.not_met(texts.all_assessed), msg.not_met(texts.no_zero_criterion),
                         msg.not_met(texts.threshold))
        self._linkers: dict[int, NtmLinker | None] = {}
        # Fragments engine/io/jsonout.py prepares for this engine's results (its own, bounded, business).
        self.json_memo: dict = {}

    def validate(self, data: Any) -> list[FieldError]:
        return self.validator.validate(data)[1]

    def score(self, data: Any) -> Result:
        """Score an assessment; raises InvalidAssessment (every problem listed) when it is not valid."""
        valid, errors = self.validator.validate(data)
        if valid is None:
            raise InvalidAssessment(errors)
        return self.score_valid(valid)

    def linker(self, period: int) -> NtmLinker | None:
        """The link table's linker in force for a period (None: no table links this set then)."""
        try:
            return self._linkers[period]
        except KeyError:
            linker = linker_for_period(self.ntm, period)
            if len(self._linkers) < _PERIODS_MAX:
                self._linkers[period] = linker
            return linker

    def facts(self, assessment: ValidAssessment) -> tuple[dict[str, int | bool], list[bool]]:
        """The fact the rules judge — one field per assessable item; an item with a missing input has none,
        so none of its rules can fire — and, per item, whether it could be assessed (compile.build_fact,
        from plans prepared once)."""
        values = assessment.values
        present = [True] * len(self._plans)
        missing = assessment.missing
        if missing:
            readers = self._readers
            for name in missing:
                for position in readers.get(name, ()):
                    present[position] = False
        # By kind, as prepared in __init__: the items whose fact field is an input, then the rates (in that
        # order: a fact's field order means nothing to the rules).
        if missing:
            fact: dict[str, int | bool] = {
                field: values[value] for position, field, value in self._direct_plan if present[position]}
            rates = [plan for plan in self._rate_plan if present[plan[0]]]
        else:
            fact = {field: values[value] for _, field, value in self._direct_plan}
            rates = self._rate_plan
        for _, field, numerator, denominator, scale, round_up, none_field in rates:
            # Counts are exact ints (validated), and arithmetic on a bool would give what int() gives.
            den = values[denominator]
            if not den:
                fact[none_field] = True
            elif round_up:
                fact[field] = -(-values[numerator] * scale // den)
            else:
                fact[field] = values[numerator] * scale // den
        return fact, present

    def score_many(self, documents: Sequence[Any]) -> list[Result | InvalidAssessment]:
        """score() for each document, in order, with the rules fired in shared sessions (score_valid_many);
        a document that is not valid gives its InvalidAssessment in its place rather than raising."""
        out: list[Result | InvalidAssessment] = []
        valid: list[ValidAssessment] = []
        places: list[int] = []
        validate = self.validator.validate
        for document in documents:
            checked, errors = validate(document)
            if checked is None:
                out.append(InvalidAssessment(errors))
            else:
                places.append(len(out))
                out.append(None)  # type: ignore[arg-type]  # filled below
                valid.append(checked)
        for place, result in zip(places, self.score_valid_many(valid), strict=True):
            out[place] = result
        return out

    def score_valid(self, assessment: ValidAssessment) -> Result:
        """Every band and NTM status is decided by the rules here (durable_rules, engine/rules.py); the
        result's item, criterion and NTM objects and their sentences are made when first read."""
        fact, present = self.facts(assessment)
        scored, recognised = self._decide(assessment, present, self.rules.fire(fact))
        linker = scored.linker
        if linker is not None:
            scored.ntm_fired = linker.fire(linker.fact_from_figures(
                assessment.values, present, scored.points, assessment.commune))
        return self._result(scored, recognised)

    def score_valid_many(self, assessments: Sequence[ValidAssessment]) -> list[Result]:
        """score_valid() for each assessment, in order, the same results: the criteria rules, then each
        link table's, fired for many facts per durable_rules session (RuleSet.fire_many)."""
        facts = [self.facts(assessment) for assessment in assessments]
        decided = [self._decide(assessment, present, names) for assessment, (_, present), names
                   in zip(assessments, facts, self.rules.fire_many([f for f, _ in facts]), strict=True)]
        by_linker: dict[int, tuple[NtmLinker, list[Scored]]] = {}
        for scored, _ in decided:
            linker = scored.linker
            if linker is not None:
                by_linker.setdefault(id(linker), (linker, []))[1].append(scored)
        for linker, group in by_linker.values():
            ntm_facts = [linker.fact_from_figures(s.assessment.values, s.present, s.points,
                                                  s.assessment.commune) for s in group]
            for scored, fired in zip(group, linker.fire_many(ntm_facts), strict=True):
                scored.ntm_fired = fired
        return [self._result(scored, recognised) for scored, recognised in decided]

    def _decide(self, assessment: ValidAssessment, present: list[bool],
                names: Iterable[str]) -> tuple[Scored, bool]:
        """The figures from the criteria rules that fired (`names`), and whether the commune is recognised;
        the NTM firings are the caller's to add."""
        count = len(present)
        bands: list[int | str | None] = [None] * count
        points = [0] * count
        fired_as, criterion_of = self._fired_as, self._criterion_of
        crit_points = [0] * len(self._slices)
        for name in names:
            position, band, got = fired_as[name]
            if bands[position] is not None:  # bands compile to exclusive rules; two would be a compiler bug
                raise RuntimeError(f"item {self._plans[position].item.id} matched two bands")
            bands[position] = band
            points[position] = got
            crit_points[criterion_of[position]] += got  # an item no rule matched scores 0
        if assessment.missing:
            crit_assessed = [True] * len(self._slices)
            criteria_reading = self._criteria_reading
            for name in assessment.missing:
                for index in criteria_reading.get(name, ()):
                    crit_assessed[index] = False
            all_assessed = all(crit_assessed)
            no_zero = all(p or not a for p, a in zip(crit_points, crit_assessed, strict=True))
        else:
            crit_assessed = [True] * len(self._slices)
            all_assessed = True
            no_zero = 0 not in crit_points
        total = sum(crit_points)
        tier = self._tiers[assessment.commune.type]
        recognised = all_assessed and no_zero and total >= tier.threshold
        scored = Scored(self, assessment, present, bands, points, crit_points, crit_assessed, total, tier,
                        self.linker(assessment.period), None, all_assessed, no_zero)
        return scored, recognised

    def _result(self, source: Scored, recognised: bool) -> Result:
        assessment, tier = source.assessment, source.tier
        read = self._read_inputs
        set_id, content_hash, max_total, provisional_items, provisional_notice = self._set_fields
        return Result(
            commune=assessment.commune.code,
            commune_name=assessment.commune.name,
            period=assessment.period,
            criteria_set=set_id,
            criteria_hash=content_hash,
            total=source.total,
            max_total=max_total,
            tier=tier.id,
            tier_label=tier.label,
            threshold=tier.threshold,
            recognised=recognised,
            verdict=msg.VERDICT_YES if recognised else msg.VERDICT_NO,
            provisional_items=provisional_items,
            provisional_notice=provisional_notice,
            missing_inputs=[name for name in assessment.missing if name in read],
            values=dict(assessment.values),
            source=source,
        )

    def item_result(self, position: int, present: bool, band: int | str | None,
                    values: Mapping[str, int | bool]) -> ItemResult:
        """The result of the item at `position` of cs.items, from what the rules decided."""
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
        key = self.item_key(position, present, band, values)
        cache = self._item_cache[position]
        cached = cache.get(key)
        if cached is None:
            cached = self._build_item(position, present, band, values)
            if len(cache) < _ITEM_CACHE_MAX:
                cache[key] = cached
        return cached

    def why_tail(self, position: int, band: int | str | None) -> str:
        """A counted rate or count item's explanation after its figure and before its arrow, then its points:
        " < 98 %, 35/50 điểm" (what the NTM link quotes of an item below the bar)."""
        key = (position, band)
        tail = self._why_tails.get(key)
        if tail is None:
            plan = self._plans[position]
            points = 0 if band is None else plan.band_points[band]  # type: ignore[index]
            before = self._explainers[position].tails[band].rsplit(" → ", 1)[0]  # type: ignore[index]
            tail = self._why_tails[key] = f"{before}, {points}/{plan.item.max} điểm"
        return tail

    def item_key(self, position: int, present: bool, band: int | str | None,
                 values: Mapping[str, int | bool]) -> tuple:
        """What an item's result depends on, for an item other than a rate with something to count."""
        plan = self._plans[position]
        if not present:
            return ("missing", *(name in values for name in plan.reads))
        if plan.numerator is None:
            return (band, values[plan.value])  # type: ignore[index]
        return (band,)  # nothing to count

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

    def failed_conditions(self, crit_points: Sequence[int], crit_assessed: Sequence[bool], total: int,
                          tier_id: str, missing: Sequence[str]) -> list[str]:
        # Each failed condition starts with "Chưa đạt:" so that a condition worded as a goal ("Tổng điểm đạt
        # điểm chuẩn…") is never read as met; the figure that fails it follows the dash.
        failed: list[str] = []
        if not all(crit_assessed):
            failed.append(self.unassessed_failure(crit_assessed, missing))
        failed.extend(self.zero_failures(crit_points, crit_assessed))
        tier = self._tiers[tier_id]
        if total < tier.threshold:
            failed.append(self.threshold_failure(total, tier_id))
        return failed

    def unassessed_failure(self, crit_assessed: Sequence[bool], missing: Sequence[str]) -> str:
        """The failed condition of a set with criteria left unassessed: which, and the figures missing."""
        unassessed = [s[0] for s, a in zip(self._slices, crit_assessed, strict=True) if not a]
        labels = [self._labels[name] for name in missing if name in self._read_inputs]
        return (f"{self._not_met[0]} — tiêu chí {', '.join(unassessed)} "
                f"{msg.NOT_ASSESSED} (thiếu: {'; '.join(labels)})")

    def zero_failures(self, crit_points: Sequence[int], crit_assessed: Sequence[bool]) -> list[str]:
        """One failed condition per assessed criterion that scored 0."""
        return [f"{self._not_met[1]} — tiêu chí {s[0]} ({s[1]}) đạt 0 điểm"
                for s, got, assessed in zip(self._slices, crit_points, crit_assessed, strict=True)
                if assessed and not got]

    def threshold_failure(self, total: int, tier_id: str) -> str:
        """The failed condition of a total below its tier's threshold."""
        tier = self._tiers[tier_id]
        return f"{self._not_met[2]} — tổng điểm {total} thấp hơn điểm chuẩn {tier.threshold} ({tier.label})"

    def close(self) -> None:
        self.rules.close()
        for linker in self.ntm:
            linker.close()


class Scored:
    """What the rules decided for one assessment (bands, points, NTM firings): the source a Result builds
    its objects and sentences from when they are first read (engine/result.py), and what
    engine/io/jsonout.py writes a JSON line from without building them."""

    __slots__ = ("engine", "assessment", "present", "bands", "points", "crit_points", "crit_assessed",
                 "total", "tier", "linker", "ntm_fired", "all_assessed", "no_zero", "_items", "_rates")

    def __init__(self, engine: Engine, assessment: ValidAssessment, present: list[bool],
                 bands: list[int | str | None], points: list[int], crit_points: list[int],
                 crit_assessed: list[bool], total: int, tier: Any, linker: NtmLinker | None,
                 ntm_fired: dict[int, list[tuple[str, str]]] | None, all_assessed: bool,
                 no_zero: bool) -> None:
        self.engine = engine
        self.assessment = assessment
        self.present = present
        self.bands = bands
        self.points = points
        self.crit_points = crit_points
        self.crit_assessed = crit_assessed
        self.total = total
        self.tier = tier
        self.linker = linker
        self.ntm_fired = ntm_fired
        self.all_assessed = all_assessed  # every criterion assessed
        self.no_zero = no_zero  # no assessed criterion scored 0
        self._items: list[ItemResult] | None = None
        self._rates: dict[int, str] = {}

    def is_counted_rate(self, position: int) -> bool:
        """A rate item with something to count: its texts are new for each pair of figures."""
        return (self.present[position] and self.engine._plans[position].numerator is not None
                and self.bands[position] != NONE_BAND)

    def rate_text(self, position: int) -> str:
        """A counted rate item's rate ("47/48 = 97,92 %"), made once per result: its JSON, its ItemResult
        (whose explanation is this text and a tail prepared per band) and an NTM status naming it read
        the same text."""
        text = self._rates.get(position)
        if text is None:
            numerator, denominator, percents = self.engine._rate_plans[position]
            values = self.assessment.values
            num, den = int(values[numerator]), int(values[denominator])
            percent = percents[cast("int | None", self.bands[position])]
            text = self._rates[position] = f"{num}/{den} = {percent(num, den)}"
        return text

    def item(self, position: int) -> ItemResult:
        if self._items is not None:
            return self._items[position]
        if self.is_counted_rate(position):
            engine, band = self.engine, cast("int | None", self.bands[position])
            plan = engine._plans[position]
            item = plan.item
            rate = self.rate_text(position)
            got = 0 if band is None else plan.band_points[band]
            return ItemResult(item.id, item.criterion, item.text, got, item.max, item.status, True,
                              engine._band_texts[position][band], rate,
                              rate + engine._explainers[position].tails[band])
        return self.engine.item_result(position, self.present[position], self.bands[position],
                                       self.assessment.values)

    def figure(self, position: int) -> str | None:
        """The figure an item's explanation starts with when it changes with every result: a counted
        rate's rate text, an assessed count's value (None for the others)."""
        if not self.present[position]:
            return None
        plan = self.engine._plans[position]
        if plan.numerator is not None:
            return None if self.bands[position] == NONE_BAND else self.rate_text(position)
        if plan.item.rule == "yes_no":
            return None
        return str(self.assessment.values[plan.value])  # type: ignore[index]

    def why(self, item_id: str) -> str:
        """What an item's explanation says before its arrow, with its points ("47/48 = 97,92 % < 98 %,
        35/50 điểm"): for a counted rate or a count, its figure and a part prepared per band."""
        position = self.engine._positions[item_id]
        figure = self.figure(position)
        if figure is not None:
            return figure + self.engine.why_tail(position, self.bands[position])
        ir = self.item(position)
        return ir.explanation.rsplit(" → ", 1)[0] + f", {ir.points}/{ir.max} điểm"

    def item_key(self, item_id: str) -> Hashable:
        """What the explanation of an item depends on (its band and figures)."""
        position = self.engine._positions[item_id]
        text = self._rates.get(position)
        if text is not None:  # a counted rate whose text was made
            return ("rate", self.bands[position], text)
        if self.is_counted_rate(position):
            return ("rate", self.bands[position], self.rate_text(position))
        return self.engine.item_key(position, self.present[position], self.bands[position],
                                    self.assessment.values)

    def items(self) -> list[ItemResult]:
        if self._items is None:
            item = self.item
            self._items = [item(position) for position in range(len(self.present))]
        return self._items

    def criteria(self) -> list[CriterionResult]:
        return [CriterionResult(id=crit_id, name=name, max=maximum, points=got, assessed=assessed)
                for (crit_id, name, maximum, _, _), got, assessed
                in zip(self.engine._slices, self.crit_points, self.crit_assessed, strict=True)]

    def conditions(self) -> list[ConditionResult]:
        texts = self.engine.cs.recognition.conditions
        return [
            ConditionResult("all_assessed", texts.all_assessed, self.all_assessed),
            ConditionResult("no_zero_criterion", texts.no_zero_criterion, self.no_zero),
            ConditionResult("threshold", texts.threshold, self.total >= self.tier.threshold),
        ]

    def failed_conditions(self) -> list[str]:
        return self.engine.failed_conditions(self.crit_points, self.crit_assessed, self.total, self.tier.id,
                                             self.assessment.missing)

    def ntm(self) -> list[NtmStatus]:
        if self.linker is None or self.ntm_fired is None:
            return []
        return self.linker.statuses_for(self.ntm_fired, self.assessment.values, self.assessment.commune,
                                        _ItemsById(self), self.item_key, self.why)


class _ItemsById(Mapping[str, ItemResult]):
    """The items of a scored assessment by id, each built when the NTM link first reads it."""

    def __init__(self, scored: Scored) -> None:
        self._scored = scored
        self._positions = scored.engine._positions

    def __getitem__(self, item_id: str) -> ItemResult:
        return self._scored.item(self._positions[item_id])

    def __iter__(self) -> Iterator[str]:
        return iter(self._positions)

    def __len__(self) -> int:
        return len(self._positions)
