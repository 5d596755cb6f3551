"""Tables. Only aggregate counts per commune are stored: no child is ever named or recorded."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    joinedload,
    mapped_column,
    relationship,
)

ROLE_COMMUNE = "commune"
ROLE_REVIEWER = "reviewer"
ROLE_ADMIN = "admin"
ROLES = {
    ROLE_COMMUNE: "Cán bộ xã",
    ROLE_REVIEWER: "Tổ thẩm định",
    ROLE_ADMIN: "Quản trị",
}


# "cấp huyện" / "cấp tỉnh": the words of the UI and the PDFs follow the reviewing unit's level.
LEVEL_WORDS = {"tinh": "cấp tỉnh", "huyen": "cấp huyện", "xa": "cấp xã"}


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


LEVEL_PROVINCE = "tinh"
LEVEL_DISTRICT = "huyen"
LEVEL_COMMUNE = "xa"


class Commune(Base):
    """Every administrative unit, at every level (tỉnh, huyện, xã/phường/đặc khu): the registry.

    The table keeps its historic name because assessments point at it. A unit holds from `valid_from` to
    `valid_to` (inclusive; None = open). Codes are official but not unique over time: after 01/07/2025 many
    new communes took an old commune's code with a new name, so a unit is (level, code, name), and a code
    is unique only among the units that hold on one date. Only units of level "xa" are assessed; `type`
    (tier) and `region` are theirs, empty until the administrator sets them (the official lists lack them).
    """

    __tablename__ = "communes"
    __table_args__ = (Index("ix_communes_level_code", "level", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(5), default="")
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(10), default=LEVEL_COMMUNE)
    kind: Mapped[str] = mapped_column(String(30), default="")  # "Xã", "Phường", "Đặc khu", "Huyện", ...
    type: Mapped[str] = mapped_column(String(40), default="")
    region: Mapped[str] = mapped_column(String(20), default="")
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)

    parent_links: Mapped[list[UnitParent]] = relationship(
        foreign_keys="UnitParent.unit_id", order_by="UnitParent.id", lazy="selectin",
        back_populates="unit", cascade="all, delete-orphan")
    flag_rows: Mapped[list[CommuneFlagValue]] = relationship(
        order_by="CommuneFlagValue.flag_id", lazy="selectin", cascade="all, delete-orphan")

    @property
    def flags(self) -> dict[str, bool]:
        """The commune flags set for this unit (declared by the link tables, engine/flags.py); a flag with
        no row is false."""
        return {row.flag_id: bool(row.value) for row in self.flag_rows}

    def set_flag(self, flag_id: str, value: bool) -> bool:
        """Set one flag (the caller has checked it is declared); True if it changed."""
        row = next((r for r in self.flag_rows if r.flag_id == flag_id), None)
        if row is None:
            if not value:
                return False  # no row already reads as false
            self.flag_rows.append(CommuneFlagValue(flag_id=flag_id, value=True))
            return True
        if bool(row.value) == value:
            return False
        row.value = value
        return True

    def holds_on(self, on: date) -> bool:
        return ((self.valid_from is None or self.valid_from <= on)
                and (self.valid_to is None or on <= self.valid_to))

    def parent_on(self, on: date) -> Commune | None:
        for link in self.parent_links:
            if link.holds_on(on):
                return link.parent
        return None

    def chain(self, on: date) -> list[Commune]:
        """This unit and its parents on that date, nearest first."""
        out: list[Commune] = [self]
        while len(out) < 5:  # three levels at most; a cycle in bad data cannot loop forever
            parent = out[-1].parent_on(on)
            if parent is None:
                break
            out.append(parent)
        return out

    def _named(self, level: str, on: date | None) -> str:
        from .units import latest_date

        day = on or latest_date(self)
        return next((u.name for u in self.chain(day)[1:] if u.level == level), "")

    @property
    def district(self) -> str:
        """The district it belongs to today (or on its last day): "" since the 2025 reform."""
        return self._named(LEVEL_DISTRICT, None)

    @property
    def province(self) -> str:
        return self._named(LEVEL_PROVINCE, None)

    def profile(self, period: int | None = None) -> dict[str, Any]:
        """The commune block of an engine assessment; district and province as they were in that period."""
        from .flags import engine_flags
        from .units import reference_date

        on = reference_date(period) if period is not None else None
        return {
            "code": self.code,
            "name": self.name,
            "district": self._named(LEVEL_DISTRICT, on),
            "province": self._named(LEVEL_PROVINCE, on),
            "type": self.type,
            "region": self.region,
            # Flags sit beside the fixed fields, as in an assessment file's commune block. Only the flags a
            # link table of this installation still declares reach the engine (webform/flags.py).
            **engine_flags(self.flags),
        }


class CommuneFlagValue(Base):
    """One commune flag of one unit: the flag ids are declared by the link tables' YAML (`commune_flags`),
    never listed in Python, so a new flag needs no migration."""

    __tablename__ = "commune_flags"
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"), primary_key=True)
    flag_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[bool] = mapped_column(Boolean)


class UnitParent(Base):
    """A unit belongs to `parent` from `valid_from` to `valid_to` (inclusive; None = open)."""

    __tablename__ = "unit_parents"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)

    unit: Mapped[Commune] = relationship(foreign_keys=[unit_id], back_populates="parent_links")
    parent: Mapped[Commune] = relationship(foreign_keys=[parent_id], lazy="joined", innerjoin=True)

    def holds_on(self, on: date) -> bool:
        return ((self.valid_from is None or self.valid_from <= on)
                and (self.valid_to is None or on <= self.valid_to))


class UnitSuccessor(Base):
    """`predecessor` ended and (part of) it became `successor` on `on`: a merge, or a split of it."""

    __tablename__ = "unit_successors"
    __table_args__ = (UniqueConstraint("predecessor_id", "successor_id", name="uq_unit_successor"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    predecessor_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    successor_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(10))  # "merge" | "split"
    source: Mapped[str] = mapped_column(String(200), default="")

    predecessor: Mapped[Commune] = relationship(foreign_keys=[predecessor_id], lazy="joined")
    successor: Mapped[Commune] = relationship(foreign_keys=[successor_id], lazy="joined")


class User(UserMixin, Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(20))
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("communes.id"), nullable=True)
    # A reviewer works for a unit at any level (a district before 2025, a province after).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("communes.id"), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Part of the id in every session cookie; bumped by logout, a password change or reset and a lock, so
    # every session opened before it ends (webform/auth.py checks it on each request, in any process).
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    commune: Mapped[Commune | None] = relationship(foreign_keys=[commune_id], lazy="joined")
    unit: Mapped[Commune | None] = relationship(foreign_keys=[unit_id], lazy="joined")

    @property
    def district(self) -> str | None:
        """The reviewing unit's name (kept for the pages that print it)."""
        return self.unit.name if self.unit is not None else None

    @property
    def is_active(self) -> bool:  # flask-login: a deactivated account cannot log in
        return bool(self.active)

    def get_id(self) -> str:
        return f"{self.id}.{self.session_epoch or 0}"

    def end_sessions(self) -> None:
        """Invalidate every session cookie of this user (the caller commits)."""
        self.session_epoch = (self.session_epoch or 0) + 1

    @property
    def role_label(self) -> str:
        if self.role == ROLE_REVIEWER and self.unit is not None:
            return f"Tổ thẩm định {LEVEL_WORDS.get(self.unit.level, '')}".strip()
        return ROLES.get(self.role, self.role)


