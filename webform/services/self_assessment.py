"""The commune's self-assessment: what was typed, checked by the engine; saved as a draft, or submitted to
the team. The form's route, the CLI and the tests call these."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine.states import EDITABLE_STATES, STATE_LABELS

from .. import history
from ..db import commit, write_lock
from ..engines import make_assessment, score_or_none
from ..form_values import MSG_MISSING, ParsedForm, parse_form, validate
from ..messages import MSG_HAS_ERRORS, MSG_INCOMPLETE, MSG_NOT_EDITABLE, MSG_RESUBMITTED
from ..models import Assessment, User
from ..versions import criteria_of, engine_of
from ..workflow import TRANSITIONS, IllegalTransition, check
from .errors import Refused, Stale


@dataclass
class Typed:
    """The figures as typed, parsed and checked by the engine (nothing stored)."""

    cs: Any
    engine: Any
    parsed: ParsedForm
    document: dict[str, Any]


def typed_figures(a: Assessment, form: Mapping[str, Any]) -> Typed:
    """Parse what the form sent (v_<input>, s_<input>) and check it with the engine, storing nothing."""
    cs = criteria_of(a)
    eng = engine_of(a)
    parsed = parse_form(cs, form)
    doc = make_assessment(a.commune.profile(a.period), a.period, parsed.values)
    # Every error in one round: the engine's checks (part > whole, ranges) run on the figures that did parse,
    # alongside the typing errors, rather than only once those are fixed.
    validate(eng, doc, parsed)
    return Typed(cs, eng, parsed, doc)


@dataclass
class Saved:
    """What `save` did: `stored` False means a submit waits for the user's confirmation (nothing stored)."""

    result: Any
    stored: bool
    submitted: bool


def save(session: Session, a: Assessment, user: User, typed: Typed, version: int | None, *,
         submit: bool = False, confirmed: bool = False) -> Saved:
    """Store the typed figures (a history entry per changed figure) and, for a submit, send the record to
    the team; commit. Refused (nothing stored): not editable (409), figures with errors (400), a submit
    with figures missing (400, each missing field marked in typed.parsed.errors), a submit not allowed (409).
    Stale when the record changed since the page showed `version`, or while this wrote."""
    parsed = typed.parsed
    if a.state not in EDITABLE_STATES:
        raise Refused([MSG_NOT_EDITABLE.format(state=STATE_LABELS.get(a.state, a.state))], 409)
    if parsed.errors or parsed.general_errors:
        raise Refused([MSG_HAS_ERRORS, *parsed.general_errors])
    if version != a.version:
        raise Stale([], a)
    result = score_or_none(typed.engine, typed.document)
    if submit:
        _check_submit(a, user, typed, result)
        if not confirmed:
            # Sending cannot be undone by the commune: the caller says what goes and asks once more.
            return Saved(result, stored=False, submitted=False)
    total = result.total if result is not None else None
    order = [d.id for d in typed.cs.inputs]
    if not submit:
        # A draft: the figures and their history rows in two statements (history.save_figures).
        with write_lock(session):
            stored = history.save_figures(session, a, user.id, parsed.values, total, order, parsed.sources)
            if stored:
                session.commit()
        if not stored:
            session.rollback()
            raise Stale([], session.get(Assessment, a.id))
        return Saved(result, stored=True, submitted=False)
    history.store_figures(session, a, user.id, parsed.values, total, order, sources=parsed.sources)
    _submit(session, a, user, TRANSITIONS["submit"].target)
    try:
        commit(session)
    except StaleDataError:
        session.rollback()
        raise Stale([], session.get(Assessment, a.id)) from None
    return Saved(result, stored=True, submitted=submit)


def _check_submit(a: Assessment, user: User, typed: Typed, result: Any) -> None:
    """A record is sent only complete and scorable, by whom may send it; each missing field is marked."""
    parsed = typed.parsed
    missing = [d.id for d in typed.cs.inputs if d.id not in parsed.values]
    if missing or result is None:
        for input_id in missing:
            parsed.errors[input_id] = MSG_MISSING
        raise Refused([MSG_INCOMPLETE.format(n=len(missing))])
    try:
        check("submit", a.state, user.role)
    except IllegalTransition as exc:
        raise Refused([str(exc)], 409) from None


def _submit(session: Session, a: Assessment, user: User, target: str) -> None:
    if a.corrections or a.item_reviews:
        # A re-submission replaces the figures; the team's earlier corrections stay in the history.
        history.record(session, a, user.id, "review", None, None, MSG_RESUBMITTED)
        a.corrections.clear()
        a.item_reviews.clear()
    history.record(session, a, user.id, "state", a.state, target, None)
    a.state = target
    a.return_comment = None
    a.verified_total = None
    a.verified_recognised = None
