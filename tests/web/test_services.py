"""The web app's services called directly, without HTTP (as the CLI would): the spreadsheet import, the
commune's save and submit, a state change with its guards, the verified values. Each asserts what is stored
(rows, history entries) or, when refused, the Vietnamese message and that nothing was stored."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.io.sheets import template_workbook
from webform.db import get_session
from webform.engines import scoring
from webform.messages import (
    MSG_COMMENT_REQUIRED,
    MSG_CORRECTION_NOT_STORED,
    MSG_HAS_ERRORS,
    MSG_INCOMPLETE,
    MSG_NOT_EDITABLE,
    MSG_NOT_REVIEWING,
    MSG_OUT_OF_SCOPE,
    MSG_REASON_REQUIRED,
    MSG_REVIEWER_DRAFTS_ONLY,
    MSG_STALE,
    MSG_UNKNOWN_CODE,
)
from webform.models import Assessment, Commune, Correction, HistoryEntry, User, utcnow
from webform.services import review, self_assessment
from webform.services.errors import FieldRefused, Refused, Stale
from webform.services.figures import score_values, verified_result, verified_values
from webform.services.sheet_import import import_workbook

from .conftest import engine_total, example_values, form_data
from .district_util import fill, row_of

IA_TOI, IA_DAL = "23538", "23535"


@pytest.fixture
def ctx(app: Flask) -> Iterator[Session]:
    """An application context and its session, and no request: what a CLI command has."""
    with app.app_context():
        yield get_session()


def user(session: Session, name: str) -> User:
    return session.scalar(select(User).where(User.username == name))


def record(session: Session, code: str = IA_TOI, period: int = 2022) -> Assessment:
    return session.scalar(select(Assessment).join(Commune).where(Commune.code == code,
                                                                  Assessment.period == period))


def history(session: Session, a: Assessment) -> list[HistoryEntry]:
    return list(session.scalars(select(HistoryEntry).where(HistoryEntry.assessment_id == a.id)
                                .order_by(HistoryEntry.id)))


def count(session: Session, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model))


def workbook(session: Session, period: int, rows: dict[str, dict[str, Any]],
             codes: list[str]) -> tuple[bytes, dict[str, int]]:
    """The template of that year for these communes, filled as an officer fills it, saved as bytes; and the
    row of each commune."""
    cs = scoring().for_period(period)
    communes = [session.scalar(select(Commune).where(Commune.code == c)) for c in codes]
    wb = template_workbook(cs, period, [c.profile(period) for c in communes])
    at = {code: row_of(wb, code) for code in codes}
    for code, values in rows.items():
        fill(wb, at[code], values)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue(), at


def submitted(session: Session) -> Assessment:
    """Xã Ia Tơi's demo figures saved and submitted through the service, as the form does."""
    a = record(session)
    officer = user(session, "xa-iatoi")
    typed = self_assessment.typed_figures(a, form_data(example_values(), a.version))
    self_assessment.save(session, a, officer, typed, a.version, submit=True, confirmed=True)
    return a


# ---------------------------------------------------------------- the spreadsheet import

def test_import_stores_every_row_with_its_history(app: Flask, ctx: Session):
    values = example_values()
    data, _rows = workbook(ctx, 2022, {IA_TOI: values}, [IA_TOI])
    report = import_workbook(ctx, user(ctx, "xa-iatoi"), data, "ia-toi.xlsx", 2022)
    assert (report.errors, report.created, report.updated, report.refused) == ([], [], ["Xã Ia Tơi"], [])
    ctx.expire_all()
    a = record(ctx)
    assert (a.state, a.values, a.self_total) == ("draft", values, engine_total(app, values).total)
    entries = [e for e in history(ctx, a) if e.field.startswith("values.")]
    assert {e.field for e in entries} == {f"values.{k}" for k in values}
    assert {e.reason for e in entries} == {"Nhập từ bảng tính «ia-toi.xlsx»"}


def test_import_refuses_a_commune_outside_the_account_and_stores_no_row(ctx: Session):
    # Xã Ia Tơi's officer sends its own row (valid) and Ia Đal's: the whole file is refused.
    data, _rows = workbook(ctx, 2022, {IA_TOI: example_values(), IA_DAL: {"c3_abused": 0}}, [IA_TOI, IA_DAL])
    rows_before, entries_before = count(ctx, Assessment), count(ctx, HistoryEntry)
    report = import_workbook(ctx, user(ctx, "xa-iatoi"), data, "hai-xa.xlsx", 2022)
    assert [e.message for e in report.errors] == [MSG_OUT_OF_SCOPE.format(name="Xã Ia Đal", code=IA_DAL)]
    assert (report.created, report.updated) == ([], [])
    ctx.expire_all()
    assert record(ctx).values == {}
    assert (count(ctx, Assessment), count(ctx, HistoryEntry)) == (rows_before, entries_before)


