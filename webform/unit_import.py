"""`flask import-units`: the official units into the registry, idempotently, never deleting a unit.

Sources (never typed by hand):
- current units (34 provinces, 3,321 communes since 01/07/2025): the `vietnam-provinces` package;
- legacy units (63 provinces, their districts and communes) and the old -> new mapping: webform/data/
  units_legacy.json, generated from `vietnamadminunits` by tools/gen_legacy_units.py (version inside).

A unit is identified by (level, code, name): a commune that kept both its code and its name through the
reform (Xã Ia Tơi 23538) is one unit whose parent changes on 01/07/2025; one that kept the code under a new
name (Phường Hàng Trống 00070 -> Phường Hoàn Kiếm 00070) is a new unit with a successor link.
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select

from .models import LEVEL_COMMUNE, LEVEL_DISTRICT, LEVEL_PROVINCE, Commune, UnitParent, UnitSuccessor
from .units import REFORM_DATE

LEGACY_FILE = Path(__file__).parent / "data" / "units_legacy.json"
LAST_LEGACY_DAY = REFORM_DATE - timedelta(days=1)
LEVEL_LABELS = {LEVEL_PROVINCE: "tỉnh", LEVEL_DISTRICT: "huyện", LEVEL_COMMUNE: "xã"}

Key = tuple[str, str, str]  # (level, code, name)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", (text or "").strip())


@dataclass
class Planned:
    level: str
    code: str
    name: str
    kind: str
    valid_from: date | None
    valid_to: date | None
    parents: list[tuple[Key, date | None, date | None]] = field(default_factory=list)

    @property
    def key(self) -> Key:
        return (self.level, self.code, self.name)


@dataclass
class Plan:
    units: dict[Key, Planned] = field(default_factory=dict)
    # (predecessor, successor, date, kind, source)
    successors: list[tuple[Key, Key, date, str, str]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


class ImportError_(ValueError):
    """A bad option (unknown province code): a message for the command line, nothing stored."""


# ---------------------------------------------------------------- sources

def current_version() -> str:
    import vietnam_provinces

    return f"vietnam-provinces {vietnam_provinces.__version__} (dữ liệu {vietnam_provinces.__data_version__})"


@lru_cache(maxsize=1)
def legacy_data() -> dict[str, Any]:
    return json.loads(LEGACY_FILE.read_text(encoding="utf-8"))


def legacy_version() -> str:
    src = legacy_data()["source"]
    return f"{src['package']} {src['version']} ({LEGACY_FILE.name})"


def province_name(p: Any) -> str:
    from vietnam_provinces import VietNamDivisionType

    name = nfc(p.name)
    if p.division_type == VietNamDivisionType.TINH and not name.startswith("Tỉnh "):
        return f"Tỉnh {name}"
    return name


def province_kind(p: Any) -> str:
    from vietnam_provinces import VietNamDivisionType

    return "Tỉnh" if p.division_type == VietNamDivisionType.TINH else "Thành phố"


def current_provinces() -> dict[str, Any]:
    from vietnam_provinces import Province

    return {f"{p.code.value:02d}": p for p in Province.iter_all()}


def plan_current(codes: list[str]) -> Plan:
    from vietnam_provinces import Ward

    plan = Plan(sources=[current_version()])
    provinces = current_provinces()
    wanted = set(codes)
    for code in sorted(wanted):
        p = provinces[code]
        unit = Planned(LEVEL_PROVINCE, code, province_name(p), province_kind(p), REFORM_DATE, None)
        plan.units[unit.key] = unit
    for w in Ward.iter_all():
        pcode = f"{w.province_code.value:02d}"
        if pcode not in wanted:
            continue
        parent = (LEVEL_PROVINCE, pcode, province_name(provinces[pcode]))
        kind = nfc(w.division_type.value).capitalize()
        unit = Planned(LEVEL_COMMUNE, f"{w.code.value:05d}", nfc(w.name), kind, REFORM_DATE, None,
                       [(parent, REFORM_DATE, None)])
        plan.units[unit.key] = unit
    return plan


def plan_legacy(codes: list[str], plan: Plan) -> Plan:
    """Add the pre-2025 units of the old provinces now inside `codes`, and the mapping, to a current plan."""
    data = legacy_data()
    source = f"{legacy_version()}, ánh xạ đơn vị cũ sang mới"
    plan.sources.append(legacy_version())
    wanted = set(codes)
    provinces = {row[0]: row for row in data["provinces"] if row[2] in wanted}
    districts = {row[0]: row for row in data["districts"] if row[3] in provinces}
    wards = {row[0]: row for row in data["wards"] if row[3] in districts}
    by_code: dict[tuple[str, str], Key] = {}

    def add(level: str, code: str, name: str, kind: str, parent: Key | None) -> None:
        unit = Planned(level, code, nfc(name), nfc(kind), None, LAST_LEGACY_DAY)
        if parent is not None:
            unit.parents.append((parent, None, LAST_LEGACY_DAY))
        existing = plan.units.get(unit.key)
        if existing is not None:  # the same unit before and after the reform: one row, two parent links
            existing.valid_from = None
            existing.parents = unit.parents + existing.parents
        else:
            plan.units[unit.key] = unit
        by_code[(level, code)] = unit.key

    for code, name, _new in provinces.values():
        add(LEVEL_PROVINCE, code, name, name.split(" ")[0], None)
    for code, name, kind, pcode in districts.values():
        add(LEVEL_DISTRICT, code, name, kind, by_code[(LEVEL_PROVINCE, pcode)])
    for code, name, kind, dcode in wards.values():
        add(LEVEL_COMMUNE, code, name, kind, by_code[(LEVEL_DISTRICT, dcode)])

    current = {(u.level, u.code): u.key for u in plan.units.values() if u.valid_to is None}
    for code, _name, new in provinces.values():
        province, succ = by_code[(LEVEL_PROVINCE, code)], current.get((LEVEL_PROVINCE, new))
        if succ is not None and province != succ:
            plan.successors.append((province, succ, REFORM_DATE, "merge", source))
    for new_code, olds in data["merges"]:
        succ = current.get((LEVEL_COMMUNE, new_code))
        for level, old_code in olds:
            old = by_code.get((level, old_code))
            if succ is not None and old is not None and old != succ:
                plan.successors.append((old, succ, REFORM_DATE, "merge", source))
    for (level, old_code), news in data["splits"]:
        old = by_code.get((level, old_code))
        for new_code, _default in news:
            succ = current.get((LEVEL_COMMUNE, new_code))
            if succ is not None and old is not None and old != succ:
                plan.successors.append((old, succ, REFORM_DATE, "split", source))
    return plan


def build_plan(province: str | None, all_units: bool, legacy: bool) -> Plan:
    provinces = current_provinces()
    if all_units:
        codes = sorted(provinces)
    else:
        code = (province or "").strip()
        code = code.zfill(2) if code.isdigit() and len(code) <= 2 else code
        if code not in provinces:
            known = ", ".join(f"{c} {province_name(p)}" for c, p in sorted(provinces.items()))
            raise ImportError_(f"Không có tỉnh mã «{province}» trong danh mục hiện hành. Mã tỉnh: {known}")
        codes = [code]
    plan = plan_current(codes)
    return plan_legacy(codes, plan) if legacy else plan


# ---------------------------------------------------------------- applying a plan

@dataclass
class ImportReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    links: Counter = field(default_factory=Counter)   # "created" / "updated" / "unchanged" parent links
    successors: Counter = field(default_factory=Counter)
    sources: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()) + sum(self.updated.values()) + self.links["created"]
                    + self.links["updated"] + self.successors["created"] + self.successors["updated"])

    def lines(self) -> list[str]:
        def per_level(c: Counter) -> str:
            parts = [f"{c[lv]} {LEVEL_LABELS[lv]}" for lv in (LEVEL_PROVINCE, LEVEL_DISTRICT, LEVEL_COMMUNE)
                     if c[lv]]
            return ", ".join(parts) if parts else "0"

        out = [f"Nguồn: {'; '.join(self.sources)}",
               f"Đơn vị tạo mới: {per_level(self.created)}",
               f"Đơn vị cập nhật: {per_level(self.updated)}",
               f"Đơn vị giữ nguyên: {per_level(self.unchanged)}",
               f"Quan hệ trực thuộc: {self.links['created']} tạo mới, {self.links['updated']} cập nhật, "
               f"{self.links['unchanged']} giữ nguyên",
               f"Quan hệ kế thừa (sáp nhập, chia tách): {self.successors['created']} tạo mới, "
               f"{self.successors['updated']} cập nhật, {self.successors['unchanged']} giữ nguyên",
               "Không xóa đơn vị nào."]
        if not self.changed:
            out.append("Không có thay đổi: danh mục đã khớp với nguồn.")
        return out


def _earliest(a: date | None, b: date | None) -> date | None:
    return None if a is None or b is None else min(a, b)


def _codeless_units(rows: list[Commune], all_links: list[UnitParent]) -> dict[tuple[str, str, str], Commune]:
    """Units carried over from free text (migration 0005) have no code yet: recognised by level and name,
    and for a district also by its province's name (many provinces had a "Huyện Châu Thành")."""
    id_to_row = {u.id: u for u in rows}
    parent_name = {link.unit_id: id_to_row[link.parent_id].name for link in all_links}
    codeless: dict[tuple[str, str, str], Commune] = {}
    for u in rows:
        if not u.code:
            codeless.setdefault((u.level, u.name, parent_name.get(u.id, "")), u)
    return codeless


