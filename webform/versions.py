"""Criteria versions: stored verbatim in the database, checked as `cfc criteria check` checks a file, compared
with the version in force (engine/diff.py), activated with an effective date.

Plain functions the admin pages, the other blueprints and the tests call. Which version scores an
assessment is its own `criteria_hash`: verified, proposed and recognised records keep theirs; drafts and
returned records move to the version in force for their period when a version is activated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.common import period_end
from engine.criteria import CriteriaError, CriteriaSet, Problem, content_hash, load_criteria_bytes
from engine.diff import Change, Impact, compare_results, diff_tables
from engine.result import Result
from engine.states import EDITABLE_STATES, STATE_LABELS

from . import history
from .db import get_session, write_lock
from .engines import make_assessment, score_or_none, scores_or_none, scoring
from .models import Assessment, CriteriaVersion, utcnow, version_label

MAX_UPLOAD = 256 * 1024
# Built once: pages look versions up on every request, and building a statement and its SQL cache key costs
# more than running it (measured on the form and review pages).
_ALL_VERSIONS = select(CriteriaVersion).order_by(CriteriaVersion.id)
_VERSION_BY_HASH = select(CriteriaVersion).where(CriteriaVersion.content_hash == bindparam("key"))
# The version note of a draft reads three columns of its own version: read as a plain row on the request's
# connection, a third of the cost of loading the whole version through the ORM (on every form page).
_NOTE_BY_HASH = (select(CriteriaVersion.set_id, CriteriaVersion.content_hash, CriteriaVersion.effective_from)
                 .where(CriteriaVersion.content_hash == bindparam("key")))


# ---------------------------------------------------------------- defaults and lookup

def ensure_defaults() -> None:
    """Register the files of criteria/ as versions (once per app): on a fresh install they are the versions in
    force; a changed file beside an existing version waits for activation. Assessments scored before versions
    were recorded get the hash of their set's version in force."""
    if current_app.extensions.get("cfc_versions_ready"):
        return
    session: Session = current_app.extensions["cfc_sessionmaker"]()
    try:
        with write_lock(session):  # this session's own transaction takes the lock, not the request's
            known = set(session.scalars(select(CriteriaVersion.content_hash)))
            sets_known = set(session.scalars(select(CriteriaVersion.set_id)))
            for name, raw, cs in scoring().defaults:
                if cs.content_hash in known:
                    continue
                fresh = cs.id not in sets_known
                now = utcnow()
                session.add(CriteriaVersion(
                    set_id=cs.id, content_hash=cs.content_hash, content=raw, filename=f"criteria/{name}",
                    origin="file", uploaded_at=now, effective_from=cs.effective_from if fresh else None,
                    activated_at=now if fresh else None,
                    note="Tệp mặc định của bản cài đặt" if fresh else "Tệp mặc định mới, chưa kích hoạt"))
            session.flush()
            for set_id in set(session.scalars(select(Assessment.criteria_set_id)
                                              .where(Assessment.criteria_hash.is_(None)))):
                v = _latest_active(session, set_id)
                if v is not None:
                    # A Core update: filling in the hash is not an edit of the record (no version bump).
                    session.execute(update(Assessment).where(Assessment.criteria_set_id == set_id,
                                                             Assessment.criteria_hash.is_(None))
                                    .values(criteria_hash=v.content_hash))
            session.commit()
    except IntegrityError:
        session.rollback()  # another worker registered them first
    finally:
        session.close()
    current_app.extensions["cfc_versions_ready"] = True


def _latest_active(session: Session, set_id: str) -> CriteriaVersion | None:
    return session.scalar(select(CriteriaVersion).where(CriteriaVersion.set_id == set_id,
                                                        CriteriaVersion.activated_at.is_not(None))
                          .order_by(CriteriaVersion.effective_from.desc(),
                                    CriteriaVersion.activated_at.desc(), CriteriaVersion.id.desc()).limit(1))


def all_versions(session: Session) -> list[CriteriaVersion]:
    ensure_defaults()
    return list(session.scalars(_ALL_VERSIONS))


def criteria_set_of(v: CriteriaVersion) -> CriteriaSet:
    # Parsed once per process, found again by its hash without reading the stored bytes.
    cs = scoring().by_hash(v.content_hash)
    return cs if cs is not None else scoring().from_bytes(v.content, v.filename or v.label)


