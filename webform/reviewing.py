"""The district team's operations on one assessment, as plain functions the review pages, the CLI and the
tests call: accept items, check and apply a state change, the tờ trình's number and date.

Nothing here knows a criterion: items and inputs come from the criteria YAML through the engine.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from . import history
from .dates import parse_day
from .engines import make_assessment, score_or_none
from .form_values import nfc
from .models import Assessment, HistoryEntry, ItemReview, utcnow
from .templating import VN_OFFSET
from .versions import criteria_of, engine_of, follow_in_force
from .workflow import IllegalTransition, Transition, check, require_all_decided, undecided_items

MSG_COMMENT_REQUIRED = "Phải ghi ý kiến của tổ thẩm định khi trả lại hồ sơ."
COMMENT_MAX = 2000
MSG_COMMENT_TOO_LONG = f"Ý kiến quá dài (tối đa {COMMENT_MAX} ký tự). Chưa lưu gì."
ACCEPTED = "Chấp nhận"
ACCEPTED_REST = "Chấp nhận các mục còn lại"
_PROPOSAL_NUMBER = re.compile(r"[0-9]{1,6}")  # ASCII only: \d takes other scripts' digits


class Refused(Exception):
    """A state change refused, with the Vietnamese messages the user sees and the HTTP status."""

    def __init__(self, messages: list[str], status: int = 400) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages
        self.status = status


def verified_values(a: Assessment) -> dict[str, Any]:
    """The commune's figures with the team's corrections laid over them (the commune's stay stored)."""
    values = dict(a.values or {})
    for c in a.corrections:
        values[c.input_id] = c.team_value
    return values


def verified_result(a: Assessment) -> Any:
    eng = engine_of(a)
    return score_or_none(eng, make_assessment(a.commune.profile(a.period), a.period, verified_values(a)))


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
        errors.append("Số tờ trình chỉ ghi phần số (ví dụ: 15); phần “/TTr-…” được in sẵn.")
    raw_date = (date_text or "").strip()
    when = parse_date(raw_date) if raw_date else None
    if raw_date and when is None:
        errors.append("Ngày tờ trình không hợp lệ (ví dụ: 20/12/2022).")
    elif when is not None and not_before is not None and when < not_before:
        errors.append(f"Ngày tờ trình không được trước ngày thẩm định ({not_before:%d/%m/%Y}).")
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
    commune = a.commune.name
    if name == "return":
        if not comment:
            raise Refused([MSG_COMMENT_REQUIRED])
    elif name == "verify":
        cs = criteria_of(a)
        try:
            require_all_decided(cs, (r.item_id for r in a.item_reviews), (c.input_id for c in a.corrections))
        except IllegalTransition as exc:
            raise Refused([str(exc)]) from None
        values = verified_values(a)
        missing = [d.label for d in cs.inputs if d.id not in values]
        result = verified_result(a)
        if missing or result is None:
            msg = "Chưa xác nhận được: số liệu chưa đủ hoặc chưa hợp lệ"
            msg += f" (thiếu {len(missing)} ô: {', '.join(missing[:5])}…)." if missing else "."
            raise Refused([msg])
        p.result = result
        n = len(a.corrections)
        p.summary = [
            f"Kết quả thẩm định của {commune} năm {a.period}: {result.total}/{result.max_total} điểm, "
            f"điểm chuẩn {result.threshold} — {result.verdict}.",
            f"Tổ đã xem đủ {len(cs.items)}/{len(cs.items)} mục"
            + (f", điều chỉnh {n} số liệu." if n else ", không điều chỉnh số liệu nào."),
            "Sau khi xác nhận, tổ thẩm định không còn điều chỉnh số liệu được nữa.",
        ]
    elif name == "propose":
        if not a.verified_recognised:
            raise Refused(["Chỉ lập tờ trình khi kết quả thẩm định là “Đạt”."], 409)
        number, when, errors = parse_proposal_ref(form.get("proposal_number"), form.get("proposal_date"),
                                                  verified_on(object_session(a), a))
        if errors:
            raise Refused(errors)
        p.proposal = (number, when)
        p.fields.update({"proposal_number": number or "",
                         "proposal_date": f"{when:%d/%m/%Y}" if when else ""})
        ref = _proposal_text(number, when) or "chưa có số và ngày (để trống trên bản in)"
        p.summary = [
            f"Lập tờ trình đề nghị công nhận {commune} đạt tiêu chuẩn năm {a.period} "
            f"(kết quả thẩm định {a.verified_total} điểm — Đạt).",
            f"Tờ trình: {ref}.",
            "Sau khi lập tờ trình, bước tiếp theo là ghi quyết định của cấp có thẩm quyền.",
        ]
    elif name in {"recognise", "not_recognise"}:
        number = nfc(form.get("decision_number"))
        signer = nfc(form.get("decision_signer"))
        date_text = (form.get("decision_date") or "").strip()
        errors = []
        if not number:
            errors.append("Phải ghi số quyết định.")
        elif len(number) > 60:
            errors.append("Số quyết định quá dài (tối đa 60 ký tự).")
        if not signer:
            errors.append("Phải ghi người ký quyết định.")
        elif len(signer) > 120:
            errors.append("Tên người ký quá dài (tối đa 120 ký tự).")
        decided = parse_date(date_text)
        if decided is None:
            errors.append("Ngày quyết định không hợp lệ (ví dụ: 20/12/2022).")
        if name == "not_recognise" and a.state == "verified" and a.verified_recognised:
            errors.append("Kết quả thẩm định là “Đạt”: hãy lập tờ trình đề nghị công nhận.")
        if errors or decided is None:
            raise Refused(errors)
        p.decision = (number, decided, signer)
        p.fields.update({"decision_number": number, "decision_date": f"{decided:%d/%m/%Y}",
                         "decision_signer": signer})
        what = "công nhận" if name == "recognise" else "không công nhận"
        p.summary = [
            f"Ghi quyết định {what} {commune} đạt tiêu chuẩn năm {a.period}: số {number}, "
            f"ngày {decided:%d/%m/%Y}, người ký: {signer}.",
            "Đây là bước cuối: sau khi ghi quyết định, hồ sơ năm nay được đóng.",
        ]
    return p


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