def test_import_names_an_unknown_code(ctx: Session):
    data, _rows = workbook(ctx, 2022, {IA_TOI: {"commune.code": "99999"}}, [IA_TOI])
    report = import_workbook(ctx, user(ctx, "thamdinh"), data, "x.xlsx", 2022)
    assert [(e.header, e.message) for e in report.errors] == [
        ("Mã xã", MSG_UNKNOWN_CODE.format(code="99999"))]


def test_import_all_or_nothing_when_one_row_fails_the_engine(ctx: Session):
    # The reviewer's file: Ia Đal's row is fine, Ia Tơi's has a part larger than its whole.
    bad = example_values()
    bad["c2_registered_on_time"] = bad["c2_births"] + 1
    data, rows = workbook(ctx, 2022, {IA_DAL: {"c3_abused": 0}, IA_TOI: bad}, [IA_DAL, IA_TOI])
    entries_before = count(ctx, HistoryEntry)
    report = import_workbook(ctx, user(ctx, "thamdinh"), data, "huyen.xlsx", 2022)
    assert report.errors and {e.row for e in report.errors} == {rows[IA_TOI]}
    assert (report.created, report.updated, report.unchanged) == ([], [], [])
    ctx.expire_all()
    assert record(ctx, IA_DAL).values == {} and record(ctx).values == {}
    assert count(ctx, HistoryEntry) == entries_before


def test_import_by_the_team_never_touches_a_submitted_record(ctx: Session):
    a = submitted(ctx)
    sent = dict(a.values)
    data, rows = workbook(ctx, 2022, {IA_TOI: {"c3_abused": sent["c3_abused"] + 5}}, [IA_TOI])
    report = import_workbook(ctx, user(ctx, "thamdinh"), data, "huyen.xlsx", 2022)
    assert report.errors == [] and report.updated == []
    refusal = MSG_REVIEWER_DRAFTS_ONLY.format(state="Đã gửi")
    assert report.refused == [f"Dòng {rows[IA_TOI]}: Xã Ia Tơi — {refusal}"]
    ctx.expire_all()
    assert record(ctx).values == sent


def test_the_cli_imports_through_the_same_service(app: Flask, tmp_path):
    with app.app_context():
        data, _rows = workbook(get_session(), 2022, {IA_TOI: example_values()}, [IA_TOI])
    good, bad = tmp_path / "ia-toi.xlsx", tmp_path / "sai.xlsx"
    good.write_bytes(data)
    bad.write_bytes(b"not a workbook")
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["import-sheet", str(bad), "--period", "2022", "--as", "xa-iatoi"])
    assert refused.exit_code == 1 and "Chưa lưu gì: tệp có 1 lỗi." in refused.output
    done = runner.invoke(args=["import-sheet", str(good), "--period", "2022", "--as", "xa-iatoi"])
    assert done.exit_code == 0, done.output
    assert "Đã lưu: 0 hồ sơ mới, 1 hồ sơ cập nhật, 0 không đổi." in done.output
    with app.app_context():
        a = record(get_session())
        assert a.values == example_values()
        reasons = {e.reason for e in history(get_session(), a) if e.field.startswith("values.")}
        assert reasons == {"Nhập từ bảng tính «ia-toi.xlsx»"}


# ---------------------------------------------------------------- the commune's save and submit

def test_save_stores_the_figures_with_one_history_entry_each(app: Flask, ctx: Session):
    a, officer, values = record(ctx), user(ctx, "xa-iatoi"), example_values()
    typed = self_assessment.typed_figures(a, form_data(values, a.version))
    saved = self_assessment.save(ctx, a, officer, typed, a.version)
    total = engine_total(app, values).total
    assert (saved.stored, saved.submitted, saved.result.total) == (True, False, total)
    ctx.expire_all()
    a = record(ctx)
    assert (a.state, a.values, a.self_total) == ("draft", values, saved.result.total)
    changed = {e.field for e in history(ctx, a) if e.field.startswith("values.")}
    assert changed == {f"values.{k}" for k in values}