def version_name(v: CriteriaVersion, with_activation: bool = False) -> str:
    """How pages, flashes and the history name a version to people: by the day it took effect, or, not yet
    activated, by its upload ("bản có hiệu lực từ 03/01/2019"); `with_activation` adds the day it was
    activated (two versions may take effect on the same day). The set's code and the content hash
    (`v.label`) stay the identifier, shown to the administrator as secondary text."""
    from .templating import vn_datetime

    if v.active and v.effective_from is not None:
        name = f"bản có hiệu lực từ {v.effective_from:%d/%m/%Y}"
        # vn_datetime is "HH:MM dd/mm/yyyy" in Vietnam time: the day is its second half.
        return f"{name}, kích hoạt ngày {vn_datetime(v.activated_at)[6:]}" if with_activation else name
    return f"bản tải lên lúc {vn_datetime(v.uploaded_at)}, chưa kích hoạt"


def version_title(v: CriteriaVersion) -> str:
    """The set's Vietnamese name and the version: "Tiêu chuẩn xã, …, bản có hiệu lực từ 03/01/2019"."""
    try:
        name = criteria_set_of(v).name
    except CriteriaError:  # a stored version that no longer loads is still named by its code
        name = v.set_id
    return f"{name}, {version_name(v)}"


def _in_force(versions: list[CriteriaVersion], period: int) -> CriteriaVersion | None:
    day = period_end(period)  # assessments are made at the end of the year
    best: CriteriaVersion | None = None
    for v in versions:
        if v.activated_at is None or v.effective_from is None or v.effective_from > day:
            continue
        cs = criteria_set_of(v)
        if cs.effective_to is not None and day > cs.effective_to:
            continue
        if best is None or (v.effective_from, v.activated_at, v.id) > (best.effective_from, best.activated_at,
                                                                       best.id):
            best = v
    return best


def governing_ids(versions: list[CriteriaVersion]) -> set[int]:
    """The versions in force for at least one year, from the earliest effective date to next year."""
    years = [v.effective_from.year for v in versions if v.effective_from and v.activated_at]
    if not years:
        return set()
    found = (_in_force(versions, p) for p in range(min(years), date.today().year + 2))
    return {v.id for v in found if v is not None}


def version_in_force(session: Session, period: int) -> CriteriaVersion | None:
    return _in_force(all_versions(session), period)


def in_force(period: int) -> CriteriaSet:
    """The set in force for the period; LookupError when none covers it (as Catalog.for_period)."""
    v = version_in_force(get_session(), period)
    if v is None:
        raise LookupError(f"Không có bộ tiêu chí nào có hiệu lực trong năm {period}.")
    return criteria_set_of(v)


def version_by_hash(session: Session, key: str | None) -> CriteriaVersion | None:
    if not key:
        return None
    ensure_defaults()
    return session.scalar(_VERSION_BY_HASH, {"key": key})


def criteria_of(a: Assessment) -> CriteriaSet:
    """The exact version the assessment is scored under."""
    session = get_session()
    ensure_defaults()
    if a.criteria_hash:
        cs = scoring().by_hash(a.criteria_hash)
        if cs is not None:
            return cs
        v = version_by_hash(session, a.criteria_hash)
        if v is not None:
            return criteria_set_of(v)
    return scoring().criteria_set(a.criteria_set_id)


def engine_of(a: Assessment) -> Any:
    return scoring().engine_for(criteria_of(a))


def assign(a: Assessment, cs: CriteriaSet) -> None:
    """A new assessment is scored under the version in force when it is created."""
    a.criteria_set_id = cs.id
    a.criteria_hash = cs.content_hash


# ---------------------------------------------------------------- upload

@dataclass
class UploadOutcome:
    version: CriteriaVersion | None
    problems: list[Problem]
    duplicate: CriteriaVersion | None = None


def check(raw: bytes, filename: str) -> tuple[CriteriaSet | None, list[Problem]]:
    """Exactly the checks of `cfc criteria check` (the same loader), plus compiling the engine for it."""
    try:
        cs = load_criteria_bytes(raw, filename)
    except CriteriaError as exc:
        return None, exc.problems
    try:
        scoring().engine_for(cs)
    except CriteriaError as exc:  # e.g. a link table (nông thôn mới) naming an item the version lacks
        return None, exc.problems
    return cs, []


def store(session: Session, raw: bytes, filename: str, user_id: int | None, origin: str = "upload",
          note: str | None = None) -> UploadOutcome:
    """Check, then store the verbatim bytes as a version waiting for activation; nothing on any problem."""
    if len(raw) > MAX_UPLOAD:
        return UploadOutcome(None, [Problem(filename, None, "", "tệp quá lớn (tối đa 256 KB)")])
    if not raw.strip():
        return UploadOutcome(None, [Problem(filename, None, "", "tệp trống")])
    cs, problems = check(raw, filename)
    if cs is None:
        return UploadOutcome(None, problems)
    existing = version_by_hash(session, content_hash(raw))
    if existing is not None:
        return UploadOutcome(None, [], duplicate=existing)
    v = CriteriaVersion(set_id=cs.id, content_hash=cs.content_hash, content=raw, filename=filename[:200],
                        origin=origin, note=note, uploaded_by=user_id, uploaded_at=utcnow())
    session.add(v)
    return UploadOutcome(v, [])