class LoginAttempt(Base):
    """A failed login: name as typed, address, time (seconds since the epoch); pruned to the window."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
        Index("ix_login_attempts_at", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[float] = mapped_column(Float)


def unit_chain(relation: Any, levels: int = 3) -> list[Any]:
    """Loader options that read a unit, its flags and its parents up to `levels` above it (xã -> huyện ->
    tỉnh) in the query that loads `relation`, instead of a query per link and level: the session check and
    the record lookup of every request need the chain (names in the engine's commune block, the reviewer's
    scope), and a dozen small queries cost more than the page's own work. The parents' flags, which no
    request of one record reads, stay lazy."""
    unit = joinedload(relation)
    options = [unit.joinedload(Commune.flag_rows)]
    link = unit
    for _ in range(levels):
        link = link.joinedload(Commune.parent_links).joinedload(UnitParent.parent, innerjoin=False)
        options.append(link.lazyload(Commune.flag_rows))
    options.append(link.lazyload(Commune.parent_links))
    return options


class Assessment(Base):
    __tablename__ = "assessments"
    __table_args__ = (
        UniqueConstraint("commune_id", "period", name="uq_assessment_commune_period"),
        Index("ix_assessments_period_state", "period", "state"),  # the review queue's filter
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"))
    period: Mapped[int] = mapped_column(Integer)
    criteria_set_id: Mapped[str] = mapped_column(String(60))
    # The exact version of the table (CriteriaVersion.content_hash) the assessment is scored under.
    criteria_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    state: Mapped[str] = mapped_column(String(20), default="draft")
    # Optimistic lock: every save names the version it was based on; a stale save is refused.
    version: Mapped[int] = mapped_column(Integer, default=1)
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    sources: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    return_comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    self_total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    verified_total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    verified_recognised: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    decision_number: Mapped[str | None] = mapped_column(String(60), nullable=True)
    decision_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    decision_signer: Mapped[str | None] = mapped_column(String(120), nullable=True)
    # The tờ trình's own number and date, as the district office registers it (blank lines in the PDF until
    # the team enters them).
    proposal_number: Mapped[str | None] = mapped_column(String(20), nullable=True)
    proposal_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    commune: Mapped[Commune] = relationship(lazy="joined")
    corrections: Mapped[list[Correction]] = relationship(
        back_populates="assessment", order_by="Correction.id", cascade="all, delete-orphan"
    )
    item_reviews: Mapped[list[ItemReview]] = relationship(cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}


class CriteriaVersion(Base):
    """One criteria table exactly as uploaded (or shipped in criteria/): the YAML bytes, never rewritten."""

    __tablename__ = "criteria_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[str] = mapped_column(String(60), index=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Read only when the bytes themselves are wanted (download, edit, a set not yet parsed by this process):
    # the pages list versions on every request, and the parsed set is found by its hash.
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    filename: Mapped[str] = mapped_column(String(200), default="")
    origin: Mapped[str] = mapped_column(String(20), default="upload")  # file | upload | form
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    effective_from: Mapped[date | None] = mapped_column(Date, nullable=True)  # set on activation
    activated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    activated_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    # Read by the two admin pages of versions only; every page looks versions up (the version note), and
    # joining both accounts with their units to each lookup cost more than the rest of the query.
    uploader: Mapped[User | None] = relationship(foreign_keys=[uploaded_by])
    activator: Mapped[User | None] = relationship(foreign_keys=[activated_by])

    @property
    def active(self) -> bool:
        return self.activated_at is not None

    @property
    def short_hash(self) -> str:
        return short_hash(self.content_hash)

    @property
    def label(self) -> str:
        """A version's identifier, "qd06-2019 · ab2a7b32f561" (the history records it); people read
        versions.version_name(v)."""
        return version_label(self.set_id, self.content_hash)


def short_hash(content_hash: str) -> str:
    """The first 12 hex digits of a version's content hash: enough to tell versions apart on a page."""
    return content_hash[:12]


