"""The district team's operations on one assessment: accept items, check and apply a state change with its
guards, the tờ trình's number and date. The review pages, the CLI and the tests call these.

Nothing here knows a criterion: items and inputs come from the criteria YAML through the engine.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.exc import StaleDataError

from engine.states import REVIEWABLE_STATES

from .. import history
from ..dates import parse_day
from ..db import commit
from ..engines import make_assessment
from ..form_values import ParsedForm, nfc, parse_value, validate
from ..messages import (
    COMMENT_MAX,
    MSG_COMMENT_REQUIRED,
    MSG_COMMENT_TOO_LONG,
    MSG_CORRECTION_NOT_STORED,
    MSG_DECISION_DATE,
    MSG_DECISION_NUMBER,
    MSG_DECISION_NUMBER_LONG,
    MSG_DECISION_SIGNER,
    MSG_DECISION_SIGNER_LONG,
    MSG_NOT_RECOGNISE_PASSED,
    MSG_NOT_REVIEWING,
    MSG_PROPOSAL_BEFORE_REVIEW,
    MSG_PROPOSAL_DATE,
    MSG_PROPOSAL_NUMBER,
    MSG_PROPOSE_NOT_RECOGNISED,
    MSG_REASON_REQUIRED,
    MSG_REASON_TOO_LONG,
    MSG_STALE,
    MSG_VALUE_REQUIRED,
    MSG_VERIFY_INCOMPLETE,
)
from ..models import Assessment, Correction, HistoryEntry, ItemReview, User, utcnow
from ..templating import VN_OFFSET
from ..versions import criteria_of, engine_of, follow_in_force
from ..workflow import (
    CONFIRMED_TRANSITIONS,
    IllegalTransition,
    Transition,
    check,
    require_all_decided,
    undecided_items,
)
from .errors import FieldRefused, Refused, Stale
from .figures import verified_result, verified_values

__all__ = ["Planned", "Progress", "Refused", "accept_items", "accept_remaining", "apply_transition",
           "correct", "parse_proposal_ref", "plan_transition", "progress", "set_proposal_ref", "transition",
           "verified_on", "verified_result", "verified_values"]

ACCEPTED = "Chấp nhận"
ACCEPTED_REST = "Chấp nhận các mục còn lại"
_PROPOSAL_NUMBER = re.compile(r"[0-9]{1,6}")  # ASCII only: \d takes other scripts' digits


@dataclass(frozen=True)
class Progress:
    """How far the team is: items decided (accepted or corrected) out of all items of the criteria set."""

    decided: int
    total: int
    undecided: list[Any]

    @property
    def text(self) -> str:
        return f"Đã xem {self.decided}/{self.total} mục"


def progress(a: Assessment) -> Progress:
    cs = criteria_of(a)
    left = undecided_items(cs, (r.item_id for r in a.item_reviews), (c.input_id for c in a.corrections))
    return Progress(len(cs.items) - len(left), len(cs.items), left)


def accept_items(session: Session, a: Assessment, user_id: int, item_ids: list[str],
                 reason: str | None = None) -> list[str]:
    """Accept these items as the commune scored them: one review row and one history entry per item newly
    accepted (so the biên bản's "checked every item" is true item by item); returns the new ones."""
    done = {r.item_id for r in a.item_reviews}
    fresh = [i for i in item_ids if i not in done]
    for item_id in fresh:
        a.item_reviews.append(ItemReview(item_id=item_id, user_id=user_id, created_at=utcnow()))
        history.record(session, a, user_id, f"item.{item_id}", None, ACCEPTED, reason)
    if fresh:
        a.updated_at = utcnow()
    return fresh


def accept_remaining(session: Session, a: Assessment, user_id: int) -> list[str]:
    """"Chấp nhận các mục còn lại": every item not yet accepted or corrected, each recorded on its own."""
    return accept_items(session, a, user_id, [i.id for i in progress(a).undecided], ACCEPTED_REST)


def parse_date(text: str | None) -> date | None:
    """dd/mm/yyyy as officers write it, or yyyy-mm-dd as a date picker sends it; None when neither."""
    return parse_day(text or "")


def _session_of(a: Assessment) -> Session:
    session = object_session(a)
    if session is None:  # a record handed to a transition is always one the request loaded
        raise RuntimeError(f"assessment {a.id} is not attached to a session")
    return session


def verified_on(session: Session, a: Assessment) -> date:
    """The day the team verified the figures (the biên bản's date): the last move to "verified"."""
    at = session.scalar(
        select(HistoryEntry.at)
        .where(HistoryEntry.assessment_id == a.id, HistoryEntry.field == "state",
               HistoryEntry.new_value == "verified")
        .order_by(HistoryEntry.id.desc())
        .limit(1)
    )
    # Stored in UTC; the biên bản carries the Vietnamese calendar day.
    return (at + VN_OFFSET).date() if at else (utcnow() + VN_OFFSET).date()


def parse_proposal_ref(
    number_text: str | None, date_text: str | None, not_before: date | None = None,
) -> tuple[str | None, date | None, list[str]]:
    """The tờ trình's number (digits only: the "/TTr-…" part is printed by the report) and date; both
    optional, the PDF leaves a blank for what is not entered. The tờ trình cannot predate the biên bản
    it sends (`not_before`)."""
    number = nfc(number_text)
    errors = []
    if number and not _PROPOSAL_NUMBER.fullmatch(number):
        errors.append(MSG_PROPOSAL_NUMBER)
    raw_date = (date_text or "").strip()
    when = parse_date(raw_date) if raw_date else None
    if raw_date and when is None:
        errors.append(MSG_PROPOSAL_DATE)
    elif when is not None and not_before is not None and when < not_before:
        errors.append(MSG_PROPOSAL_BEFORE_REVIEW.format(day=not_before))
    return number or None, when, errors


def set_proposal_ref(session: Session, a: Assessment, user_id: int, number: str | None,
                     when: date | None) -> bool:
    """Store the tờ trình's number and date with a history entry; False when nothing changed."""
    old = _proposal_text(a.proposal_number, a.proposal_date)
    new = _proposal_text(number, when)
    if old == new:
        return False
    a.proposal_number, a.proposal_date = number, when
    history.record(session, a, user_id, "proposal", old or None, new or None, None)
    a.updated_at = utcnow()
    return True


def _proposal_text(number: str | None, when: date | None) -> str:
    parts = []
    if number:
        parts.append(f"Số {number}")
    if when:
        parts.append(f"ngày {when:%d/%m/%Y}")
    return ", ".join(parts)


@dataclass
class Planned:
    """A state change checked and ready: what it will store, and what the confirmation page says."""

    transition: Transition
    comment: str = ""
    fields: dict[str, str] = field(default_factory=dict)  # what was typed, carried through the confirmation
    summary: list[str] = field(default_factory=list)
    result: Any = None
    decision: tuple[str, date, str] | None = None
    proposal: tuple[str | None, date | None] = (None, None)


def plan_transition(a: Assessment, name: str, role: str, form: Mapping[str, Any]) -> Planned:
    """Check a state change completely (state, role, every rule) without changing anything."""
    try:
        t = check(name, a.state, role)
    except IllegalTransition as exc:
        raise Refused([str(exc)], 409) from None
    comment = nfc(form.get("comment"))
    if len(comment) > COMMENT_MAX:
        raise Refused([MSG_COMMENT_TOO_LONG])
    p = Planned(t, comment=comment, fields={"comment": comment} if comment else {})
    guard = _GUARDS.get(name)
    if guard is not None:
        guard(a, p, form)
    return p


def _plan_return(_a: Assessment, p: Planned, _form: Mapping[str, Any]) -> None:
    if not p.comment:
        raise Refused([MSG_COMMENT_REQUIRED])


def _plan_verify(a: Assessment, p: Planned, _form: Mapping[str, Any]) -> None:
    cs = criteria_of(a)
    try:
        require_all_decided(cs, (r.item_id for r in a.item_reviews), (c.input_id for c in a.corrections))
    except IllegalTransition as exc:
        raise Refused([str(exc)]) from None
    values = verified_values(a)
    missing = [d.label for d in cs.inputs if d.id not in values]
    result = verified_result(a)
    if missing or result is None:
        msg = MSG_VERIFY_INCOMPLETE
        msg += f" (thiếu {len(missing)} ô: {', '.join(missing[:5])}…)." if missing else "."
        raise Refused([msg])
    p.result = result
    n = len(a.corrections)
    p.summary = [
        f"Kết quả thẩm định của {a.commune.name} năm {a.period}: {result.total}/{result.max_total} điểm, "
        f"điểm chuẩn {result.threshold} — {result.verdict}.",
        f"Tổ đã xem đủ {len(cs.items)}/{len(cs.items)} mục"
        + (f", điều chỉnh {n} số liệu." if n else ", không điều chỉnh số liệu nào."),
        "Sau khi xác nhận, tổ thẩm định không còn điều chỉnh số liệu được nữa.",
    ]


def _plan_propose(a: Assessment, p: Planned, form: Mapping[str, Any]) -> None:
    if not a.verified_recognised:
        raise Refused([MSG_PROPOSE_NOT_RECOGNISED], 409)
    number, when, errors = parse_proposal_ref(form.get("proposal_number"), form.get("proposal_date"),
                                              verified_on(_session_of(a), a))
    if errors:
        raise Refused(errors)
    p.proposal = (number, when)
    p.fields.update({"proposal_number": number or "", "proposal_date": f"{when:%d/%m/%Y}" if when else ""})
    ref = _proposal_text(number, when) or "chưa có số và ngày (để trống trên bản in)"
    p.summary = [
        f"Lập tờ trình đề nghị công nhận {a.commune.name} đạt tiêu chuẩn năm {a.period} "
        f"(kết quả thẩm định {a.verified_total} điểm — Đạt).",
        f"Tờ trình: {ref}.",
        "Sau khi lập tờ trình, bước tiếp theo là ghi quyết định của cấp có thẩm quyền.",
    ]


def _decision_errors(number: str, signer: str, decided: date | None) -> list[str]:
    errors = []
    if not number:
        errors.append(MSG_DECISION_NUMBER)
    elif len(number) > 60:
        errors.append(MSG_DECISION_NUMBER_LONG)
    if not signer:
        errors.append(MSG_DECISION_SIGNER)
    elif len(signer) > 120:
        errors.append(MSG_DECISION_SIGNER_LONG)
    if decided is None:
        errors.append(MSG_DECISION_DATE)
    return errors


def _plan_decision(a: Assessment, p: Planned, form: Mapping[str, Any]) -> None:
    name = p.transition.name
    number = nfc(form.get("decision_number"))
    signer = nfc(form.get("decision_signer"))
    decided = parse_date((form.get("decision_date") or "").strip())
    errors = _decision_errors(number, signer, decided)
    if name == "not_recognise" and a.state == "verified" and a.verified_recognised:
        errors.append(MSG_NOT_RECOGNISE_PASSED)
    if errors or decided is None:
        raise Refused(errors)
    p.decision = (number, decided, signer)
    p.fields.update({"decision_number": number, "decision_date": f"{decided:%d/%m/%Y}",
                     "decision_signer": signer})
    what = "công nhận" if name == "recognise" else "không công nhận"
    p.summary = [
        f"Ghi quyết định {what} {a.commune.name} đạt tiêu chuẩn năm {a.period}: số {number}, "
        f"ngày {decided:%d/%m/%Y}, người ký: {signer}.",
        "Đây là bước cuối: sau khi ghi quyết định, hồ sơ năm nay được đóng.",
    ]


# The guards of each state change beyond state and role (which `check` tests for all of them).
_GUARDS: dict[str, Callable[[Assessment, Planned, Mapping[str, Any]], None]] = {
    "return": _plan_return,
    "verify": _plan_verify,
    "propose": _plan_propose,
    "recognise": _plan_decision,
    "not_recognise": _plan_decision,
}


def apply_transition(session: Session, a: Assessment, user_id: int, p: Planned) -> None:
    """Store a planned state change and its history (the caller commits)."""
    t = p.transition
    reason = p.comment or None
    if t.name == "return":
        a.return_comment = p.comment
    elif t.name == "verify":
        a.verified_total = p.result.total
        a.verified_recognised = bool(p.result.recognised)
        history.record(session, a, user_id, "verified_total", None, p.result.total,
                       f"Kết quả thẩm định: {p.result.verdict}")
    elif t.name == "propose":
        set_proposal_ref(session, a, user_id, *p.proposal)
    elif p.decision is not None:
        a.decision_number, a.decision_date, a.decision_signer = p.decision
        decision = f"Số {a.decision_number}, ngày {a.decision_date:%d/%m/%Y}, người ký: {a.decision_signer}"
        history.record(session, a, user_id, "decision", None, decision, reason)
    history.record(session, a, user_id, "state", a.state, t.target, reason)
    a.state = t.target
    a.updated_at = utcnow()
    if t.name == "return":
        # Back in the commune's hands: it follows the version in force, as drafts do.
        follow_in_force(session, a, user_id)


@dataclass
class TransitionOutcome:
    """A state change planned, and whether it is stored (False: it waits for the user's confirmation)."""

    planned: Planned
    done: bool


def transition(session: Session, a: Assessment, user: User, name: str, form: Mapping[str, Any],
               version: int | None, confirmed: bool) -> TransitionOutcome:
    """Apply a state change with all its guards, and commit it; or refuse (Refused, nothing stored).

    `version` is the record's version the user's page showed: an older page is refused (Stale), since the
    guards are checked on the newest figures. An irreversible step (CONFIRMED_TRANSITIONS) is stored only
    when `confirmed`; otherwise it is planned and returned for the confirmation page."""
    try:
        check(name, a.state, user.role)
    except IllegalTransition as exc:
        raise Refused([str(exc)], 409) from None
    if version != a.version:
        raise Stale([MSG_STALE], a)
    planned = plan_transition(a, name, user.role, form)
    if planned.transition.name in CONFIRMED_TRANSITIONS and not confirmed:
        return TransitionOutcome(planned, done=False)
    apply_transition(session, a, user.id, planned)
    try:
        commit(session)
    except StaleDataError:
        session.rollback()
        raise Stale([MSG_STALE], session.get(Assessment, a.id)) from None
    return TransitionOutcome(planned, done=True)


def correct(session: Session, a: Assessment, user: User, input_id: str, raw: str, reason: str,
            evidence: str, version: int | None) -> str:
    """The team's figure for one input, with its reason (and evidence), checked by the engine together with
    the other verified figures; stored with a history entry and committed. Returns the input's label.
    Refused while not reviewing (409); FieldRefused for the value or the reason (400); Stale for a page
    older than the record (or a write in between)."""
    if a.state not in REVIEWABLE_STATES:
        raise Refused([MSG_NOT_REVIEWING], 409)
    reason, evidence = nfc(reason), nfc(evidence)  # as typed: NFC, without surrounding spaces
    input_def = criteria_of(a).input(input_id)
    value, error = _correction_value(a, input_def, raw, reason, evidence)
    if error:
        raise FieldRefused([MSG_CORRECTION_NOT_STORED.format(error=error)], error)
    if version != a.version:
        raise Stale([MSG_STALE], a)
    existing = next((c for c in a.corrections if c.input_id == input_id), None)
    old_team = existing.team_value if existing else (a.values or {}).get(input_id)
    if existing is None:
        a.corrections.append(Correction(
            input_id=input_id, commune_value=(a.values or {}).get(input_id), team_value=value,
            reason=reason, evidence=evidence, user_id=user.id, created_at=utcnow()))
    else:
        existing.team_value, existing.reason, existing.evidence = value, reason, evidence
        existing.user_id, existing.created_at = user.id, utcnow()
    note = reason + (f" (Minh chứng: {evidence})" if evidence else "")
    history.record(session, a, user.id, f"correction.{input_id}", old_team, value, note)
    a.updated_at = utcnow()
    try:
        commit(session)
    except StaleDataError:
        session.rollback()
        raise Stale([MSG_STALE], session.get(Assessment, a.id)) from None
    return str(input_def.label)


def _correction_value(a: Assessment, input_def: Any, raw: str, reason: str,
                      evidence: str) -> tuple[Any, str | None]:
    """The typed value, or the first thing wrong with the correction (the value, the reason, the engine's
    checks on the verified figures with this value in them)."""
    value, error = parse_value(input_def, raw)
    if error is None and value is None:
        error = MSG_VALUE_REQUIRED
    if error is None and not reason:
        error = MSG_REASON_REQUIRED
    if error is None and (len(reason) > 2000 or len(evidence) > 2000):
        error = MSG_REASON_TOO_LONG
    if error is not None:
        return value, error
    values = verified_values(a)
    values[input_def.id] = value
    parsed = ParsedForm(raw={d.id: "" for d in criteria_of(a).inputs}, values=values)
    validate(engine_of(a), make_assessment(a.commune.profile(a.period), a.period, values), parsed)
    if parsed.errors or parsed.general_errors:
        error = parsed.errors.get(input_def.id) or next(iter(parsed.errors.values()), None) or \
            parsed.general_errors[0]
    return value, error
