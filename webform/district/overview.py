"""The overview of a period: totals, criteria × communes, the charts, the NTM counts."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask_login import current_user
from markupsafe import Markup

from engine.states import STATE_LABELS

from ..auth import role_required
from ..models import ROLE_REVIEWER
from ..units import visible_states
from ..workflow import period_with_work
from . import bp
from .scope import Scored, filtered_scored, period_arg, periods_visible, scope, set_for

MANY = 12  # above this many communes the overview lays its tables and chart out for a province
NOT_ASSESSED = {"text": "—", "colour": "#eeeeee", "title": "chưa đánh giá"}


@bp.route("/")
@role_required(ROLE_REVIEWER)
def overview() -> Any:
    from engine.ntm.models import district_view

    periods = periods_visible()
    # The year with work waiting, not the newest year any commune has started a draft in.
    waiting = period_with_work(visible_states(current_user))
    period = period_arg(periods, default=waiting)
    rows = filtered_scored(scope(period), period) if period is not None else []
    cs = set_for(period)
    scored = [r for r in rows if r.final is not None]
    by_commune = len(scored) > MANY
    totals_svg, ranked = _totals(scored)
    selected = next((r for r in scored if r.commune.code == request.args.get("commune")),
                    scored[0] if scored else None)
    crits = cs.criteria if cs is not None else []
    matrix = _by_commune(scored, crits) if by_commune else _by_criterion(scored, crits)
    return render_template(
        "district/overview.html", rows=rows, periods=periods, period=period, matrix=matrix, scored=scored,
        totals_svg=totals_svg, profile_svg=_profile(selected), selected=selected,
        ntm=district_view([r.final for r in scored]), states=STATE_LABELS, by_commune=by_commune,
        ranked=ranked,
    )


def _totals(scored: list[Scored]) -> tuple[Markup | None, bool]:
    """Each commune's total against its tier's threshold; a province's as a ranking, highest first."""
    from reports.charts import TotalBar, totals_chart

    bars = [TotalBar(label=r.commune.name, total=r.final.total, threshold=r.threshold or r.final.threshold,
                     recognised=r.verified_result.recognised if r.verified_result is not None else None)
            for r in scored]
    ranked = len(bars) > MANY
    if ranked:  # a province: the bars as a ranking, highest first, so the chart reads as a list
        bars.sort(key=lambda b: -(b.total or 0))
    return (Markup(totals_chart(bars)) if bars else None), ranked


def _profile(selected: Scored | None) -> Markup | None:
    from reports.charts import ProfileBar, profile_chart

    if selected is None:
        return None
    title = f"{selected.commune.name}: điểm từng tiêu chí so với tối đa"
    return Markup(profile_chart(
        [ProfileBar(c.id, c.name, c.points, c.max, c.assessed) for c in selected.final.criteria], title))


def _cell(cr: Any, title: str) -> dict[str, str]:
    from reports.charts import share_colour

    if cr is None or not cr.assessed:
        return dict(NOT_ASSESSED)
    return {"text": str(cr.points), "colour": share_colour(cr.points, cr.max), "title": title}


def _by_commune(scored: list[Scored], crits: list[Any]) -> list[dict[str, Any]]:
    """Many communes: one row per commune, one column per criterion (13 columns fit; 100 do not)."""
    matrix = []
    for r in scored:
        by_id = {x.id: x for x in r.final.criteria}
        cells = []
        for crit in crits:
            cr = by_id.get(crit.id)
            cells.append(_cell(cr, f"{crit.id}. {crit.name}: {cr.points}/{cr.max} điểm" if cr else ""))
        matrix.append({"row": r, "cells": cells})
    return matrix


def _by_criterion(scored: list[Scored], crits: list[Any]) -> list[dict[str, Any]]:
    """A district: one row per criterion, one column per commune."""
    matrix = []
    for crit in crits:
        cells = []
        for r in scored:
            cr = next((x for x in r.final.criteria if x.id == crit.id), None)
            cells.append(_cell(cr, f"{cr.points}/{cr.max} điểm" if cr else ""))
        matrix.append({"crit": crit, "cells": cells})
    return matrix
