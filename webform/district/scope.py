"""Who sees which communes on the district pages, and the scores of their stored records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import abort, request
from flask_login import current_user
from sqlalchemy import select

from engine.cells import parse_id
from engine.states import STATE_LABELS, VERIFIED_STATES

from ..db import get_session
from ..models import ROLE_COMMUNE, Assessment, Commune
from ..services.figures import self_result, verified_result
from ..services.sheet_import import criteria_for
from ..units import communes_ever_visible, communes_visible, reference_date, search, visible_periods
from ..versions import criteria_of

# ---------------------------------------------------------------- who sees what


def scope(period: int | None = None) -> list[Commune]:
    """The communes this account works on in that period (webform.units.communes_visible), or in any year
    when no period is given: the own commune, the communes under the own unit, or (administrator, for the
    registry of merges only: the administrator keeps accounts and communes and sees no figures) all."""
    if period is not None:
        return communes_visible(current_user, period)
    if current_user.role == ROLE_COMMUNE:
        return [current_user.commune] if current_user.commune is not None else []
    return communes_ever_visible(current_user)


def commune_in_scope(code: str) -> Commune:
    # A code can name an old and a new unit (codes repeat across the reform): the newest one first.
    found = [c for c in scope() if c.code == code]
    if not found:
        abort(404)
    return max(found, key=lambda c: (c.valid_to or date.max, c.id))


def exists_in(c: Commune, period: int) -> bool:
    """The unit holds on the period's reference date."""
    return c.holds_on(reference_date(period))


def periods_visible() -> list[int]:
    return visible_periods(current_user)


def assessments(communes: list[Commune], period: int | None = None) -> list[Assessment]:
    if not communes:
        return []
    q = select(Assessment).where(Assessment.commune_id.in_([c.id for c in communes]))
    if period is not None:
        q = q.where(Assessment.period == period)
    return list(get_session().scalars(q.order_by(Assessment.period)))


def set_for(period: int | None) -> Any:
    """The criteria set in force for a year, or None (no set covers it): a page, never a crash."""
    return criteria_for(period) if period is not None else None


def period_arg(periods: list[int], name: str = "period", default: int | None = None) -> int | None:
    text = (request.args.get(name) or "").strip()
    if text:
        year = parse_id(text)
        if year is None or not 2000 <= year <= 2100:
            abort(404)
        return year
    if default is not None:
        return default
    return periods[0] if periods else None


# ---------------------------------------------------------------- scores of a stored assessment

@dataclass
class Scored:
    commune: Commune
    a: Assessment | None
    self_result: Any = None
    verified_result: Any = None
    threshold: int | None = None

    @property
    def visible(self) -> bool:
        # A draft is the commune's work in progress: the district sees its state, not its figures, and an
        # officer sees the own commune's draft only (not a merged predecessor's).
        return self.a is not None and (self.a.state != "draft" or (
            current_user.role == ROLE_COMMUNE and self.a.commune_id == current_user.commune_id))

    @property
    def final(self) -> Any:
        return self.verified_result if self.verified_result is not None else self.self_result


def score_stored(c: Commune, a: Assessment | None) -> Scored:
    out = Scored(c, a)
    if a is None:
        return out
    try:
        out.threshold = criteria_of(a).tier(c.type).threshold
    except KeyError:  # a set or commune type this process does not know: the page still shows the rest
        out.threshold = None
    if not out.visible:
        return out
    out.self_result = self_result(a)
    if a.state in VERIFIED_STATES:
        out.verified_result = verified_result(a)
    return out


def scored_period(communes: list[Commune], period: int) -> list[Scored]:
    by_commune = {a.commune_id: a for a in assessments(communes, period)}
    return [score_stored(c, by_commune.get(c.id)) for c in communes
            if c.id in by_commune or exists_in(c, period)]


def filtered_scored(communes: list[Commune], period: int) -> list[Scored]:
    """The overview's search (name without diacritics, or code) and state filter, applied BEFORE scoring
    (a province's overview scores only what it shows); the order stays Vietnamese."""
    communes = search(communes, request.args.get("q", ""))
    by_commune = {a.commune_id: a for a in assessments(communes, period)}
    state = request.args.get("state", "")
    if state == "none":
        communes = [c for c in communes if c.id not in by_commune]
    elif state in STATE_LABELS:
        communes = [c for c in communes if c.id in by_commune and by_commune[c.id].state == state]
    return [score_stored(c, by_commune.get(c.id)) for c in communes]