def _find_unit(p: Planned, plan: Plan, by_key: dict[Key, Commune],
               codeless: dict[tuple[str, str, str], Commune]) -> Commune | None:
    """The stored row of a planned unit: by (level, code, name), else a codeless one (taken once)."""
    row = by_key.get(p.key)
    if row is not None:
        return row
    parent_names = [plan.units[k].name for k, _f, _t in p.parents if k in plan.units]
    for pname in parent_names + [""]:
        row = codeless.pop((p.level, p.name, pname), None)
        if row is not None:
            return row
    return None


def _update_unit(row: Commune, p: Planned) -> bool:
    """Bring an existing row to the plan; True if anything changed."""
    changes = {"code": p.code, "kind": p.kind,
               "valid_from": _earliest(row.valid_from, p.valid_from) if row.id else p.valid_from,
               "valid_to": p.valid_to}
    changed = False
    for attr, value in changes.items():
        if getattr(row, attr) != value:
            setattr(row, attr, value)
            changed = True
    return changed


def _apply_units(session: Any, plan: Plan, ordered: list[Planned], by_key: dict[Key, Commune],
                 codeless: dict[tuple[str, str, str], Commune], report: ImportReport) -> dict[Key, Commune]:
    """Create or update every planned unit (parents first); the rows by planned key."""
    resolved: dict[Key, Commune] = {}
    for p in ordered:
        row = _find_unit(p, plan, by_key, codeless)
        if row is None:
            row = Commune(code=p.code, name=p.name, level=p.level, kind=p.kind, valid_from=p.valid_from,
                          valid_to=p.valid_to, type="", region="")
            session.add(row)
            report.created[p.level] += 1
        else:
            changed = _update_unit(row, p)
            report.updated[p.level] += 1 if changed else 0
            report.unchanged[p.level] += 0 if changed else 1
        resolved[p.key] = row
    return resolved