# ---------------------------------------------------------------- comparison and impact

@dataclass
class ImpactRow:
    a: Assessment
    impact: Impact | None  # None: the figures cannot be scored under one of the versions
    old_label: str
    moves: bool  # a draft or returned record moves to the new version on activation

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.a.state, self.a.state)


def compared_to(session: Session, v: CriteriaVersion, effective_from: date) -> CriteriaVersion | None:
    """The version the candidate would replace: the one in force at its effective date."""
    versions = [x for x in all_versions(session) if x.id != v.id]
    return _in_force(versions, effective_from.year)


def table_changes(session: Session, v: CriteriaVersion, effective_from: date) -> tuple[CriteriaVersion | None,
                                                                                       list[Change]]:
    base = compared_to(session, v, effective_from)
    if base is None:
        return None, []
    return base, diff_tables(criteria_set_of(base), criteria_set_of(v))


def _with_candidate(session: Session, v: CriteriaVersion, effective_from: date) -> list[CriteriaVersion]:
    """Every active version plus the candidate as if activated now (a detached copy: nothing is written)."""
    others = [x for x in all_versions(session) if x.id != v.id]
    ghost = CriteriaVersion(id=v.id, set_id=v.set_id, content_hash=v.content_hash, content=v.content,
                            filename=v.filename, effective_from=effective_from, activated_at=utcnow())
    return [*others, ghost]


def scoring_values(a: Assessment) -> dict[str, Any]:
    """The figures a record's result stands on: the commune's, with the team's corrections once reviewing."""
    from .services.figures import verified_values

    return verified_values(a) if a.corrections else dict(a.values or {})


def impact(session: Session, v: CriteriaVersion, effective_from: date) -> list[ImpactRow]:
    """Every assessment of the periods the candidate would cover, scored under its own version and the
    candidate: which communes change total, tier result or verdict, and the state of their records."""
    ensure_defaults()
    cs_new = criteria_set_of(v)
    eng_new = scoring().engine_for(cs_new)
    versions = _with_candidate(session, v, effective_from)
    rows: list[ImpactRow] = []
    cover: dict[int, bool] = {}
    for a in session.scalars(select(Assessment).order_by(Assessment.period.desc(), Assessment.id)):
        if a.period not in cover:
            winner = _in_force(versions, a.period)
            cover[a.period] = winner is not None and winner.id == v.id
        if not cover[a.period]:
            continue
        cs_old = criteria_of(a)
        profile = a.commune.profile(a.period)
        values = scoring_values(a)
        old = score_or_none(scoring().engine_for(cs_old), make_assessment(profile, a.period, values))
        new = score_or_none(eng_new, make_assessment(profile, a.period, values))
        result = compare_results(old, new) if old is not None and new is not None else None
        old_v = version_by_hash(session, a.criteria_hash)
        rows.append(ImpactRow(a, result, version_name(old_v) if old_v else cs_old.id,
                              a.state in EDITABLE_STATES))
    return rows


# ---------------------------------------------------------------- activation

def activate(session: Session, v: CriteriaVersion, effective_from: date, user_id: int) -> list[Assessment]:
    """Put the version in force from `effective_from`; drafts and returned records of the periods it now
    governs move to it, each with a history entry. Records further on keep the version they were scored under.
    The caller commits."""
    # A request has registered the defaults before its session wrote (the app's first before_request hook);
    # a caller outside a request must not have written yet either: ensure_defaults() takes the write lock in a
    # session of its own, which would wait for this one's.
    ensure_defaults()
    v.effective_from = effective_from
    v.activated_at = utcnow()
    v.activated_by = user_id
    session.flush()
    versions = all_versions(session)
    moves = []
    for a in session.scalars(select(Assessment).where(Assessment.state.in_(sorted(EDITABLE_STATES)))):
        target = _in_force(versions, a.period)
        if target is not None and target.content_hash != a.criteria_hash:
            moves.append((a, target))
    # Every moving record of one version is scored in one batch (nationally, one draft per commune).
    by_target: dict[str, list[tuple[Assessment, CriteriaVersion]]] = {}
    for a, target in moves:
        by_target.setdefault(target.content_hash, []).append((a, target))
    labels: dict[tuple[str | None, str], str] = {}  # the versions the records leave, looked up once each
    for group in by_target.values():
        engine = scoring().engine_for(criteria_set_of(group[0][1]))
        totals = scores_or_none(engine, [_assessment_of(a) for a, _ in group])
        for (a, target), result in zip(group, totals, strict=True):
            _move(session, a, target, result, user_id, labels)
    return [a for a, _ in moves]


