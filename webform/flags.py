"""The commune flags of the web app, generated from the link tables' declarations (engine/flags.py).

The administrator's form, the unit spreadsheet, the self-assessment template and what reaches the engine all
read the flags from here; no flag is named in Python, so a flag declared in a link table's YAML appears in
all of them without a code change or a migration (values live in the `commune_flags` table).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from engine.flags import DeclaredFlag

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .models import Commune

FIELD_PREFIX = "flag_"
MSG_NOT_CHECKBOX = "«{label}»: chỉ đánh dấu hoặc bỏ đánh dấu ô này."
MSG_UNKNOWN_FLAG = "Cờ «{id}» không có trong bảng liên hệ nào đang áp dụng: không lưu."
HISTORY_PREFIX = "commune_flags."  # the history's field of a flag: "commune_flags.<id>"


def declared() -> tuple[DeclaredFlag, ...]:
    """The flags the link tables loaded by this process declare, once per id."""
    from .engines import scoring

    return tuple(scoring().catalog.commune_flags())


def declared_ids() -> set[str]:
    return {f.id for f in declared()}


def form_field(flag_id: str) -> str:
    return FIELD_PREFIX + flag_id


def parse_form(form: Any) -> tuple[dict[str, bool], dict[str, str], dict[str, str]]:
    """(flags, errors by field, raw by field) from a form with one checkbox per declared flag. An unticked
    box is absent; a ticked one sends "1". Anything else, or a flag no table declares, is an error."""
    flags = declared()
    known = {form_field(f.id) for f in flags}
    values: dict[str, bool] = {}
    errors: dict[str, str] = {}
    raw: dict[str, str] = {}
    for flag in flags:
        name = form_field(flag.id)
        sent = form.getlist(name)
        raw[name] = sent[0] if len(sent) == 1 else ""
        if not sent:
            values[flag.id] = False
        elif sent == ["1"]:
            values[flag.id] = True
        else:
            errors[name] = MSG_NOT_CHECKBOX.format(label=flag.label)
    unknown = [key for key in form if key.startswith(FIELD_PREFIX) and key not in known]
    if unknown:
        shown = unknown[0][len(FIELD_PREFIX):][:40]
        errors["flags"] = MSG_UNKNOWN_FLAG.format(id=shown)
    return values, errors, raw


def engine_flags(stored: Mapping[str, bool]) -> dict[str, bool]:
    """The stored flags that a link table still declares: a flag whose table was removed from criteria/
    stays in the database but must not reach the engine, which would refuse it as unknown."""
    ids = declared_ids()
    return {key: bool(value) for key, value in stored.items() if key in ids}


def history_labels() -> dict[str, str]:
    """How the history page names a flag's entries."""
    return {HISTORY_PREFIX + f.id: f"Thông tin xã: {f.label}" for f in declared()}


def set_flags(session: Session, commune: Commune, values: Mapping[str, bool], user_id: int | None,
              reason: str) -> bool:
    """Set a commune's flags (ids the caller has checked are declared); True if any changed. Every value that
    changes is written, with who, when, old → new and why, to the history of each record of the commune:
    the NTM link of every one of its records reads the flag. A commune being created has no record yet."""
    from sqlalchemy import select

    from . import history
    from .models import Assessment

    records = None
    changed = False
    for flag_id, value in values.items():
        old = commune.flags.get(flag_id, False)
        if not commune.set_flag(flag_id, value):
            continue
        changed = True
        if commune.id is None:
            continue
        if records is None:
            records = list(session.scalars(select(Assessment).where(Assessment.commune_id == commune.id)
                                           .order_by(Assessment.period, Assessment.id)))
        for a in records:
            history.record(session, a, user_id, HISTORY_PREFIX + flag_id, old, value, reason)
    return changed
