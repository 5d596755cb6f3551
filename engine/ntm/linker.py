"""Derives each linked NTM indicator's status from a scored assessment, with rules like the scores.

A link table is compiled into its own RuleSet (engine/rules.py): every rule is named
"<indicator index>#<status>#<detail>", and the fact carries exact integers only (rates in RATE_UNITS, band
ranks, points) plus one `…_missing` flag per absent figure, so a missing input fires its own
"can_xem_xet" rule instead of silently matching nothing. Nothing here knows a particular indicator: every
indicator is compiled by its rule kind alone.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import cast

from engine.assessment import Commune
from engine.criteria import CriteriaError, CriteriaSet, Item, Problem
from engine.explain import ItemExplainer
from engine.ntm import messages as nmsg
from engine.ntm.models import (
    Indicator,
    InputTrue,
    ItemsAtMax,
    ItemsAtTopBand,
    NtmTable,
    RateAtMostRegional,
    link_problems,
    table_for_period,
)
from engine.rates import PercentFormat, decimals_of, format_number, rate_units, threshold_units
from engine.result import ItemResult, NtmStatus, Result
from engine.rules import Comparison, RuleSet, short_names
from engine.yamlsource import format_loc

Fact = dict[str, int | bool]
# Stands in a status template (NtmLinker.template) for each figure an explanation quotes: a private-use
# character, so no table text holds it (a template whose texts do is refused, and the status is built
# whole instead).
HOLE = "\ue000"


def _figure(numerator: int, denominator: int, percent: PercentFormat) -> str:
    return f"{numerator}/{denominator} = {percent(numerator, denominator)}"


def ntm_fields(table: NtmTable, cs: CriteriaSet) -> dict[tuple[str, str], str]:
    """The fact field of each figure a link table's rules read, by (what, id): ("region", region id),
    ("rate", item id), ("input", input id), ("rank", item id), ("points", item id), and the flags
    ("rate_none", item id), ("rate_missing", item id), ("input_missing", input id), ("missing", item id).
    Short names (engine/rules.py short_names, every firing carries the whole fact), the single letters to
    what almost every fact holds. An item's band rank is in the fact only for an indicator on top bands,
    its points only for one on full points: the rules read nothing else."""
    common: list[tuple[str, str]] = [("region", r.id) for r in cs.regions]
    if table.region_override is not None:
        common.append(("region", table.region_override.region))
    rare: list[tuple[str, str]] = []
    for ind in table.indicators:
        rule = ind.rule
        if isinstance(rule, RateAtMostRegional):
            common += [("region", region) for region in rule.thresholds]
            common.append(("rate", rule.item))
            rare += [("rate_none", rule.item), ("rate_missing", rule.item)]
        elif isinstance(rule, InputTrue):
            common.append(("input", rule.input))
            rare.append(("input_missing", rule.input))
        elif isinstance(rule, ItemsAtTopBand | ItemsAtMax):
            what = "rank" if isinstance(rule, ItemsAtTopBand) else "points"
            common += [(what, item_id) for item_id in ind.items]
            rare += [("missing", item_id) for item_id in ind.items]
    names = short_names()
    return {key: next(names) for key in dict.fromkeys(common + rare)}


def _name(index: int, status: str, detail: str = "") -> str:
    return f"{index}#{status}#{detail}"


def compile_ntm_rules(table: NtmTable, cs: CriteriaSet,
                      fields: Mapping[tuple[str, str], str] | None = None) -> dict[str, list[Comparison]]:
    """The link table's rules on facts with the fields `fields` (ntm_fields(table, cs) if not given)."""
    f = ntm_fields(table, cs) if fields is None else fields
    rules: dict[str, list[Comparison]] = {}
    for index, ind in enumerate(table.indicators):
        rule = ind.rule
        if isinstance(rule, RateAtMostRegional):
            field = f["rate", rule.item]
            for region, ceiling in rule.thresholds.items():
                flag = Comparison(f["region", region], "==", True)
                units = threshold_units(ceiling)
                rules[_name(index, "dat", region)] = [flag, Comparison(field, "<=", units)]
                rules[_name(index, "chua_dat", region)] = [flag, Comparison(field, ">", units)]
            rules[_name(index, "can_xem_xet", "none")] = [Comparison(f["rate_none", rule.item], "==", True)]
            rules[_name(index, "can_xem_xet", "missing")] = [
                Comparison(f["rate_missing", rule.item], "==", True)]
        elif isinstance(rule, InputTrue):
            field = f["input", rule.input]
            rules[_name(index, "dat")] = [Comparison(field, "==", True)]
            rules[_name(index, "chua_dat")] = [Comparison(field, "==", False)]
            rules[_name(index, "can_xem_xet", "missing")] = [
                Comparison(f["input_missing", rule.input], "==", True)]
        elif isinstance(rule, ItemsAtTopBand | ItemsAtMax):
            held = []
            for item_id in ind.items:
                if isinstance(rule, ItemsAtTopBand):  # band rank 0 is the top band
                    rank = f["rank", item_id]
                    at, below = Comparison(rank, "==", 0), Comparison(rank, ">", 0)
                else:
                    best = cs.item(item_id).max
                    at = Comparison(f["points", item_id], ">=", best)
                    below = Comparison(f["points", item_id], "<", best)
                held.append(at)
                rules[_name(index, "can_xem_xet", item_id)] = [below]
                rules[_name(index, "can_xem_xet", "missing:" + item_id)] = [
                    Comparison(f["missing", item_id], "==", True)
                ]
            rules[_name(index, "dat")] = held
    return rules


