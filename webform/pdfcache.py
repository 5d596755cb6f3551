"""Rendered PDFs kept in the database: a second request for the same record is served without rendering.

Where: the `pdf_cache` table of the app's database, so every worker process and every app server sees the
same entries and the same invalidations. What: one row per assessment and document kind, holding the
key of what the PDF shows (`pdf_key`). Any change to what it shows (figures, state, corrections, the commune,
the review date, the criteria set, the report configuration, the templates, the versions of WeasyPrint and
the libraries it writes with) gives another key: the old row no longer matches and is replaced by the next
render. How much: at most one PDF per assessment and
kind, and at most CFC_PDF_CACHE_MB megabytes in all (default 256); beyond that the oldest rows go.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson
from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from .db import get_session, write_lock
from .models import Assessment, CachedPdf, utcnow

REPORTS_DIR = Path(__file__).resolve().parent.parent / "reports"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_CRITERIA_HASHES: dict[int, tuple[Any, str]] = {}


def criteria_hash(cs: Any) -> str:
    """The loaded set's whole content, worked out once per loaded set. (Once criteria versions are stored
    with their own hash, that hash can stand here instead.)"""
    known = _CRITERIA_HASHES.get(id(cs))
    if known is None or known[0] is not cs:
        known = _CRITERIA_HASHES[id(cs)] = (cs, _sha(cs.model_dump_json().encode()))
    return known[1]


def config_hash() -> str:
    """The report configuration as it is on disk now: an edit shows in the next PDF without a restart."""
    from reports.config import config_path

    try:
        return _sha(config_path().read_bytes())
    except OSError:
        return "missing"


# The libraries that lay out and write the PDF: an upgrade may move a line or change the bytes, so a PDF
# rendered by the old version is not served as if the new one had made it.
RENDERING_LIBRARIES = ("weasyprint", "pydyf", "tinycss2", "cssselect2", "fonttools", "pikepdf")


def _library_versions() -> list[str]:
    from importlib.metadata import PackageNotFoundError, version

    versions = []
    for name in RENDERING_LIBRARIES:
        try:
            versions.append(f"{name}=={version(name)}")
        except PackageNotFoundError:
            versions.append(f"{name} missing")
    return versions


@functools.cache
def renderer_hash() -> str:
    # Templates, stylesheets, the rendering code and the rendering libraries change only with a new release
    # or an upgrade (a restart).
    digest = hashlib.sha256()
    for line in _library_versions():
        digest.update(line.encode() + b"\n")
    for path in sorted(REPORTS_DIR.rglob("*")):
        if path.is_file() and path.suffix in {".html", ".css", ".py", ".yaml", ".svg"}:
            digest.update(str(path.relative_to(REPORTS_DIR)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def pdf_key(kind: str, a: Assessment, cs: Any, extra: Mapping[str, Any] | None = None) -> str:
    """What a PDF of this kind shows for this assessment, as one hash."""
    payload = {
        "kind": kind,
        "assessment": a.id,
        "version": a.version,
        "state": a.state,
        "period": a.period,
        "values": a.values or {},
        "commune": a.commune.profile(a.period),
        "corrections": [(c.input_id, c.commune_value, c.team_value, c.reason, c.evidence)
                        for c in a.corrections],
        "criteria": criteria_hash(cs),
        "config": config_hash(),
        "renderer": renderer_hash(),
        **(extra or {}),
    }
    return _sha(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS))


def cached(assessment_id: int, kind: str, key: str) -> bytes | None:
    row = get_session().execute(
        select(CachedPdf.data).where(CachedPdf.assessment_id == assessment_id, CachedPdf.kind == kind,
                                     CachedPdf.key == key)
    ).first()
    return row[0] if row else None


def limit_bytes() -> int:
    return int(float(current_app.config.get("PDF_CACHE_MB", 256)) * 1024 * 1024)


def store(assessment_id: int, kind: str, key: str, data: bytes) -> None:
    """Keep `data` as the PDF of this kind for the assessment, replacing what was there; trim the oldest
    rows while the table holds more than the limit. A failure only means the next request renders again."""
    session = get_session()
    try:
        with write_lock(session):
            session.execute(delete(CachedPdf).where(CachedPdf.assessment_id == assessment_id,
                                                    CachedPdf.kind == kind))
            session.add(CachedPdf(assessment_id=assessment_id, kind=kind, key=key, size=len(data), data=data,
                                  created_at=utcnow()))
            session.flush()
            limit = limit_bytes()
            total = session.scalar(select(func.coalesce(func.sum(CachedPdf.size), 0))) or 0
            if total > limit:
                for row_id, size in session.execute(select(CachedPdf.id, CachedPdf.size)
                                                    .order_by(CachedPdf.created_at, CachedPdf.id)).all():
                    if total <= limit:
                        break
                    session.execute(delete(CachedPdf).where(CachedPdf.id == row_id))
                    total -= size
            session.commit()
    except IntegrityError:  # another process stored the same PDF at the same moment
        session.rollback()