def version_label(set_id: str, content_hash: str) -> str:
    """CriteriaVersion.label from the two columns it is made of (pages that read only those)."""
    return f"{set_id} · {short_hash(content_hash)}"


class Correction(Base):
    """The team's value for one input, beside the commune's value (never overwriting it)."""

    __tablename__ = "corrections"
    __table_args__ = (UniqueConstraint("assessment_id", "input_id", name="uq_correction_input"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"))
    input_id: Mapped[str] = mapped_column(String(60))
    commune_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    team_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    assessment: Mapped[Assessment] = relationship(back_populates="corrections")
    user: Mapped[User] = relationship(lazy="joined")


class ItemReview(Base):
    """The team accepted an item as the commune scored it."""

    __tablename__ = "item_reviews"
    __table_args__ = (UniqueConstraint("assessment_id", "item_id", name="uq_item_review"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"))
    item_id: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class HistoryEntry(Base):
    """Append-only log of every change: who, when, field, old → new, why."""

    __tablename__ = "history"
    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    field: Mapped[str] = mapped_column(String(80))
    old_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    new_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    user: Mapped[User | None] = relationship(lazy="joined")


class AppendOnlyError(RuntimeError):
    pass


@event.listens_for(Session, "before_flush")
def _history_is_append_only(session: Session, _ctx: Any, _instances: Any) -> None:
    # The database refuses it too (triggers in the migration); this catches it earlier with a clear error.
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, HistoryEntry):
            raise AppendOnlyError("history is append-only")


class CachedPdf(Base):
    """The last PDF rendered for an assessment, one per document kind, with the key of what it shows
    (webform/pdfcache.py): any change to what it shows changes the key, and the row is replaced."""

    __tablename__ = "pdf_cache"
    __table_args__ = (UniqueConstraint("assessment_id", "kind", name="uq_pdf_cache_kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