def _apply_parent_link(session: Any, row: Commune, parent: Commune, start: date | None, end: date | None,
                       existing: list[UnitParent], report: ImportReport) -> None:
    link = next((x for x in existing if x.parent_id == parent.id), None)
    if link is None:
        session.add(UnitParent(unit_id=row.id, parent_id=parent.id, valid_from=start, valid_to=end))
        report.links["created"] += 1
    elif (link.valid_from, link.valid_to) != (start, end):
        link.valid_from, link.valid_to = start, end
        report.links["updated"] += 1
    else:
        report.links["unchanged"] += 1


def _cut_unknown_links(p: Planned, existing: list[UnitParent], wanted_ids: set[int],
                       report: ImportReport) -> None:
    """A link the list does not know (typed by hand, or free text carried over) stops where the
    official one starts: since 01/07/2025 no commune belongs to a district."""
    starts = [s for _k, s, _e in p.parents if s is not None]
    if not starts:
        return
    cut = min(starts) - timedelta(days=1)
    for link in existing:
        if link.parent_id not in wanted_ids and (link.valid_to is None or link.valid_to > cut) \
                and (link.valid_from is None or link.valid_from <= cut):
            link.valid_to = cut
            report.links["updated"] += 1


def _apply_parents(session: Any, ordered: list[Planned], resolved: dict[Key, Commune],
                   by_key: dict[Key, Commune], all_links: list[UnitParent], report: ImportReport) -> None:
    links_of: dict[int, list[UnitParent]] = {}
    for link in all_links:
        links_of.setdefault(link.unit_id, []).append(link)
    for p in ordered:
        row = resolved[p.key]
        existing = links_of.get(row.id, [])
        wanted_ids: set[int] = set()
        for pkey, start, end in p.parents:
            parent = resolved.get(pkey) or by_key.get(pkey)
            if parent is None:
                continue
            wanted_ids.add(parent.id)
            _apply_parent_link(session, row, parent, start, end, existing, report)
        _cut_unknown_links(p, existing, wanted_ids, report)


