"""The district team: queue, accept, correct with reason, return, verify, propose, decide; history."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from .conftest import assessment_of, engine_total, example_values, form_data, history_of


def submit(app: Flask, officer: FlaskClient, values: dict | None = None, code: str = "23538") -> int:
    a = assessment_of(app, code)
    r = officer.post(
        f"/assessment/{a.id}", data=form_data(values or example_values(), a.version, action="submit")
    )
    assert r.status_code == 302, r.text[:500]
    return a.id


def act(app: Flask, reviewer: FlaskClient, aid: int, name: str, confirmed: bool = True, **fields: str):
    """A state change as the page posts it; confirmed: as posted from its confirmation page."""
    a = assessment_of(app)
    data = {"name": name, "version": a.version, **fields}
    if confirmed:
        data["confirmed"] = "1"
    return reviewer.post(f"/review/{aid}/transition", data=data)


def accept_rest(app: Flask, reviewer: FlaskClient, aid: int, confirmed: bool = True):
    data = {"version": assessment_of(app).version}
    if confirmed:
        data["confirmed"] = "1"
    return reviewer.post(f"/review/{aid}/accept-rest", data=data)


def correct(
    app: Flask,
    reviewer: FlaskClient,
    aid: int,
    input_id: str,
    value: str,
    reason: str = "",
    evidence: str = "",
):
    a = assessment_of(app)
    data = {
        "input_id": input_id,
        "value": value,
        "reason": reason,
        "evidence": evidence,
        "version": a.version,
    }
    return reviewer.post(f"/review/{aid}/correct", data=data)


def test_queue_lists_the_district_communes_by_period_and_state(app: Flask, officer, reviewer):
    submit(app, officer)
    page = reviewer.get("/review/?period=2022").text
    for name in ("Xã Ia Tơi", "Xã Ia Đal", "Xã Ia Dom"):
        assert name in page
    assert "Đã gửi" in page
    page = reviewer.get("/review/?period=2022&state=submitted").text
    assert "Xã Ia Tơi" in page and "Xã Ia Đal" not in page
    assert "<svg" in page and "Tổng điểm so với điểm chuẩn" in page  # chart of the submitted total
    page = reviewer.get("/review/?state=bogus").text  # an unknown filter is ignored, not an error
    assert "Xã Ia Đal" in page


def test_full_review_correct_verify_propose_recognise(app: Flask, officer, reviewer):
    values = example_values()
    aid = submit(app, officer, values)
    assert act(app, reviewer, aid, "start_review").status_code == 302
    assert assessment_of(app).state == "under_review"

    r = reviewer.post(f"/review/{aid}/accept", data={"item_id": "1.1", "version": assessment_of(app).version})
    assert r.status_code == 302
    # Correct one figure: the support records show more children in special circumstances supported.
    new = values["c6_special_supported"] + 2
    r = correct(
        app,
        reviewer,
        aid,
        "c6_special_supported",
        str(new),
        "Hồ sơ trợ giúp ghi nhiều hơn",
        "Danh sách trợ giúp 2022, trang 12",
    )
    assert r.status_code == 302
    a = assessment_of(app)
    assert a.values["c6_special_supported"] == values["c6_special_supported"]  # the commune's stays
    assert [(c.input_id, c.commune_value, c.team_value) for c in a.corrections] == [
        ("c6_special_supported", values["c6_special_supported"], new)
    ]

    expected_self = engine_total(app, values)
    expected_verified = engine_total(app, {**values, "c6_special_supported": new})
    assert expected_verified.total != expected_self.total and expected_verified.recognised
    page = reviewer.get(f"/review/{aid}").text
    assert "Liên hệ nông thôn mới" in page and expected_verified.ntm[0].status_text in page
    assert f'id="self-total">{expected_self.total}<' in page
    assert f'id="verified-total">{expected_verified.total}<' in page
    assert "Hồ sơ trợ giúp ghi nhiều hơn" in page and "Danh sách trợ giúp 2022, trang 12" in page

    assert accept_rest(app, reviewer, aid).status_code == 302
    assert act(app, reviewer, aid, "verify").status_code == 302
    a = assessment_of(app)
    assert a.state == "verified" and a.verified_total == expected_verified.total
    assert a.verified_recognised == expected_verified.recognised
    assert act(app, reviewer, aid, "propose").status_code == 302
    r = act(
        app,
        reviewer,
        aid,
        "recognise",
        decision_number="125/QĐ-UBND",
        decision_date="2022-12-20",
        decision_signer="Chủ tịch UBND huyện Ia H'Drai",
    )
    assert r.status_code == 302
    a = assessment_of(app)
    assert a.state == "recognised" and a.decision_number == "125/QĐ-UBND"
    assert str(a.decision_date) == "2022-12-20"
    assert "Quyết định số" in reviewer.get(f"/review/{aid}").text
    page = officer.get(f"/assessment/{aid}").text  # the commune sees the outcome
    assert f"Kết quả thẩm định: <strong>{expected_verified.total}</strong>" in page and "125/QĐ-UBND" in page

    hist = history_of(app, aid)
    corr = [h for h in hist if h.field == "correction.c6_special_supported"]
    assert len(corr) == 1
    assert corr[0].old_value == str(values["c6_special_supported"]) and corr[0].new_value == str(new)
    assert "Hồ sơ trợ giúp ghi nhiều hơn" in corr[0].reason
    assert corr[0].user.username == "thamdinh"
    assert ("submitted", "under_review") in [(h.old_value, h.new_value) for h in hist if h.field == "state"]
    page = reviewer.get(f"/assessment/{aid}/history").text
    assert "Điều chỉnh:" in page and "Hồ sơ trợ giúp ghi nhiều hơn" in page


def test_correction_needs_a_reason_and_a_valid_value(app: Flask, officer, reviewer):
    values = example_values()
    aid = submit(app, officer, values)
    act(app, reviewer, aid, "start_review")
    r = correct(app, reviewer, aid, "c7_fully_immunised", "30")
    assert r.status_code == 400 and "Phải ghi lý do điều chỉnh." in r.text
    assert 'value="30"' in r.text  # what was typed stays
    r = correct(app, reviewer, aid, "c7_fully_immunised", "ba mươi", "lý do")
    assert r.status_code == 400 and "Phải là số nguyên không âm" in r.text and 'value="ba mươi"' in r.text
    r = correct(app, reviewer, aid, "c7_fully_immunised", "", "lý do")
    assert r.status_code == 400 and "Phải nhập giá trị sau điều chỉnh." in r.text
    # A part larger than its whole is refused too.
    r = correct(app, reviewer, aid, "c7_fully_immunised", str(values["c7_under1"] + 1), "lý do")
    assert r.status_code == 400 and "không được lớn hơn" in r.text
    assert assessment_of(app).corrections == []
    assert not [h for h in history_of(app, aid) if h.field.startswith("correction.")]
    r = reviewer.post(
        f"/review/{aid}/correct",
        data={"input_id": "khong_co", "value": "1", "reason": "x", "version": assessment_of(app).version},
    )
    assert r.status_code == 400


def test_return_needs_a_comment_and_goes_back_to_the_commune(app: Flask, officer, reviewer):
    values = example_values()
    aid = submit(app, officer, values)
    act(app, reviewer, aid, "start_review")
    correct(app, reviewer, aid, "c2_births", str(values["c2_births"] + 1), "Sổ hộ tịch")
    r = act(app, reviewer, aid, "return")
    assert r.status_code == 400 and "Phải ghi ý kiến" in r.text
    assert assessment_of(app).state == "under_review"
    assert act(app, reviewer, aid, "return", comment="Bổ sung minh chứng tiêu chí 7").status_code == 302
    a = assessment_of(app)
    assert a.state == "returned" and a.return_comment == "Bổ sung minh chứng tiêu chí 7"
    page = officer.get(f"/assessment/{aid}").text
    assert "Bổ sung minh chứng tiêu chí 7" in page and 'value="submit"' in page
    # The commune re-submits; the figures are replaced, the earlier correction stays in the history.
    submit(app, officer, {**values, "c2_births": values["c2_births"] + 1})
    a = assessment_of(app)
    assert a.state == "submitted" and a.corrections == [] and a.return_comment is None
    assert any(h.field == "correction.c2_births" for h in history_of(app, aid))


ILLEGAL_FROM_SUBMITTED = ["verify", "return", "propose", "recognise", "not_recognise", "submit", "zzz"]


@pytest.mark.parametrize("name", ILLEGAL_FROM_SUBMITTED)
def test_illegal_transitions_from_submitted_are_refused_with_a_message(app, officer, reviewer, name):
    aid = submit(app, officer)
    r = act(app, reviewer, aid, name, comment="x")
    assert r.status_code == 409
    assert "Không thể" in r.text or "không được phép" in r.text or "không hợp lệ" in r.text
    assert assessment_of(app).state == "submitted"


def test_commune_cannot_review_and_reviewer_cannot_submit(app: Flask, officer, reviewer):
    aid = submit(app, officer)
    assert officer.post(f"/review/{aid}/transition", data={"name": "start_review"}).status_code == 403
    a = assessment_of(app)
    r = reviewer.post(f"/assessment/{aid}", data=form_data(example_values(), a.version, action="submit"))
    assert r.status_code == 403


def test_verify_needs_complete_figures_and_not_recognised_needs_a_decision(app: Flask, officer, reviewer):
    values = example_values()
    values["c1_officer"] = False
    values["c12_play_area"] = False
    values["c13_children_satisfied"] = 0
    values["c13_adults_satisfied"] = 0
    aid = submit(app, officer, values)
    expected = engine_total(app, values)
    act(app, reviewer, aid, "start_review")
    accept_rest(app, reviewer, aid)
    assert act(app, reviewer, aid, "verify").status_code == 302
    a = assessment_of(app)
    assert a.verified_recognised is expected.recognised is False
    r = act(app, reviewer, aid, "propose")
    assert r.status_code == 409 and "Chỉ lập tờ trình" in r.text
    r = act(
        app,
        reviewer,
        aid,
        "not_recognise",
        decision_number="",
        decision_date="2022-13-40",
        decision_signer="",
    )
    assert r.status_code == 400
    assert "Phải ghi số quyết định." in r.text and "Ngày quyết định không hợp lệ" in r.text
    r = act(
        app,
        reviewer,
        aid,
        "not_recognise",
        decision_number="130/QĐ-UBND",
        decision_date="2022-12-21",
        decision_signer="Chủ tịch UBND huyện",
    )
    assert r.status_code == 302
    assert assessment_of(app).state == "not_recognised"
    # A closed assessment accepts no more actions.
    assert act(app, reviewer, aid, "verify").status_code == 409


def test_stale_review_action_is_refused(app: Flask, officer, reviewer):
    aid = submit(app, officer)
    act(app, reviewer, aid, "start_review")
    old = assessment_of(app).version
    correct(app, reviewer, aid, "c2_births", "43", "Sổ hộ tịch")
    data = {"input_id": "c2_births", "value": "44", "reason": "khác", "version": old}
    r = reviewer.post(f"/review/{aid}/correct", data=data)
    assert r.status_code == 409 and "vừa được người khác thay đổi" in r.text
    assert [c.team_value for c in assessment_of(app).corrections] == [43]
    r = reviewer.post(f"/review/{aid}/transition", data={"name": "verify", "version": old})
    assert r.status_code == 409 and assessment_of(app).state == "under_review"


def test_accept_outside_review_is_refused(app: Flask, officer, reviewer):
    aid = submit(app, officer)
    r = reviewer.post(f"/review/{aid}/accept", data={"item_id": "1.1", "version": assessment_of(app).version})
    assert r.status_code == 409 and "Đang thẩm định" in r.text
    act(app, reviewer, aid, "start_review")
    data = {"item_id": "99.9", "version": assessment_of(app).version}
    r = reviewer.post(f"/review/{aid}/accept", data=data)
    assert r.status_code == 400


def test_history_is_append_only_in_the_database(app: Flask, officer):
    aid = submit(app, officer)
    engine = app.extensions["cfc_db"]
    for sql in ("UPDATE history SET new_value = 'x'", "DELETE FROM history"):
        with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
            conn.execute(text(sql))
    assert len(history_of(app, aid)) > 0


def test_history_entries_cannot_be_changed_through_the_orm(app: Flask, officer):
    from webform.db import get_session
    from webform.models import AppendOnlyError, HistoryEntry

    submit(app, officer)
    with app.app_context():
        session = get_session()
        entry = session.query(HistoryEntry).first()
        entry.new_value = "giả mạo"
        with pytest.raises(AppendOnlyError):
            session.flush()


def test_a_drafts_figures_stay_with_the_commune(app: Flask, officer, reviewer):
    a = assessment_of(app)
    values = example_values()
    r = officer.post(f"/assessment/{a.id}", data=form_data(values, a.version))
    assert r.status_code == 302
    total = engine_total(app, values).total
    page = reviewer.get("/review/?period=2022").text
    row = page.split("Xã Ia Tơi</td>")[1].split("</tr>")[0]
    assert str(total) not in row and "xã đang nhập" in row
    for url in (f"/review/{a.id}", f"/assessment/{a.id}/history"):
        r = reviewer.get(url)
        assert r.status_code == 200 and "Xã chưa gửi hồ sơ" in r.text
        assert "Tổng điểm" not in r.text and "Số trẻ em sinh ra trong kỳ" not in r.text
    assert reviewer.get(f"/assessment/{a.id}").location.endswith(f"/review/{a.id}")
