"""Starting a year's self-assessment: an empty draft, or one that starts from the commune's previous year."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.states import VERIFIED_STATES

from . import history
from .engines import make_assessment, score_or_none, scoring
from .models import Assessment, Commune
from .services.figures import verified_values


def previous_assessment(session: Session, commune_id: int, period: int) -> Assessment | None:
    """The commune's most recent assessment before `period`."""
    return session.scalar(
        select(Assessment).where(Assessment.commune_id == commune_id, Assessment.period < period)
        .order_by(Assessment.period.desc()).limit(1)
    )


def copied_figures(
    source: Assessment, cs: Any, commune: Commune, period: int,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Last year's figures that the new year's criteria set still asks for and accepts."""
    wanted = {d.id for d in cs.inputs}
    # Once the team has verified a year, its figures are the corrected ones: a copy starts from those.
    base = verified_values(source) if source.state in VERIFIED_STATES else dict(source.values or {})
    values = {k: v for k, v in base.items() if k in wanted}
    sources = {k: v for k, v in (source.sources or {}).items() if k in wanted}
    doc = make_assessment(commune.profile(period), period, values)
    bad = {str(e.field).removeprefix("values.") for e in scoring().engine_for(cs).validate(doc)}
    values = {k: v for k, v in values.items() if k not in bad}
    return values, {k: v for k, v in sources.items() if k in values}


def create_draft(session: Session, commune: Commune, period: int, cs: Any, user_id: int,
                 copy_previous: bool = False) -> tuple[Assessment, Assessment | None]:
    """A new draft (flushed, not committed) and the assessment it was copied from, if any. A copy records
    one history entry per figure, saying where it came from, like any other change of figures."""
    a = Assessment(commune_id=commune.id, period=period, criteria_set_id=cs.id,
                   criteria_hash=cs.content_hash, state="draft", values={}, sources={})
    session.add(a)
    session.flush()
    history.record(session, a, user_id, "state", None, "draft", "Tạo hồ sơ tự đánh giá")
    source = previous_assessment(session, commune.id, period) if copy_previous else None
    if source is not None:
        values, sources = copied_figures(source, cs, commune, period)
        which = "số liệu sau thẩm định" if source.state in VERIFIED_STATES else "số liệu của xã"
        result = score_or_none(scoring().engine_for(cs),
                               make_assessment(commune.profile(period), period, values))
        history.store_figures(session, a, user_id, values, result.total if result is not None else None,
                              [d.id for d in cs.inputs], sources=sources,
                              reason=f"Sao chép từ hồ sơ năm {source.period} ({which}) làm bản nháp")
    return a, source
