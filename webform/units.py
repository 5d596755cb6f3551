"""Administrative units: who sees which communes on which date, names without diacritics, Vietnamese order.

One function decides the reviewer's scope, `communes_visible(user, period)`: the queue, the overview, the
years, the review page and the documents all ask it, so the rule lives in one place. A unit's place in the
hierarchy is read on the reference date of the assessment's period (see `reference_date`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import or_, select

from engine.common import period_end

from .db import get_session
from .models import (
    LEVEL_COMMUNE,
    LEVEL_WORDS,
    ROLE_ADMIN,
    ROLE_COMMUNE,
    ROLE_REVIEWER,
    Assessment,
    Commune,
    UnitParent,
    UnitSuccessor,
    User,
)

REFORM_DATE = date(2025, 7, 1)  # two levels of local government, no districts (Resolution 202/2025/QH15)


def reference_date(period: int) -> date:
    """The date on which an assessment year reads the map: its last day. The self-assessment and the
    review happen at the end of the year, so a year split by a reform (2025) is read after it."""
    return period_end(period)


def latest_date(unit: Commune) -> date:
    """Today, or the last day of a unit that has ended."""
    today = date.today()
    return unit.valid_to if unit.valid_to is not None and unit.valid_to < today else today


def level_word(unit: Commune | None) -> str:
    """ "cấp tỉnh" for a provincial team, "cấp huyện" for a district one (the 2022 guidance's default)."""
    return LEVEL_WORDS.get(unit.level, "cấp huyện") if unit is not None else "cấp huyện"


# ---------------------------------------------------------------- hierarchy on a date

def _holds(col_from: Any, col_to: Any, on: date) -> Any:
    return (or_(col_from.is_(None), col_from <= on), or_(col_to.is_(None), col_to >= on))


def units_under(root: Commune, on: date, level: str = LEVEL_COMMUNE) -> list[Commune]:
    """The units of `level` under `root` on that date (root itself when it is of that level)."""
    if root.level == level:
        return [root] if root.holds_on(on) else []
    ids = ids_under(root, on, level)
    if not ids:
        return []
    return list(get_session().scalars(select(Commune).where(Commune.id.in_(ids))))


def ids_under(root: Commune, on: date, level: str = LEVEL_COMMUNE) -> list[int]:
    """The ids of `units_under`, without loading the units (the periods of a queue need only these)."""
    session = get_session()
    if root.level == level:
        return [root.id] if root.holds_on(on) else []
    # Level by level from the root (at most tỉnh -> huyện -> xã): a few small queries, never the whole map.
    found: set[int] = set()
    frontier, seen = {root.id}, {root.id}
    while frontier:
        children = set(session.scalars(select(UnitParent.unit_id).where(
            UnitParent.parent_id.in_(frontier), *_holds(UnitParent.valid_from, UnitParent.valid_to, on))))
        frontier = children - seen
        seen |= frontier
        found |= frontier
    if not found:
        return []
    return list(session.scalars(select(Commune.id).where(
        Commune.id.in_(found), Commune.level == level, *_holds(Commune.valid_from, Commune.valid_to, on))))


def communes_on(on: date) -> list[Commune]:
    return list(get_session().scalars(select(Commune).where(
        Commune.level == LEVEL_COMMUNE, *_holds(Commune.valid_from, Commune.valid_to, on))))


def visible_ids(user: User, period: int) -> list[int]:
    """The ids of `communes_visible`, in no order, without loading the communes."""
    on = reference_date(period)
    if user.role == ROLE_COMMUNE:
        c = user.commune
        return [c.id] if c is not None and c.holds_on(on) else []
    if user.role == ROLE_REVIEWER:
        return ids_under(user.unit, on) if user.unit is not None else []
    if user.role == ROLE_ADMIN:
        return list(get_session().scalars(select(Commune.id).where(
            Commune.level == LEVEL_COMMUNE, *_holds(Commune.valid_from, Commune.valid_to, on))))
    return []


def communes_visible(user: User, period: int) -> list[Commune]:
    """THE scope rule: the communes this account works on in that period, in Vietnamese order.
    A commune officer: the own commune while it exists. A reviewer: the communes under the own unit on the
    period's reference date (never one outside it). An administrator: every commune of that date."""
    on = reference_date(period)
    if user.role == ROLE_COMMUNE:
        c = user.commune
        out = [c] if c is not None and c.holds_on(on) else []
    elif user.role == ROLE_REVIEWER:
        out = units_under(user.unit, on) if user.unit is not None else []
    elif user.role == ROLE_ADMIN:
        out = communes_on(on)
    else:
        out = []
    return sort_units(out)


def can_see_assessment(user: User, a: Assessment) -> bool:
    if user.role == ROLE_COMMUNE:
        return user.commune_id is not None and a.commune_id == user.commune_id
    if user.role == ROLE_REVIEWER and user.unit is not None:
        return any(u.id == user.unit_id for u in a.commune.chain(reference_date(a.period)))
    return False  # the administrator keeps accounts and units, not figures


def periods_with_assessments() -> list[int]:
    return sorted(set(get_session().scalars(select(Assessment.period).distinct())), reverse=True)


def visible_periods(user: User) -> list[int]:
    """The years in which this account sees at least one stored assessment, newest first."""
    out = []
    session = get_session()
    for period in periods_with_assessments():
        ids = visible_ids(user, period)
        if ids and session.scalar(select(Assessment.id).where(
                Assessment.period == period, Assessment.commune_id.in_(ids)).limit(1)) is not None:
            out.append(period)
    return out


def communes_ever_visible(user: User) -> list[Commune]:
    """Every commune this account sees in some year with assessments, and in the current year."""
    seen: dict[int, Commune] = {}
    for period in sorted(set(periods_with_assessments()) | {date.today().year}):
        for c in communes_visible(user, period):
            seen.setdefault(c.id, c)
    return sort_units(list(seen.values()))


def find_commune(code: str, on: date | None = None) -> Commune | None:
    """The commune with that code on that date (today by default); the newest one if none holds then."""
    rows = list(get_session().scalars(select(Commune).where(Commune.level == LEVEL_COMMUNE,
                                                            Commune.code == code.strip())))
    day = on or date.today()
    holding = [c for c in rows if c.holds_on(day)]
    pool = holding or rows
    return max(pool, key=lambda c: (c.valid_to or date.max, c.id)) if pool else None


def find_reviewing_unit(code: str) -> Commune | None:
    """A province (2 digits) or a district (3 digits) by code; the newest one when the code repeats."""
    code = code.strip()
    level = {2: "tinh", 3: "huyen"}.get(len(code))
    if level is None or not code.isdigit():
        return None
    rows = list(get_session().scalars(select(Commune).where(Commune.level == level, Commune.code == code)))
    return max(rows, key=lambda c: (c.valid_to or date.max, c.id)) if rows else None


def unit_codes(unit: Commune, period: int) -> list[str]:
    """The codes of the unit and the units above it on the period's date, nearest first."""
    return [u.code for u in unit.chain(reference_date(period)) if u.code]


def report_config(unit: Commune | None, period: int) -> Any:
    """The report configuration (bodies, signers, "Căn cứ" lines) for records of this unit in that year."""
    from reports import config_for

    return config_for(unit_codes(unit, period) if unit is not None else [], period)


# ---------------------------------------------------------------- successors

@dataclass
class Predecessor:
    unit: Commune
    on: date
    kind: str            # "merge" | "split"
    shared_with: list[Commune]  # for a split: the other successors of the divided unit


def predecessors(c: Commune) -> list[Predecessor]:
    """The units that became (part of) `c`, with the others that share a divided one; `c` itself excluded."""
    session = get_session()
    links = list(session.scalars(select(UnitSuccessor).where(UnitSuccessor.successor_id == c.id)
                                 .order_by(UnitSuccessor.on, UnitSuccessor.id)))
    out = []
    for link in links:
        others: list[Commune] = []
        if link.kind == "split":
            others = [s.successor for s in session.scalars(select(UnitSuccessor).where(
                UnitSuccessor.predecessor_id == link.predecessor_id, UnitSuccessor.successor_id != c.id))]
        out.append(Predecessor(link.predecessor, link.on, link.kind, sort_units(others)))
    return sorted(out, key=lambda p: (p.on, sort_key(p.unit.name), p.unit.code))


def successors(c: Commune) -> list[UnitSuccessor]:
    return list(get_session().scalars(select(UnitSuccessor).where(UnitSuccessor.predecessor_id == c.id)
                                      .order_by(UnitSuccessor.on, UnitSuccessor.id)))


def merge_note(c: Commune) -> str:
    """One line for the years view and the reports: which former units this one includes."""
    parts = []
    for p in predecessors(c):
        text = f"{p.unit.name} ({p.unit.code}) trước {p.on:%d/%m/%Y}"
        if p.kind == "split":
            text += " (một phần, cùng " + ", ".join(o.name for o in p.shared_with) + ")" if p.shared_with \
                else " (một phần)"
        parts.append(text)
    return ("gồm cả số liệu của " + ", ".join(parts)) if parts else ""


# ---------------------------------------------------------------- names: search and order

def fold(text: str) -> str:
    """Lower case without diacritics: "Xã Ia Tơi" -> "xa ia toi" (đ -> d), for search."""
    decomposed = unicodedata.normalize("NFD", (text or "").replace("Đ", "D").replace("đ", "d"))
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower().split())


