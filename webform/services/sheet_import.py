"""A filled spreadsheet template (the district's or a commune's file) stored as drafts, in one transaction:
all rows or none. The upload page, the CLI and the tests call `import_workbook`.

Nothing here knows a criterion: columns, inputs and checks come from the criteria YAML through the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine.states import EDITABLE_STATES, STATE_LABELS

from .. import history
from ..db import write_lock
from ..engines import make_assessment, score_or_none, scoring
from ..form_values import nfc
from ..messages import (
    MSG_CODE_TWICE,
    MSG_CONFLICTS_WITH_DRAFT,
    MSG_FLAG_NOT_FROM_SHEET,
    MSG_NO_CODE,
    MSG_NO_CRITERIA,
    MSG_OUT_OF_SCOPE,
    MSG_REVIEWER_DRAFTS_ONLY,
    MSG_SHEET_CHANGED,
    MSG_SHEET_NOT_EDITABLE,
    MSG_UNKNOWN_CODE,
    MSG_WRONG_PERIOD,
)
from ..models import ROLE_COMMUNE, Assessment, Commune, User
from ..units import communes_on, communes_visible, reference_date
from ..versions import in_force


@dataclass
class UploadReport:
    """What became of each row: the cell errors (nothing stored when there is one), and the communes whose
    draft was created, updated, left unchanged, or refused (a row refused stores nothing of that row)."""

    errors: list[Any] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def nothing_stored(self, error: Any = None) -> UploadReport:
        if error is not None:
            self.errors.append(error)
        self.created.clear()
        self.updated.clear()
        self.unchanged.clear()
        return self


@dataclass
class _Upload:
    """One upload under way: the criteria set, its engine, the account, and the report being written."""

    session: Session
    user: User
    period: int
    cs: Any
    engine: Any
    letters: dict[str, str]
    report: UploadReport
    reason: str

    @property
    def own(self) -> bool:
        # A commune officer's file: its own figures may be quoted back to it.
        return self.user.role == ROLE_COMMUNE


def criteria_for(period: int) -> Any:
    """The criteria set in force for a year, or None (no set covers it): a message, never a crash."""
    try:
        return in_force(period)
    except LookupError:
        return None


def import_workbook(session: Session, user: User, data: bytes, filename: str, period: int) -> UploadReport:
    """Create or update the drafts of a filled template in one transaction: all rows or none. The rows may
    name only communes in the account's scope that year (webform.units.communes_visible)."""
    from engine.io.sheets import CellError, read_workbook

    report = UploadReport()
    cs = criteria_for(period)
    if cs is None:
        report.errors.append(CellError("", 0, "", "", MSG_NO_CRITERIA.format(period=period)))
        return report
    eng = scoring().engine_for(cs)
    rows, errors = read_workbook(data, cs, validate=eng.validate, filename=filename, flags=eng.commune_flags)
    report.errors.extend(errors)
    up = _Upload(session, user, period, cs, eng, _column_letters(cs, eng.commune_flags), report,
                 f"Nhập từ bảng tính «{nfc(filename)[:120]}»")
    plan = _plan_rows(up, rows)
    if report.errors:
        return report
    try:
        with write_lock(session):  # one write transaction for the whole file
            for row, commune in plan:
                _store_row(up, row, commune)
            if report.errors:
                session.rollback()
                return report.nothing_stored()
            session.commit()
    except (StaleDataError, SQLAlchemyError):
        session.rollback()
        report.nothing_stored(CellError("", 0, "", "", MSG_SHEET_CHANGED))
    return report


