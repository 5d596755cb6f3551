"""Writing the append-only change log."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from .models import Assessment, HistoryEntry, utcnow


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def record(
    session: Session,
    assessment: Assessment,
    user_id: int | None,
    field: str,
    old: Any,
    new: Any,
    reason: str | None = None,
) -> None:
    session.add(
        HistoryEntry(
            assessment_id=assessment.id,
            user_id=user_id,
            at=utcnow(),
            field=field,
            old_value=_text(old),
            new_value=_text(new),
            reason=reason,
        )
    )


def record_changes(
    session: Session,
    assessment: Assessment,
    user_id: int | None,
    prefix: str,
    old: dict[str, Any],
    new: dict[str, Any],
    reason: str | None = None,
    order: list[str] | None = None,
) -> int:
    """One entry per key whose value changed, in form order when given; returns how many."""
    count = 0
    rank = {k: i for i, k in enumerate(order or [])}
    for key in sorted(set(old) | set(new), key=lambda k: (rank.get(k, len(rank)), k)):
        if old.get(key) != new.get(key):
            record(session, assessment, user_id, f"{prefix}.{key}", old.get(key), new.get(key), reason)
            count += 1
    return count


def store_figures(
    session: Session,
    assessment: Assessment,
    user_id: int | None,
    values: dict[str, Any],
    self_total: int | None,
    order: list[str],
    sources: dict[str, Any] | None = None,
    reason: str | None = None,
) -> None:
    """The one way a commune's figures change (form save or spreadsheet upload): a history entry per changed
    figure and source note, then the new figures and the self-assessed total."""
    record_changes(session, assessment, user_id, "values", dict(assessment.values or {}), values, reason,
                   order=order)
    if sources is not None:
        record_changes(session, assessment, user_id, "sources", dict(assessment.sources or {}), sources,
                       reason, order=order)
        assessment.sources = sources
    assessment.values = values
    assessment.self_total = self_total
    assessment.updated_at = utcnow()