def follow_in_force(session: Session, a: Assessment, user_id: int | None) -> bool:
    """A record handed back to the commune (returned) moves to the version in force for its period."""
    if a.state not in EDITABLE_STATES:
        return False
    target = version_in_force(session, a.period)
    if target is None or target.content_hash == a.criteria_hash:
        return False
    _move(session, a, target, score_or_none(scoring().engine_for(criteria_set_of(target)), _assessment_of(a)),
          user_id)
    return True


def _assessment_of(a: Assessment) -> dict[str, Any]:
    return make_assessment(a.commune.profile(a.period), a.period, dict(a.values or {}))


def _move(session: Session, a: Assessment, target: CriteriaVersion, result: Result | None,
          user_id: int | None, labels: dict[tuple[str | None, str], str] | None = None) -> None:
    """Move the record to `target`, its figures scored there as `result` (None: not valid enough to score).
    `labels` remembers the label of each version left across the records of one activation."""
    labels = {} if labels is None else labels
    left = (a.criteria_hash, a.criteria_set_id)
    if left not in labels:
        old_v = version_by_hash(session, a.criteria_hash)
        labels[left] = old_v.label if old_v else a.criteria_set_id
    cs = criteria_set_of(target)
    new_total = result.total if result is not None else None
    since = f"{target.effective_from:%d/%m/%Y}" if target.effective_from else ""
    reason = (f"Áp dụng bộ tiêu chí «{cs.name}», phiên bản có hiệu lực từ {since}; "
              f"tổng điểm tự đánh giá: {_points(a.self_total)} → {_points(new_total)}")
    history.record(session, a, user_id, "criteria_version", labels[left], target.label, reason)
    assign(a, cs)
    a.self_total = new_total
    a.updated_at = utcnow()


def _points(total: int | None) -> str:
    return "chưa tính được" if total is None else str(total)


# ---------------------------------------------------------------- what a record's pages say

@dataclass
class VersionNote:
    """ "Chấm theo bộ tiêu chí …", and for a record that keeps its version, the newer one's result. Pages
    name a version as an officer knows it: the set's name, its legal basis and the day it took effect
    (the internal code and hash are for the criteria administration pages)."""

    label: str
    effective_from: date | None
    title: str = ""
    basis: str = ""
    newer_label: str | None = None
    newer_effective_from: date | None = None
    newer_total: int | None = None
    newer_verdict: str | None = None


def _title_and_basis(cs: CriteriaSet | None) -> tuple[str, str]:
    if cs is None:
        return "", ""
    refs = [b.ref for b in (cs.legal_basis or []) if getattr(b, "ref", "")]
    return cs.name, refs[0] if refs else ""


def version_note(session: Session, a: Assessment) -> VersionNote:
    # A record further on is compared with the version in force: every version is read then, in one query
    # that also holds its own.
    versions = None if a.state in EDITABLE_STATES else all_versions(session)
    if versions is None:
        ensure_defaults()
        row = (session.connection().execute(_NOTE_BY_HASH, {"key": a.criteria_hash}).one_or_none()
               if a.criteria_hash else None)
        note = VersionNote(version_label(row.set_id, row.content_hash) if row else a.criteria_set_id,
                           row.effective_from if row else None)
    else:
        own = next((v for v in versions if a.criteria_hash and v.content_hash == a.criteria_hash), None)
        note = VersionNote(own.label if own else a.criteria_set_id, own.effective_from if own else None)
    try:
        note.title, note.basis = _title_and_basis(criteria_of(a))
    except Exception:  # noqa: BLE001 - a set that no longer loads is still named by its code
        note.title = note.label
    if versions is None:
        return note
    current = _in_force(versions, a.period)
    if current is not None and current.content_hash != a.criteria_hash:
        result = score_or_none(scoring().engine_for(criteria_set_of(current)),
                               make_assessment(a.commune.profile(a.period), a.period, scoring_values(a)))
        note.newer_label = current.label
        note.newer_effective_from = current.effective_from
        if result is not None:
            note.newer_total, note.newer_verdict = result.total, result.verdict
    return note
