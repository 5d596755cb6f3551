"""The commune flags of the web app, generated from the link tables' declarations (engine/flags.py).

The administrator's form, the unit spreadsheet, the self-assessment template and what reaches the engine all
read the flags from here; no flag is named in Python, so a flag declared in a link table's YAML appears in
all of them without a code change or a migration (values live in the `commune_flags` table).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.flags import DeclaredFlag

FIELD_PREFIX = "flag_"
MSG_NOT_CHECKBOX = "«{label}»: chỉ đánh dấu hoặc bỏ đánh dấu ô này."
MSG_UNKNOWN_FLAG = "Cờ «{id}» không có trong bảng liên hệ nào đang áp dụng: không lưu."


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