def band_rank(item: Item, points: int) -> int:
    """0 for the top band, 1… for the lower ones, len(bands) when no band held. Band points strictly
    decrease (checked on load), so the points name the band; "nothing to count" scoring full counts as top."""
    for index, band in enumerate(item.bands):
        if band.points == points:
            return index
    return len(item.bands)


class NtmLinker:
    """One link table compiled against one criteria set. Build once per process; thread-safe."""

    def __init__(self, table: NtmTable, cs: CriteriaSet) -> None:
        if table.criteria_set != cs.id:
            raise ValueError(nmsg.NOT_LINKED.format(got=cs.id, want=table.criteria_set))
        problems = link_problems(table, cs)
        if problems:
            # A criteria file edited after the link file was checked: same messages, located by path.
            raise CriteriaError([Problem(table.id, None, format_loc(loc), text) for loc, text in problems])
        self.table = table
        self.cs = cs
        # The best band of each item, as the explanations name it ("≥ 95 %"), worked out once.
        self._top_band = {item.id: ItemExplainer(item).band_text(0) for item in cs.items}
        self._fields = fields = ntm_fields(table, cs)
        rules = compile_ntm_rules(table, cs, fields)
        self.rules = RuleSet(f"ntm-{table.id}-{cs.id}", rules) if rules else None
        self._cache: dict[tuple, NtmStatus] = {}
        # Per rate indicator, region and outcome: the sentence around the figures (a few dozen at most).
        self._rate_parts: dict[tuple, tuple[str, str, PercentFormat]] = {}
        # Worked out once, not per assessment: each item's band rank by points, each rule name's parts.
        self._ranks = {item.id: {got: band_rank(item, got)
                                 for got in (*(band.points for band in item.bands), item.none_points, 0)}
                       for item in cs.items}
        self._names: dict[str, tuple[int, tuple[str, str]]] = {}
        for name in rules:
            index, status, detail = name.split("#", 2)
            self._names[name] = (int(index), (status, detail))
        # What the statuses read of each indicator, read once: attribute reads and isinstance() on the
        # pydantic models (ABCMeta's instance check) cost more than writing the status itself.
        self._info = {id(ind): _Info(ind) for ind in table.indicators}
        for ind in table.indicators:
            if isinstance(ind.rule, InputTrue):
                self._info[id(ind)].label = cs.input(ind.rule.input).label
        self._indicators = [(ind, self._info[id(ind)].kind == _RATE) for ind in table.indicators]
        # What each indicator reads, by position in cs.items, for facts built from the engine's own figures.
        positions = {item.id: position for position, item in enumerate(cs.items)}
        self._plans: list[tuple] = []
        for ind in table.indicators:
            rule = ind.rule
            if isinstance(rule, RateAtMostRegional):
                item = cs.item(rule.item)
                self._plans.append((0, fields["rate", item.id], item.numerator or "", item.denominator or "",
                                    fields["rate_missing", item.id], fields["rate_none", item.id]))
            elif isinstance(rule, InputTrue):
                self._plans.append((1, fields["input", rule.input], rule.input,
                                    fields["input_missing", rule.input]))
            elif isinstance(rule, ItemsAtTopBand | ItemsAtMax):
                # Per item: its band rank's field (top bands) or its points' field (full points).
                top = isinstance(rule, ItemsAtTopBand)
                self._plans.append((2, tuple(
                    (positions[i], fields["missing", i], fields["rank" if top else "points", i], top,
                     self._ranks[i], cs.item(i)) for i in ind.items)))
            else:
                self._plans.append((3,))
        # The flag of the commune's region, for the regions a rule reads (a fact holds nothing else).
        read = {c.field for terms in rules.values() for c in terms}
        self._region_fields = {region: name for (what, region), name in fields.items()
                               if what == "region" and name in read}

    # --- facts ---

    def build_fact(self, result: Result, commune: Commune,
                   items: Mapping[str, ItemResult] | None = None) -> Fact:
        """The fact the link rules judge, from a finished result (fact_from_figures() does the work)."""
        if items is None:
            items = {ir.id: ir for ir in result.items}
        got = [items.get(item.id) for item in self.cs.items]
        return self.fact_from_figures(result.values, [ir is not None and ir.assessed for ir in got],
                                      [0 if ir is None else ir.points for ir in got], commune)

    def fact_from_figures(self, values: Mapping[str, int | bool], assessed: Sequence[bool],
                          points: Sequence[int], commune: Commune) -> Fact:
        """The same fact as build_fact(), from the engine's figures (per item of cs.items, in order: whether
        it was assessed and its points) rather than from a finished result."""
        region, _ = self.table.effective_region(commune)
        region_field = self._region_fields.get(region)
        # A region no table names (none of the rules reads it) needs no flag.
        fact: Fact = {} if region_field is None else {region_field: True}
        for plan in self._plans:
            kind = plan[0]
            if kind == 0:
                _, field, numerator, denominator, missing, none = plan
                num, den = values.get(numerator), values.get(denominator)
                if num is None or den is None:
                    fact[missing] = True
                elif den == 0:
                    fact[none] = True
                else:
                    fact[field] = rate_units(int(num), int(den), round_up=True)
            elif kind == 1:
                _, field, name, missing = plan
                if name in values:
                    fact[field] = bool(values[name])
                else:
                    fact[missing] = True
            elif kind == 2:
                for position, missing, field, top, ranks, item in plan[1]:
                    if not assessed[position]:
                        fact[missing] = True
                        continue
                    got = points[position]
                    if top:
                        rank = ranks.get(got)
                        fact[field] = band_rank(item, got) if rank is None else rank
                    else:
                        fact[field] = got
        return fact

    # --- statuses ---

    def fire(self, fact: Fact) -> dict[int, list[tuple[str, str]]]:
        """The rules that matched the fact, per indicator position: [(status, detail), ...]."""
        return self._by_indicator(self.rules.fire(fact)) if self.rules is not None else {}

    def fire_many(self, facts: Sequence[Fact]) -> list[dict[int, list[tuple[str, str]]]]:
        """fire() for each fact, in order, many facts per durable_rules session (RuleSet.fire_many)."""
        if self.rules is None:
            return [{} for _ in facts]
        return [self._by_indicator(names) for names in self.rules.fire_many(facts)]

    def _by_indicator(self, rule_names: list[str]) -> dict[int, list[tuple[str, str]]]:
        fired: dict[int, list[tuple[str, str]]] = {}
        names = self._names
        for name in rule_names:
            position, decided = names[name]
            got = fired.get(position)
            if got is None:
                fired[position] = [decided]
            else:
                got.append(decided)
        return fired

    def statuses(self, result: Result, commune: Commune) -> list[NtmStatus]:
        """The status of every indicator of the table for one scored assessment."""
        if result.criteria_set != self.cs.id:
            raise ValueError(nmsg.NOT_LINKED.format(got=result.criteria_set, want=self.cs.id))
        items = {ir.id: ir for ir in result.items}
        fired = self.fire(self.build_fact(result, commune, items))
        return self.statuses_for(fired, result.values, commune, items)

    def statuses_for(self, fired: Mapping[int, list[tuple[str, str]]], values: Mapping[str, int | bool],
                     commune: Commune, items: Mapping[str, ItemResult],
                     keys: Callable[[str], Hashable] | None = None,
                     why: Callable[[str], str] | None = None) -> list[NtmStatus]:
        """The statuses from what the rules decided (fire()); `items` is read only for the items a rule
        named (below the top band, below full points). `keys`: per item id, a key that names its
        explanation (the figures it was scored from), read in place of the explanation to find a shared
        status. `why`: per item id, what its explanation says before the arrow, with its points
        ("47/48 = 97,92 % < 98 %, 35/50 điểm"), in place of reading it from `items`."""
        if why is None:
            def why(item_id: str) -> str:
                ir = items[item_id]
                return ir.explanation.rsplit(" → ", 1)[0] + f", {ir.points}/{ir.max} điểm"
        if keys is None:
            def keys(item_id: str) -> Hashable:
                return items[item_id].explanation
        out = []
        cache = self._cache
        for index, (ind, is_rate) in enumerate(self._indicators):
            got = fired.get(index, [])
            # A status is a read-only value of what decided it: the rules that fired and, for a rate,
            # the two figures, for items, their explanations. Indicators on a yes/no input or on items
            # take few distinct values, so their statuses are made once and shared.
            if is_rate:
                out.append(self._status(ind, got, values, commune, why))
                continue
            linked = self._info[id(ind)].items
            if got and linked:
                # Only the items a rule named (below the top band, below full points) are spelt out.
                named = {detail for _, detail in got}
                key: tuple = (index, tuple(got), *(keys(i) for i in linked if i in named))
            else:
                key = (index, tuple(got))
            status = cache.get(key)
            if status is None:
                status = self._status(ind, got, values, commune, why)
                if len(self._cache) < 4096:
                    self._cache[key] = status
            out.append(status)
        return out

    def link(self, result: Result, commune: Commune) -> Result:
        return result.model_copy(update={"ntm": self.statuses(result, commune)})

    def template(self, index: int, fired: list[tuple[str, str]], values: Mapping[str, int | bool],
                 commune: Commune) -> tuple[NtmStatus, list[str | PercentFormat]] | None:
        """The status of the indicator at `index` for what its rules decided (`fired`), with HOLE in its
        explanation for each figure it quotes, and what fills each hole, in order: an item id (what that
        item's explanation says, Scored.why) or, for a rate, the formatter of its figure ("n/d = x %",
        read from the rate item's numerator and denominator). None when a text of the table holds HOLE.
        The same template serves every result whose rules fired the same way, for a rate in the same
        region and with the same figures missing (engine/io/jsonout.py writes JSON lines from it)."""
        ind, _ = self._indicators[index]
        holes: list[str | PercentFormat] = []

        def why(item_id: str) -> str:
            holes.append(item_id)
            return HOLE

        def figure(numerator: int, denominator: int, percent: PercentFormat) -> str:
            holes.append(percent)
            return HOLE

        status = self._status(ind, fired, values, commune, why, figure)
        return (status, holes) if status.explanation.count(HOLE) == len(holes) else None

    def rate_inputs(self, index: int) -> tuple[str, str, tuple[str, ...]] | None:
        """The numerator and denominator a rate indicator's figure reads, and every input of its item
        (which of them are missing decides its text when it cannot be computed); None for other
        indicators."""
        ind, is_rate = self._indicators[index]
        if not is_rate:
            return None
        item = self.cs.item(cast(RateAtMostRegional, ind.rule).item)
        return item.numerator or "", item.denominator or "", tuple(item.inputs)

    def _status(self, ind: Indicator, fired: list[tuple[str, str]], values: Mapping[str, int | bool],
                commune: Commune, why: Callable[[str], str],
                figure: Callable[[int, int, PercentFormat], str] = _figure) -> NtmStatus:
        info = self._info[id(ind)]
        if info.kind == _NO_RULE:
            status = "can_xem_xet"
            body = f"{nmsg.UNVERIFIED}; {nmsg.UNVERIFIED_NO_RULE}"
            if ind.note:
                body += f". {ind.note}"
            explanation = f"{body} → {nmsg.STATUS_TEXT[status]}"
        else:
            outcomes = {s for s, _ in fired}
            # A rule that cannot decide (missing figure, item below the bar) outweighs one that can.
            status = next((s for s in ("can_xem_xet", "chua_dat", "dat") if s in outcomes), "can_xem_xet")
            body = self._body(ind, status, fired, values, commune, why, figure)
            tail = nmsg.STATUS_TEXT[status]
            if status == "dat" and info.kind in (_TOP, _MAX):
                tail += f" ({nmsg.SUPPORTING})"
            explanation = f"{body} → {tail}"
            if info.unverified:
                # A placeholder indicator never concludes on its own: the NTM team decides.
                status = "can_xem_xet"
                provisional = body if tail == nmsg.STATUS_TEXT[status] else f"{body} ({tail})"
                explanation = (f"{nmsg.UNVERIFIED}; {nmsg.UNVERIFIED_PROVISIONAL}: {provisional}"
                               f" → {nmsg.STATUS_TEXT[status]}")
        return NtmStatus(
            indicator=info.key, text=info.text, status=status, status_text=nmsg.STATUS_TEXT[status],
            explanation=explanation, items=list(info.items),
        )

    def _body(self, ind: Indicator, status: str, fired: list[tuple[str, str]],
              values: Mapping[str, int | bool], commune: Commune, why: Callable[[str], str],
              figure: Callable[[int, int, PercentFormat], str]) -> str:
        cs, info = self.cs, self._info[id(ind)]
        details = [d for s, d in fired if s == status]
        if info.kind == _RATE:
            rule = cast(RateAtMostRegional, ind.rule)
            item = cs.item(rule.item)
            if status == "can_xem_xet":
                if "none" in details:
                    label = cs.input(item.denominator).label if item.denominator else ""
                    return nmsg.RATE_NONE.format(label=rule.label, denominator=label)
                missing = [cs.input(n).label for n in item.inputs if n not in values]
                return nmsg.RATE_MISSING.format(label=rule.label, missing="; ".join(missing) or "—")
            region, overridden = self.table.effective_region(commune)
            op = "≤" if status == "dat" else ">"
            parts_key = (id(ind), region, overridden, op)
            parts = self._rate_parts.get(parts_key)
            if parts is None:
                # Everything but the two figures, once per region and outcome: RATE_RESULT cut at {rate}.
                ceiling = rule.thresholds[region]
                because = ""
                if overridden and self.table.region_override is not None:
                    because = f", {self.table.region_override.reason}"
                head, tail = nmsg.RATE_RESULT.split("{rate}")
                parts = self._rate_parts[parts_key] = (
                    head.format(label=rule.label),
                    tail.format(op=op, threshold=format_number(ceiling) + " %",
                                region=_region_label(cs, region), why=because),
                    PercentFormat(max(2, decimals_of(ceiling)), (op, ceiling)))
            num, den = int(values[item.numerator or ""]), int(values[item.denominator or ""])
            return f"{parts[0]}{figure(num, den, parts[2])}{parts[1]}"
        if info.kind == _INPUT:
            label = info.label
            if status == "can_xem_xet":
                return nmsg.INPUT_MISSING.format(label=label)
            return (nmsg.INPUT_YES if status == "dat" else nmsg.INPUT_NO).format(label=label)
        top = info.kind == _TOP
        if status == "dat":
            return (nmsg.ITEMS_ALL_TOP if top else nmsg.ITEMS_ALL_MAX).format(items=", ".join(info.items))
        reasons = []
        for item_id, missing_detail in info.missing:  # in the table's order, not the order the rules fired in
            if missing_detail in details:
                reasons.append(nmsg.ITEM_MISSING.format(item=item_id))
            elif item_id in details:
                said = why(item_id)
                if top:
                    reasons.append(nmsg.ITEM_BELOW_TOP.format(
                        item=item_id, top=self._top_band[item_id], why=said))
                else:
                    reasons.append(nmsg.ITEM_BELOW_MAX.format(item=item_id, why=said))
        text = "; ".join(reasons) or nmsg.NO_DATA
        return text[0].upper() + text[1:]

    def close(self) -> None:
        if self.rules is not None:
            self.rules.close()