# The Vietnamese alphabet (a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y); tones come second.
_BASE_ORDER = {ch: n for n, ch in enumerate("aăâbcdđeêfghijklmnoôơpqrstuưvwxyz")}
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}  # huyền hỏi ngã sắc nặng
_VOWEL_MARKS = {"\u0306": "ă", "\u0302": "â", "\u031b": "ơ"}


def _letters(text: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for ch in unicodedata.normalize("NFC", text.lower()):
        parts = unicodedata.normalize("NFD", ch)
        base, marks = parts[0], parts[1:]
        tone = next((_TONES[m] for m in marks if m in _TONES), 0)
        letter = base
        for m in marks:
            if m == "\u0302":
                letter = {"a": "â", "e": "ê", "o": "ô"}.get(base, base)
            elif m == "\u0306" and base == "a":
                letter = "ă"
            elif m == "\u031b":
                letter = {"o": "ơ", "u": "ư"}.get(base, base)
        if ch == "đ":
            letter = "đ"
        rank = _BASE_ORDER.get(letter)
        out.append((rank if rank is not None else 100 + ord(letter), tone))
    return out


@lru_cache(maxsize=32768)  # the country has about 13,000 unit names; lists are sorted on every page
def sort_key(name: str) -> tuple[Any, ...]:
    """Vietnamese dictionary order: letters first (a < ă < â < b ...), tones only to break ties."""
    letters = _letters(name or "")
    return tuple(r for r, _ in letters), tuple(t for _, t in letters)


_KIND_PREFIXES = ("xã ", "phường ", "thị trấn ", "đặc khu ", "huyện ", "quận ", "thị xã ", "thành phố ",
                  "tỉnh ")


def _bare(name: str) -> str:
    """ "Xã Ia Tơi" -> "ia tơi": the order of a list of communes goes by the proper name."""
    low = (name or "").lower()
    for prefix in _KIND_PREFIXES:
        if low.startswith(prefix):
            return low[len(prefix):]
    return low


def sort_units(units: list[Commune]) -> list[Commune]:
    return sorted(units, key=lambda u: (sort_key(_bare(u.name)), u.code))


def search(units: list[Commune], query: str) -> list[Commune]:
    """Units whose name or code contains the words typed, diacritics ignored ("ia toi" finds "Ia Tơi")."""
    words = fold(query).split()
    if not words:
        return units
    return [u for u in units if all(w in fold(u.name) or w == u.code for w in words)]


def current_provinces_in_registry() -> list[Commune]:
    today = date.today()
    rows = get_session().scalars(select(Commune).where(Commune.level == "tinh",
                                                       *_holds(Commune.valid_from, Commune.valid_to, today)))
    return sort_units(list(rows))


def visible_states(user: User) -> list[tuple[int, str]]:
    """(period, state) of every assessment this account sees, each year under that year's scope: what the
    pages need to open on the year with work waiting (webform.workflow.period_with_work)."""
    session = get_session()
    out: list[tuple[int, str]] = []
    for period in periods_with_assessments():
        ids = visible_ids(user, period)
        if ids:
            out.extend((period, state) for state in session.scalars(select(Assessment.state).where(
                Assessment.period == period, Assessment.commune_id.in_(ids))))
    return out
