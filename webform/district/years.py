"""The years: every commune's records side by side, and one commune's years with its predecessors'."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from ..auth import role_required
from ..models import ROLE_COMMUNE, ROLE_REVIEWER, Assessment, Commune
from ..units import merge_note, predecessors, search, successors
from . import bp
from .scope import assessments, commune_in_scope, scope, score_stored


def _cell(c: Commune, a: Assessment | None) -> dict[str, Any] | None:
    if a is None:
        return None
    s = score_stored(c, a)
    return {"period": a.period, "state": a.state,
            "self": s.self_result.total if s.self_result is not None else None,
            "verified": s.verified_result.total if s.verified_result is not None else None,
            "threshold": s.threshold,
            "verdict": (s.final.verdict if s.final is not None else None),
            "commune": c}


@bp.route("/years")
@role_required(ROLE_REVIEWER)
def years() -> Any:
    communes = search(scope(), request.args.get("q", ""))
    stored = assessments(communes)
    periods = sorted({a.period for a in stored})
    by_key = {(a.commune_id, a.period): a for a in stored}
    table = [{"commune": c, "note": merge_note(c), "successors": successors(c),
              "cells": [_cell(c, by_key.get((c.id, p))) for p in periods]} for c in communes]
    return render_template("district/years.html", table=table, periods=periods)


@bp.route("/years/<code>")
@role_required(ROLE_COMMUNE, ROLE_REVIEWER)
def commune_years(code: str) -> Any:
    c = commune_in_scope(code)
    own = [_cell(c, a) for a in assessments([c])]
    # The predecessors' records, by year, under their own codes; a divided commune's record appears under
    # each of its successors, with a note naming the others.
    before = []
    preds = predecessors(c)
    for p in preds:
        for a in assessments([p.unit]):
            cell = _cell(p.unit, a) if a.period <= p.on.year else None
            if cell is not None:
                cell["split_with"] = p.shared_with if p.kind == "split" else None
                before.append(cell)
    before.sort(key=lambda x: (x["period"], x["commune"].code))
    return render_template("district/commune_years.html", c=c, rows=own, before=before, note=merge_note(c),
                           preds=preds, successors=successors(c))