def _apply_successors(session: Any, plan: Plan, resolved: dict[Key, Commune], report: ImportReport) -> None:
    existing_succ = {(s.predecessor_id, s.successor_id): s for s in session.scalars(select(UnitSuccessor))}
    for pred_key, succ_key, on, kind, source in plan.successors:
        pred, succ = resolved[pred_key], resolved[succ_key]
        link = existing_succ.get((pred.id, succ.id))
        if link is None:
            link = UnitSuccessor(predecessor_id=pred.id, successor_id=succ.id, on=on, kind=kind,
                                 source=source)
            session.add(link)
            # Kept so a pair listed twice in the plan is created once.
            existing_succ[(pred.id, succ.id)] = link
            report.successors["created"] += 1
        elif (link.on, link.kind, link.source) != (on, kind, source):
            link.on, link.kind, link.source = on, kind, source
            report.successors["updated"] += 1
        else:
            report.successors["unchanged"] += 1


def apply_plan(session: Any, plan: Plan) -> ImportReport:
    """Create or update units and links to match the plan, in the caller's transaction. Never deletes."""
    report = ImportReport(sources=list(plan.sources))
    rows = list(session.scalars(select(Commune)))
    by_key: dict[Key, Commune] = {(u.level, u.code, u.name): u for u in rows}
    all_links = list(session.scalars(select(UnitParent)))
    codeless = _codeless_units(rows, all_links)
    rank = {LEVEL_PROVINCE: 0, LEVEL_DISTRICT: 1}
    ordered = sorted(plan.units.values(), key=lambda p: rank.get(p.level, 2))
    resolved = _apply_units(session, plan, ordered, by_key, codeless, report)
    session.flush()  # the new rows get their ids, which the links need
    _apply_parents(session, ordered, resolved, by_key, all_links, report)
    _apply_successors(session, plan, resolved, report)
    session.flush()
    return report


def import_units(session: Any, province: str | None = None, all_units: bool = False,
                 legacy: bool = False) -> ImportReport:
    """Build the plan from the sources and apply it in one transaction (all or nothing)."""
    plan = build_plan(province, all_units, legacy)
    try:
        report = apply_plan(session, plan)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return report
