"""Who may move an assessment from which state to which (docs/reference/workflow-and-documents.md)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# The states, their labels and their groupings are engine/states.py's; this module says who moves what.
from engine.states import EDITABLE_STATES, STATE_LABELS, STATES, WAITING_STATES

from .messages import MSG_NOT_ALL_DECIDED
from .models import ROLE_COMMUNE, ROLE_REVIEWER


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
        Transition("submit", EDITABLE_STATES, "submitted", C, "Gửi thẩm định"),
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


# The steps that cannot be undone by the same user: each is confirmed on a page of its own first, so that it
# also works without JavaScript.
CONFIRMED_TRANSITIONS = frozenset({"verify", "propose", "recognise", "not_recognise"})


def corrected_items(cs: Any, corrected_inputs: Iterable[str]) -> set[str]:
    """Items whose figures the team corrected: a correction of an input decides every item that reads it."""
    inputs = set(corrected_inputs)
    return {i.id for i in cs.items if inputs.intersection(i.inputs)}


def undecided_items(cs: Any, accepted: Iterable[str], corrected_inputs: Iterable[str]) -> list[Any]:
    """The items (criteria YAML order) the team has neither accepted nor corrected."""
    decided = set(accepted) | corrected_items(cs, corrected_inputs)
    return [i for i in cs.items if i.id not in decided]


def require_all_decided(cs: Any, accepted: Iterable[str], corrected_inputs: Iterable[str]) -> None:
    """Verify is refused until every item is accepted or corrected: the biên bản says the team checked all."""
    left = undecided_items(cs, accepted, corrected_inputs)
    if left:
        raise IllegalTransition(MSG_NOT_ALL_DECIDED.format(
            left=len(left), total=len(cs.items), ids=", ".join(i.id for i in left)))


def period_with_work(rows: Iterable[tuple[int, str]]) -> int | None:
    """The year a district page opens on, from (period, state) of the assessments it can see: the newest year
    with a record waiting for the team; else the newest year with a submitted record; else the newest year.
    A commune starting next year's draft must not hide this year's submitted records."""
    rows = list(rows)
    for states in (WAITING_STATES, STATES - {"draft"}):
        years = [p for p, s in rows if s in states]
        if years:
            return max(years)
    return max((p for p, _s in rows), default=None)