_NO_RULE, _RATE, _INPUT, _TOP, _MAX = range(5)


class _Info:
    """An indicator's fields as the statuses read them (see NtmLinker.__init__)."""

    __slots__ = ("kind", "key", "text", "items", "missing", "unverified", "label")

    def __init__(self, ind: Indicator) -> None:
        rule = ind.rule
        if isinstance(rule, RateAtMostRegional):
            self.kind = _RATE
        elif isinstance(rule, InputTrue):
            self.kind = _INPUT
        elif isinstance(rule, ItemsAtTopBand):
            self.kind = _TOP
        elif isinstance(rule, ItemsAtMax):
            self.kind = _MAX
        else:
            self.kind = _NO_RULE
        self.key = ind.key
        self.text = ind.text
        self.items = tuple(ind.items)
        self.missing = tuple((item_id, "missing:" + item_id) for item_id in ind.items)  # rule details
        self.unverified = ind.status == "unverified"
        self.label = ""  # an input's label, set by the linker that knows the criteria set


def _region_label(cs: CriteriaSet, region: str) -> str:
    return next((r.label for r in cs.regions if r.id == region), region)


def linker_for_period(linkers: list[NtmLinker], period: int) -> NtmLinker | None:
    table = table_for_period((linker.table for linker in linkers), period)
    return next((linker for linker in linkers if linker.table is table), None)


def link_ntm(result: Result, commune: Commune, linkers: list[NtmLinker]) -> Result:
    """The result with `ntm` filled from the link table in force for its period (unchanged if none is)."""
    linker = linker_for_period(linkers, result.period)
    return result if linker is None else linker.link(result, commune)
