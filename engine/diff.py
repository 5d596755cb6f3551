"""Two versions of a criteria table side by side: what changed in the table, and what it does to assessments.

Pure functions over loaded criteria sets and engine results, shared by `cfc criteria diff` and the
administrator's "Bộ tiêu chí" pages. Scores always come from the engine (the same `score_valid` that
`cfc score` uses); nothing here scores by itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from engine.criteria import Band, CriteriaSet, Criterion, Item
from engine.rates import format_number
from engine.result import Result

STATUS_VI = {"confirmed": "đã xác nhận", "provisional": "tạm tính"}
RULE_VI = {
    "yes_no": "Có/Không",
    "rate_higher": "tỷ lệ, càng cao càng tốt",
    "rate_lower": "tỷ lệ, càng thấp càng tốt",
    "count_higher": "số lượng, càng nhiều càng tốt",
    "count_lower": "số lượng, càng ít càng tốt",
}
IF_NONE_VI = {"full": "đủ điểm", "zero": "0 điểm", None: "—"}

_T = TypeVar("_T")


@dataclass(frozen=True)
class Change:
    """One difference of the table. `where` is "" (the set), "tiêu chí 3" or "mục 3.2"."""

    where: str
    what: str  # the field as an officer names it
    old: str | None
    new: str | None

    def text(self) -> str:
        head = f"{_upper_first(self.where)}: {self.what}" if self.where else _upper_first(self.what)
        if self.old is None:
            return f"{head}: thêm — {self.new}"
        if self.new is None:
            return f"{head}: bỏ — {self.old}"
        return f"{head}: «{self.old}» thành «{self.new}»"

    def as_dict(self) -> dict[str, Any]:
        return {"where": self.where, "what": self.what, "old": self.old, "new": self.new}


def _upper_first(text: str) -> str:
    # Not str.capitalize(): it lowercases the rest ("Xã" inside a tier label must stay as written).
    return text[:1].upper() + text[1:]


def band_text(item: Item, band: Band) -> str:
    """ "≥ 98 % → 40 điểm", "Có → 50 điểm", with the band's own status when it differs from the item's."""
    if item.rule == "yes_no":
        edge = "Có"
    else:
        sign = "≥" if item.higher_is_better else "≤"
        edge = f"{sign} {format_number(band.threshold)}{' %' if item.is_rate else ''}"  # type: ignore[arg-type]
    out = f"{edge} → {band.points} điểm"
    if band.status and band.status != item.status:
        out += f" ({STATUS_VI[band.status]})"
    return out


def bands_text(item: Item) -> str:
    return "; ".join(band_text(item, b) for b in item.bands)


def inputs_text(item: Item) -> str:
    if item.is_rate:
        return f"{item.numerator} / {item.denominator}"
    return item.input or ""


def _item_fields(item: Item) -> list[tuple[str, str]]:
    return [
        ("nội dung", item.text),
        ("căn cứ", item.legal_ref),
        ("trạng thái", STATUS_VI[item.status]),
        ("nguồn", item.source.text() if item.source else "—"),
        ("cách tính", RULE_VI[item.rule]),
        ("số liệu", inputs_text(item)),
        ("khi không có trường hợp phải tính", IF_NONE_VI[item.if_none] if item.is_rate else "—"),
        ("mức điểm", bands_text(item)),
        ("điểm tối đa", str(item.max)),
        ("ghi chú", item.note or "—"),
    ]


def _criterion_fields(crit: Criterion) -> list[tuple[str, str]]:
    return [("tên", crit.name), ("điểm tối đa", str(crit.max))]


def _pairs(where: str, old: list[tuple[str, str]], new: list[tuple[str, str]]) -> list[Change]:
    new_map = dict(new)
    return [Change(where, what, value, new_map[what]) for what, value in old if new_map.get(what) != value]


def diff_tables(old: CriteriaSet, new: CriteriaSet) -> list[Change]:
    """Every difference between two tables, set first, then criterion by criterion and item by item."""
    out: list[Change] = []

    def legal(cs: CriteriaSet) -> str:
        return "; ".join(f"{r.ref} ngày {r.date:%d/%m/%Y}" for r in cs.legal_basis)

    def set_fields(cs: CriteriaSet) -> list[tuple[str, str]]:
        fields = [
            ("mã bộ tiêu chí", cs.id),
            ("tên", cs.name),
            ("căn cứ pháp lý", legal(cs)),
            ("hiệu lực từ", f"{cs.effective_from:%d/%m/%Y}"),
            ("hiệu lực đến", f"{cs.effective_to:%d/%m/%Y}" if cs.effective_to else "—"),
            ("tổng điểm", str(cs.total)),
        ]
        fields += [(f"điểm chuẩn «{t.label}»", str(t.threshold)) for t in cs.tiers]
        return fields

    out += _pairs("", set_fields(old), set_fields(new))
    old_tiers, new_tiers = {t.label for t in old.tiers}, {t.label for t in new.tiers}
    out += [Change("", "loại xã", t, None) for t in sorted(old_tiers - new_tiers)]
    out += [Change("", "loại xã", None, t) for t in sorted(new_tiers - old_tiers)]

    old_crit = {c.id: c for c in old.criteria}
    new_crit = {c.id: c for c in new.criteria}
    for cid in _ordered(list(old_crit), list(new_crit)):
        out += _compare(f"tiêu chí {cid}", "tiêu chí", old_crit.get(cid), new_crit.get(cid),
                        lambda c: f"{c.name} ({c.max} điểm)", _criterion_fields)
    old_items = {i.id: i for i in old.items}
    new_items = {i.id: i for i in new.items}
    for iid in _ordered(list(old_items), list(new_items), key=_item_key):
        out += _compare(f"mục {iid}", "mục", old_items.get(iid), new_items.get(iid),
                        lambda i: f"{i.text} — {bands_text(i)}", _item_fields)
    return out


def _compare(where: str, kind: str, a: _T | None, b: _T | None, summary: Callable[[_T], str],
             fields: Callable[[_T], list[tuple[str, str]]]) -> list[Change]:
    """A criterion or item in one version only is added or removed as a whole (named by `summary`); in both,
    it differs field by field."""
    if a is not None and b is not None:
        return _pairs(where, fields(a), fields(b))
    present = a if a is not None else b
    if present is None:
        return []
    text = summary(present)
    return [Change(where, kind, None if a is None else text, None if b is None else text)]


def _item_key(item_id: str) -> tuple[int, ...]:
    return tuple(int(p) for p in item_id.split("."))


def _ordered(old: list[str], new: list[str], key: Any = int) -> list[str]:
    return sorted(set(old) | set(new), key=key)


@dataclass(frozen=True)
class ItemChange:
    id: str
    old_points: int | None  # None: the item is not in that version
    new_points: int | None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "old_points": self.old_points, "new_points": self.new_points}


@dataclass(frozen=True)
class Impact:
    """One assessment scored under both versions."""

    file: str | None
    commune: str
    commune_name: str
    period: int
    old_total: int
    new_total: int
    old_threshold: int
    new_threshold: int
    old_recognised: bool
    new_recognised: bool
    old_verdict: str
    new_verdict: str
    items: list[ItemChange] = field(default_factory=list)

    @property
    def old_reaches_tier(self) -> bool:
        return self.old_total >= self.old_threshold

    @property
    def new_reaches_tier(self) -> bool:
        return self.new_total >= self.new_threshold

    @property
    def total_changed(self) -> bool:
        return self.old_total != self.new_total

    @property
    def tier_changed(self) -> bool:
        return self.old_reaches_tier != self.new_reaches_tier

    @property
    def verdict_changed(self) -> bool:
        return self.old_recognised != self.new_recognised

    @property
    def changed(self) -> bool:
        return bool(self.items) or self.total_changed or self.tier_changed or self.verdict_changed

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file, "commune": self.commune, "commune_name": self.commune_name,
            "period": self.period,
            "old_total": self.old_total, "new_total": self.new_total,
            "old_threshold": self.old_threshold, "new_threshold": self.new_threshold,
            "old_recognised": self.old_recognised, "new_recognised": self.new_recognised,
            "old_verdict": self.old_verdict, "new_verdict": self.new_verdict,
            "changed": self.changed,
            "items": [i.as_dict() for i in self.items],
        }


def compare_results(old: Result, new: Result, file: str | None = None) -> Impact:
    """The same assessment's results under two versions: totals, verdicts and the items whose points move."""
    old_points = {i.id: i.points for i in old.items}
    new_points = {i.id: i.points for i in new.items}
    items = [
        ItemChange(iid, old_points.get(iid), new_points.get(iid))
        for iid in _ordered(list(old_points), list(new_points), key=_item_key)
        if old_points.get(iid) != new_points.get(iid)
    ]
    return Impact(
        file=file if file is not None else old.file, commune=old.commune, commune_name=old.commune_name,
        period=old.period, old_total=old.total, new_total=new.total,
        old_threshold=old.threshold, new_threshold=new.threshold,
        old_recognised=old.recognised, new_recognised=new.recognised,
        old_verdict=old.verdict, new_verdict=new.verdict, items=items,
    )


def impact_lines(impact: Impact) -> list[str]:
    """The text of one assessment's impact, as `cfc criteria diff` prints it."""
    name = impact.file or f"{impact.commune_name} ({impact.commune})"
    head = (f"{name}: {impact.commune_name} ({impact.commune}), năm {impact.period} — "
            f"tổng điểm {impact.old_total} → {impact.new_total}, kết luận {impact.old_verdict} → "
            f"{impact.new_verdict}")
    if not impact.changed:
        return [f"{name}: {impact.commune_name} ({impact.commune}), năm {impact.period} — không thay đổi "
                f"(tổng điểm {impact.old_total}, {impact.old_verdict})"]
    lines = [head]
    for item in impact.items:
        old = "—" if item.old_points is None else item.old_points
        new = "—" if item.new_points is None else item.new_points
        lines.append(f"  - mục {item.id}: {old} → {new} điểm")
    return lines
