"""States of an assessment and who may move it where (reference: workflow-and-documents.md)."""

from __future__ import annotations

from dataclasses import dataclass

from engine.states import STATE_LABELS

from .models import ROLE_COMMUNE, ROLE_REVIEWER

# The commune edits its figures only while the assessment is in its hands.
EDITABLE_STATES = {"draft", "returned"}
# The team corrects figures only while it is reviewing.
REVIEWABLE_STATES = {"under_review"}


@dataclass(frozen=True)
class Transition:
    name: str
    source: frozenset[str]
    target: str
    role: str
    label: str


R, C = ROLE_REVIEWER, ROLE_COMMUNE
TRANSITIONS = {
    t.name: t
    for t in (
        Transition("submit", frozenset({"draft", "returned"}), "submitted", C, "Gửi thẩm định"),
        Transition("start_review", frozenset({"submitted"}), "under_review", R, "Bắt đầu thẩm định"),
        Transition("return", frozenset({"under_review"}), "returned", R, "Trả lại"),
        Transition("verify", frozenset({"under_review"}), "verified", R, "Xác nhận kết quả"),
        Transition("propose", frozenset({"verified"}), "proposed", R, "Lập tờ trình đề nghị công nhận"),
        Transition("recognise", frozenset({"proposed"}), "recognised", R, "Ghi quyết định công nhận"),
        Transition(
            "not_recognise", frozenset({"verified", "proposed"}), "not_recognised", R,
            "Ghi quyết định không công nhận",
        ),
    )
}


class IllegalTransition(Exception):
    """Refused with a Vietnamese message the user sees."""


def check(name: str, state: str, role: str) -> Transition:
    t = TRANSITIONS.get(name)
    if t is None:
        raise IllegalTransition("Thao tác không hợp lệ.")
    if role != t.role:
        raise IllegalTransition(f"Tài khoản của bạn không được phép thực hiện thao tác “{t.label}”.")
    if state not in t.source:
        raise IllegalTransition(
            f"Không thể “{t.label}” khi hồ sơ đang ở trạng thái “{STATE_LABELS.get(state, state)}”."
        )
    return t
