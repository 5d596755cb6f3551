"""Writing the append-only change log."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

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
    found = changes(prefix, old, new, order)
    for field, before, after in found:
        record(session, assessment, user_id, field, before, after, reason)
    return len(found)


def changes(prefix: str, old: dict[str, Any], new: dict[str, Any],
            order: list[str] | None = None) -> list[tuple[str, Any, Any]]:
    """(field, old, new) for each key whose value changed, in form order when given, then by name."""
    rank = {k: i for i, k in enumerate(order or [])}
    return [(f"{prefix}.{key}", old.get(key), new.get(key))
            for key in sorted(set(old) | set(new), key=lambda k: (rank.get(k, len(rank)), k))
            if old.get(key) != new.get(key)]


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
    """How a commune's figures change through the ORM (a submit, a spreadsheet upload): a history entry per
    changed figure and source note, then the new figures and the self-assessed total. A draft saved from the
    form takes `save_figures`, which writes the same rows in two statements."""
    record_changes(session, assessment, user_id, "values", dict(assessment.values or {}), values, reason,
                   order=order)
    if sources is not None:
        record_changes(session, assessment, user_id, "sources", dict(assessment.sources or {}), sources,
                       reason, order=order)
        assessment.sources = sources
    assessment.values = values
    assessment.self_total = self_total
    assessment.updated_at = utcnow()


_RECORDS = cast(Table, Assessment.__table__)
# Built once: a statement used again keeps its SQL cache key, which building it anew works out on each save.
_SAVE_FIGURES = (
    update(_RECORDS)
    .where(_RECORDS.c.id == bindparam("aid"), _RECORDS.c.version == bindparam("seen"))
    .values(values=bindparam("new_values", type_=_RECORDS.c["values"].type),
            sources=bindparam("new_sources", type_=_RECORDS.c.sources.type),
            self_total=bindparam("new_total", type_=_RECORDS.c.self_total.type),
            updated_at=bindparam("new_at", type_=_RECORDS.c.updated_at.type),
            version=bindparam("next", type_=_RECORDS.c.version.type)))
_ADD_HISTORY = insert(cast(Table, HistoryEntry.__table__))


def save_figures(
    session: Session,
    assessment: Assessment,
    user_id: int | None,
    values: dict[str, Any],
    self_total: int | None,
    order: list[str],
    sources: dict[str, Any],
) -> bool:
    """What `store_figures` does, written at once as one UPDATE of the record and one INSERT of its history
    rows, for the commonest write of all (a commune saving its draft): the ORM's unit of work cost about a
    millisecond per save, most of that request's CPU after the page itself. The caller holds the write lock
    (db.write_lock) and commits. The UPDATE names the version the record was read at, as the ORM's version
    check does; False (nothing written) when another save came first. The record in memory then reads as
    stored, without being marked changed."""
    now = utcnow()
    rows = [_row(assessment, user_id, now, field, before, after, None)
            for prefix, old, new in (("values", dict(assessment.values or {}), values),
                                     ("sources", dict(assessment.sources or {}), sources))
            for field, before, after in changes(prefix, old, new, order)]
    version = assessment.version
    connection = session.connection()
    done = connection.execute(_SAVE_FIGURES, {"aid": assessment.id, "seen": version, "new_values": values,
                                              "new_sources": sources, "new_total": self_total,
                                              "new_at": now, "next": version + 1})
    if done.rowcount != 1:
        return False
    if rows:
        connection.execute(_ADD_HISTORY, rows)
    for key, value in (("values", values), ("sources", sources), ("self_total", self_total),
                       ("updated_at", now), ("version", version + 1)):
        set_committed_value(assessment, key, value)
    return True


def _row(assessment: Assessment, user_id: int | None, at: datetime, field: str, old: Any, new: Any,
         reason: str | None) -> dict[str, Any]:
    # The columns `record` fills, with the same text for old and new values.
    return {"assessment_id": assessment.id, "user_id": user_id, "at": at, "field": field,
            "old_value": _text(old), "new_value": _text(new), "reason": reason}