def test_save_refuses_typing_errors_and_stores_nothing(ctx: Session):
    a, officer = record(ctx), user(ctx, "xa-iatoi")
    entries = len(history(ctx, a))
    form = form_data(example_values(), a.version)
    form["v_c2_births"] = "mười"
    typed = self_assessment.typed_figures(a, form)
    with pytest.raises(Refused) as refused:
        self_assessment.save(ctx, a, officer, typed, a.version)
    assert (refused.value.status, refused.value.messages[0]) == (400, MSG_HAS_ERRORS)
    assert "c2_births" in typed.parsed.errors
    ctx.rollback()
    assert (record(ctx).values, len(history(ctx, a))) == ({}, entries)


def test_submit_waits_for_confirmation_then_sends(ctx: Session):
    a, officer = record(ctx), user(ctx, "xa-iatoi")
    typed = self_assessment.typed_figures(a, form_data(example_values(), a.version))
    first = self_assessment.save(ctx, a, officer, typed, a.version, submit=True, confirmed=False)
    assert (first.stored, first.submitted) == (False, False)
    ctx.rollback()
    assert (record(ctx).state, record(ctx).values) == ("draft", {})

    a = record(ctx)
    typed = self_assessment.typed_figures(a, form_data(example_values(), a.version))
    sent = self_assessment.save(ctx, a, officer, typed, a.version, submit=True, confirmed=True)
    assert (sent.stored, sent.submitted) == (True, True)
    ctx.expire_all()
    assert record(ctx).state == "submitted"
    assert [(e.old_value, e.new_value) for e in history(ctx, a) if e.field == "state"][-1] == (
        "draft", "submitted")


def test_submit_with_figures_missing_marks_each_and_stores_nothing(ctx: Session):
    a, officer = record(ctx), user(ctx, "xa-iatoi")
    values = example_values()
    values.pop("c3_abused")
    values.pop("c2_births")
    typed = self_assessment.typed_figures(a, form_data(values, a.version))
    with pytest.raises(Refused) as refused:
        self_assessment.save(ctx, a, officer, typed, a.version, submit=True, confirmed=True)
    assert refused.value.messages == [MSG_INCOMPLETE.format(n=2)]
    assert {"c3_abused", "c2_births"} <= set(typed.parsed.errors)
    ctx.rollback()
    assert (record(ctx).state, record(ctx).values) == ("draft", {})


def test_save_refuses_a_sent_record_and_an_old_page(ctx: Session):
    a = submitted(ctx)
    officer, sent = user(ctx, "xa-iatoi"), dict(a.values)
    typed = self_assessment.typed_figures(a, form_data({**sent, "c3_abused": 1}, a.version))
    with pytest.raises(Refused) as refused:
        self_assessment.save(ctx, a, officer, typed, a.version)
    assert (refused.value.status, refused.value.messages) == (409, [MSG_NOT_EDITABLE.format(state="Đã gửi")])

    # A draft saved from a page older than the record: Stale, with the record as it is now.
    draft = record(ctx, IA_DAL)
    dal = user(ctx, "xa-iadal")
    typed = self_assessment.typed_figures(draft, form_data(example_values(), draft.version))
    with pytest.raises(Stale) as stale:
        self_assessment.save(ctx, draft, dal, typed, draft.version - 1)
    assert stale.value.current is draft
    ctx.rollback()
    assert record(ctx, IA_DAL).values == {} and record(ctx).values == sent


# ---------------------------------------------------------------- a state change with its guards

def test_transition_runs_the_guards_and_records_history(ctx: Session):
    a = submitted(ctx)
    team = user(ctx, "thamdinh")
    assert review.transition(ctx, a, team, "start_review", {}, a.version, confirmed=False).done
    assert a.state == "under_review"

    # "Trả lại" without the team's comment: refused, nothing stored.
    entries = len(history(ctx, a))
    with pytest.raises(Refused) as refused:
        review.transition(ctx, a, team, "return", {"comment": " "}, a.version, confirmed=False)
    assert (refused.value.status, refused.value.messages) == (400, [MSG_COMMENT_REQUIRED])
    ctx.rollback()
    assert (record(ctx).state, len(history(ctx, a))) == ("under_review", entries)

    # Verify before every item is decided: refused with how many are left.
    with pytest.raises(Refused) as refused:
        review.transition(ctx, a, team, "verify", {}, a.version, confirmed=True)
    assert refused.value.messages[0].startswith("Chưa xác nhận được kết quả: còn ")

    review.accept_remaining(ctx, a, team.id)
    ctx.commit()
    planned = review.transition(ctx, a, team, "verify", {}, a.version, confirmed=False)
    assert not planned.done and planned.planned.summary[0].startswith("Kết quả thẩm định của Xã Ia Tơi")
    ctx.rollback()
    assert record(ctx).state == "under_review"

    outcome = review.transition(ctx, a, team, "verify", {}, a.version, confirmed=True)
    assert outcome.done
    ctx.expire_all()
    a = record(ctx)
    assert (a.state, a.verified_total) == ("verified", outcome.planned.result.total)
    fields = [e.field for e in history(ctx, a)]
    assert fields[-2:] == ["verified_total", "state"]