def _plan_rows(up: _Upload, rows: list[Any]) -> list[tuple[Any, Commune]]:
    """The rows to store, each with its commune; every row naming no commune of the account's scope, or one
    already named, or another year, is a cell error."""
    from engine.io.sheets import CellError

    registry = {c.code: c for c in communes_on(reference_date(up.period))}
    allowed = {c.code for c in communes_visible(up.user, up.period)}
    seen: dict[str, int] = {}
    plan: list[tuple[Any, Commune]] = []
    for row in rows:
        def bad(key: str, header: str, message: str, row: Any = row) -> None:
            up.report.errors.append(CellError(row.sheet, row.row, up.letters.get(key, ""), header, message))

        code = str(row.document["commune"].get("code") or "")
        commune = registry.get(code)
        problem = _code_problem(code, commune, allowed, seen)
        if problem:
            bad("commune.code", "Mã xã", problem)
        if row.document.get("period") != up.period:
            bad("period", "Năm đánh giá", MSG_WRONG_PERIOD.format(period=up.period))
        if commune is not None and not problem:
            seen[code] = row.row
            plan.append((row, commune))
            for flag in up.engine.commune_flags:
                sent = row.document["commune"].get(flag.id)
                stored = commune.flags.get(flag.id, False)
                if isinstance(sent, bool) and sent != stored:
                    bad(f"commune.{flag.id}", flag.short, MSG_FLAG_NOT_FROM_SHEET.format(
                        label=flag.short, name=commune.name, stored="Có" if stored else "Không"))
    return plan


def _code_problem(code: str, commune: Commune | None, allowed: set[str], seen: dict[str, int]) -> str:
    if not code:
        return MSG_NO_CODE
    if commune is None:
        return MSG_UNKNOWN_CODE.format(code=code)
    if code not in allowed:
        return MSG_OUT_OF_SCOPE.format(name=commune.name, code=code)
    if code in seen:
        return MSG_CODE_TWICE.format(name=commune.name, row=seen[code])
    return ""


def _refusal(up: _Upload, a: Assessment | None) -> str | None:
    """Why this row's record may not take figures from a file, or None."""
    if a is None:
        return None
    state = STATE_LABELS.get(a.state, a.state)
    if not up.own and a.state != "draft":
        # A returned or submitted record holds figures the commune sent: a district file must not change
        # them behind its back (corrections are made, with a reason, on the review page).
        return MSG_REVIEWER_DRAFTS_ONLY.format(state=state)
    if a.state not in EDITABLE_STATES:
        return MSG_SHEET_NOT_EDITABLE.format(state=state)
    return None


def _store_row(up: _Upload, row: Any, commune: Commune) -> None:
    """Store one row's figures on its commune's draft (created if none), or report why not."""
    from engine.io.sheets import CellError

    session, report = up.session, up.report
    a = session.scalar(select(Assessment).where(Assessment.commune_id == commune.id,
                                                Assessment.period == up.period))
    refusal = _refusal(up, a)
    if refusal is not None:
        report.refused.append(f"Dòng {row.row}: {commune.name} — {refusal}")
        return
    # A blank cell keeps the stored figure: a file never erases what was typed on the form.
    old = dict(a.values or {}) if a is not None else {}
    new = {**old, **row.document["values"]}
    doc = make_assessment(commune.profile(up.period), up.period, new)
    problems = up.engine.validate(doc)
    for fe in problems:
        label = _input_label(up.cs, str(fe.field))
        # The commune's own stored figures may be quoted to the commune; to the district a draft's figures
        # are not shown, so the message names the field only.
        message = fe.message if up.own or a is None else MSG_CONFLICTS_WITH_DRAFT.format(label=label)
        report.errors.append(CellError(row.sheet, row.row, up.letters.get(str(fe.field), ""), label, message))
    if problems:
        return
    if a is None:
        a = Assessment(commune_id=commune.id, period=up.period, criteria_set_id=up.cs.id,
                       criteria_hash=up.cs.content_hash, state="draft", values={}, sources={})
        session.add(a)
        session.flush()
        history.record(session, a, up.user.id, "state", None, "draft", up.reason)
        report.created.append(commune.name)
    elif new == old:
        # To the district, "unchanged" would tell that the file matches the draft's figures.
        (report.unchanged if up.own else report.updated).append(commune.name)
        return
    else:
        report.updated.append(commune.name)
    # The same history and totals as a save of the form.
    result = score_or_none(up.engine, doc)
    history.store_figures(session, a, up.user.id, new, result.total if result is not None else None,
                          [d.id for d in up.cs.inputs], reason=up.reason)


def _column_letters(cs: Any, flags: Any = ()) -> dict[str, str]:
    from openpyxl.utils import get_column_letter

    from engine.io.sheets import columns

    return {col.key: get_column_letter(n) for n, col in enumerate(columns(cs, flags), start=1)}


def _input_label(cs: Any, field: str) -> str:
    name = field.split(".", 1)[1] if field.startswith("values.") else field
    return cs.input(name).label if cs.has_input(name) else name