def test_transition_refuses_the_wrong_role_and_an_old_page(ctx: Session):
    a = submitted(ctx)
    with pytest.raises(Refused) as refused:
        review.transition(ctx, a, user(ctx, "xa-iatoi"), "start_review", {}, a.version, confirmed=True)
    assert refused.value.status == 409 and "không được phép" in refused.value.messages[0]
    with pytest.raises(Stale) as stale:
        review.transition(ctx, a, user(ctx, "thamdinh"), "start_review", {}, a.version - 1, confirmed=True)
    assert stale.value.messages == [MSG_STALE]
    ctx.rollback()
    assert record(ctx).state == "submitted"


def test_a_decision_needs_number_signer_and_a_real_date(ctx: Session):
    a = submitted(ctx)
    team = user(ctx, "thamdinh")
    review.transition(ctx, a, team, "start_review", {}, a.version, confirmed=True)
    review.accept_remaining(ctx, a, team.id)
    ctx.commit()
    review.transition(ctx, a, team, "verify", {}, a.version, confirmed=True)
    review.transition(ctx, a, team, "propose", {}, a.version, confirmed=True)
    with pytest.raises(Refused) as refused:
        review.transition(ctx, a, team, "recognise", {"decision_date": "31/02/2022"}, a.version,
                          confirmed=True)
    assert refused.value.messages == ["Phải ghi số quyết định.", "Phải ghi người ký quyết định.",
                                      "Ngày quyết định không hợp lệ (ví dụ: 20/12/2022)."]
    ctx.rollback()
    assert record(ctx).state == "proposed"


def test_a_correction_needs_a_reason_and_is_stored_with_its_history(ctx: Session):
    a = submitted(ctx)
    team = user(ctx, "thamdinh")
    sent = a.values["c3_abused"]
    with pytest.raises(Refused) as refused:
        review.correct(ctx, a, team, "c3_abused", "1", "Theo sổ", "", a.version)
    assert (refused.value.status, refused.value.messages) == (409, [MSG_NOT_REVIEWING])
    review.transition(ctx, a, team, "start_review", {}, a.version, confirmed=True)
    entries = len(history(ctx, a))
    with pytest.raises(FieldRefused) as no_reason:
        review.correct(ctx, a, team, "c3_abused", str(sent + 2), "  ", "", a.version)
    assert (no_reason.value.error, no_reason.value.messages) == (
        MSG_REASON_REQUIRED, [MSG_CORRECTION_NOT_STORED.format(error=MSG_REASON_REQUIRED)])
    ctx.rollback()
    assert (record(ctx).corrections, len(history(ctx, a))) == ([], entries)

    label = review.correct(ctx, a, team, "c3_abused", str(sent + 2), "Theo sổ theo dõi", "Sổ 2022", a.version)
    assert label == scoring().for_period(2022).input("c3_abused").label
    ctx.expire_all()
    a = record(ctx)
    assert [(c.input_id, c.commune_value, c.team_value) for c in a.corrections] == [
        ("c3_abused", sent, sent + 2)]
    assert a.values["c3_abused"] == sent  # the commune's own figure stays as sent
    last = history(ctx, a)[-1]
    assert (last.field, last.old_value, last.new_value, last.reason) == (
        "correction.c3_abused", str(sent), str(sent + 2), "Theo sổ theo dõi (Minh chứng: Sổ 2022)")


# ---------------------------------------------------------------- the verified values

def test_verified_values_lay_the_corrections_over_the_communes_figures(app: Flask, ctx: Session):
    a = submitted(ctx)
    sent = dict(a.values)
    a.corrections.append(Correction(input_id="c3_abused", commune_value=sent["c3_abused"],
                                    team_value=sent["c3_abused"] + 3, reason="test", evidence="",
                                    user_id=user(ctx, "thamdinh").id, created_at=utcnow()))
    ctx.flush()
    assert verified_values(a) == {**sent, "c3_abused": sent["c3_abused"] + 3}
    assert a.values == sent  # the commune's own figures stay as they were sent
    assert verified_result(a).total == engine_total(app, verified_values(a)).total
    assert score_values(a, sent).total == engine_total(app, sent).total
    ctx.rollback()
