"""A review that means something: every item decided before verifying, progress, accept in place,
confirmation before irreversible steps, the year with work waiting, the tờ trình's number and date."""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import date, timedelta

from flask import Flask
from pypdf import PdfReader

from webform.workflow import period_with_work

from .conftest import EXAMPLES, assessment_of, example_values, form_data, history_of, logged_in
from .test_review import accept_rest, act, correct, submit

ROOT = EXAMPLES.parent
# A tờ trình is dated on or after its biên bản (the day of verifying, today): days ahead, whatever the hour.
LATER = date.today() + timedelta(days=3)
LATEST = date.today() + timedelta(days=5)


def _cs(app: Flask):
    s = app.extensions["cfc_scoring"]
    return s.for_period(2022)


def _item_ids(app: Flask) -> list[str]:
    return [i.id for i in _cs(app).items]


def _items_reading(app: Flask, input_id: str) -> set[str]:
    return {i.id for i in _cs(app).items if input_id in i.inputs}


def _accept(app: Flask, reviewer, aid: int, item_id: str, **headers: str):
    data = {"item_id": item_id, "version": assessment_of(app).version}
    return reviewer.post(f"/review/{aid}/accept", data=data, headers=headers)


def _reviewing(app: Flask, officer, reviewer, values=None) -> int:
    aid = submit(app, officer, values)
    assert act(app, reviewer, aid, "start_review").status_code == 302
    return aid


# ---------------------------------------------------------------- 1. verify only when every item is decided

def test_verify_is_refused_until_every_item_is_accepted_or_corrected(app: Flask, officer, reviewer):
    aid = _reviewing(app, officer, reviewer)
    items = _item_ids(app)
    assert _accept(app, reviewer, aid, items[0]).status_code == 302
    r = act(app, reviewer, aid, "verify")
    assert r.status_code == 400
    left = items[1:]
    assert f"còn {len(left)}/{len(items)} mục chưa chấp nhận hoặc điều chỉnh" in r.text
    assert f"mục {', '.join(left)})" in r.text  # every undecided item is named
    assert assessment_of(app).state == "under_review" and assessment_of(app).verified_total is None
    # Unconfirmed, it is refused all the same (the check comes before the confirmation page).
    assert act(app, reviewer, aid, "verify", confirmed=False).status_code == 400

    # A correction decides the items that read the corrected figure; accepting all others allows verifying.
    values = example_values()
    assert correct(app, reviewer, aid, "c6_special_supported", str(values["c6_special_supported"] + 1),
                   "Sổ trợ giúp").status_code == 302
    for item_id in items[1:]:
        if item_id not in _items_reading(app, "c6_special_supported"):
            assert _accept(app, reviewer, aid, item_id).status_code == 302
    assert act(app, reviewer, aid, "verify").status_code == 302
    assert assessment_of(app).state == "verified"


def test_the_guard_is_a_domain_function_over_the_criteria_set(app: Flask):
    import pytest

    from webform.workflow import IllegalTransition, require_all_decided, undecided_items

    cs = _cs(app)
    items = [i.id for i in cs.items]
    assert [i.id for i in undecided_items(cs, [], [])] == items
    with pytest.raises(IllegalTransition, match=f"còn {len(items)}/{len(items)} mục"):
        require_all_decided(cs, [], [])
    # A figure that several items read: one correction of it decides all of them.
    shared = next(d.id for d in cs.inputs if len(_items_reading(app, d.id)) > 1)
    reading = _items_reading(app, shared)
    rest = [i for i in items if i not in reading]
    assert [i.id for i in undecided_items(cs, rest, [shared])] == []
    require_all_decided(cs, rest, [shared])  # every item decided: no refusal
    with pytest.raises(IllegalTransition, match=rf"\(mục {re.escape(rest[-1])}\)"):
        require_all_decided(cs, rest[:-1], [shared])


def test_accept_remaining_confirms_first_then_records_one_entry_per_item(app: Flask, officer, reviewer):
    aid = _reviewing(app, officer, reviewer)
    items = _item_ids(app)
    _accept(app, reviewer, aid, items[0])
    values = example_values()
    correct(app, reviewer, aid, "c2_births", str(values["c2_births"] + 1), "Sổ hộ tịch")
    decided = {items[0]} | _items_reading(app, "c2_births")
    left = [i for i in items if i not in decided]
    assert left

    before = len(history_of(app, aid))
    r = accept_rest(app, reviewer, aid, confirmed=False)
    assert r.status_code == 200 and 'id="confirm"' in r.text
    assert f"Tổ thẩm định sẽ chấp nhận {len(left)} mục còn lại" in r.text
    for item_id in left:
        assert f"<strong>{item_id}.</strong>" in r.text
    assert 'name="confirmed" value="1"' in r.text
    assert len(history_of(app, aid)) == before and len(assessment_of(app).item_reviews) == 1  # nothing yet

    r = accept_rest(app, reviewer, aid)
    assert r.status_code == 302
    a = assessment_of(app)
    assert {x.item_id for x in a.item_reviews} == {items[0], *left}
    entries = [h for h in history_of(app, aid)[before:] if h.field.startswith("item.")]
    assert [h.field for h in entries] == [f"item.{i}" for i in left]  # one each, in the criteria order
    assert all(h.new_value == "Chấp nhận" and h.reason == "Chấp nhận các mục còn lại" for h in entries)
    assert all(h.user.username == "thamdinh" for h in entries)
    page = reviewer.get(f"/review/{aid}").text
    assert f"Đã xem {len(items)}/{len(items)} mục" in page
    assert "Chấp nhận các mục còn lại" not in page
    # Nothing left: a second post changes nothing.
    assert accept_rest(app, reviewer, aid).status_code == 302
    assert len(history_of(app, aid)) == before + len(left)


def test_accept_remaining_only_while_reviewing_and_with_the_current_version(app: Flask, officer, reviewer):
    aid = submit(app, officer)
    assert accept_rest(app, reviewer, aid).status_code == 409
    act(app, reviewer, aid, "start_review")
    old = assessment_of(app).version
    _accept(app, reviewer, aid, _item_ids(app)[0])
    r = reviewer.post(f"/review/{aid}/accept-rest", data={"version": old, "confirmed": "1"})
    assert r.status_code == 409 and "vừa được người khác thay đổi" in r.text
    assert len(assessment_of(app).item_reviews) == 1


# ---------------------------------------------------------------- 2. progress and reach

def test_progress_count_and_the_actions_at_top_and_bottom(app: Flask, officer, reviewer):
    aid = submit(app, officer)
    n = len(_item_ids(app))
    page = reviewer.get(f"/review/{aid}").text
    assert f"Đã xem 0/{n} mục" in page
    assert page.count(">Bắt đầu thẩm định</button>") == 2
    top, bottom = page.index('id="actions-top"'), page.index('id="actions"')
    assert top < page.index('id="item-1.1"') < bottom
    act(app, reviewer, aid, "start_review")
    _accept(app, reviewer, aid, "1.1")
    page = reviewer.get(f"/review/{aid}").text
    assert f"Đã xem 1/{n} mục" in page
    for label in ("Trả lại", "Xác nhận kết quả", "Chấp nhận các mục còn lại"):
        assert page.count(f">{label}") == 2, label
    values = example_values()
    correct(app, reviewer, aid, "c2_births", str(values["c2_births"] + 1), "Sổ hộ tịch")
    decided = 1 + len(_items_reading(app, "c2_births") - {"1.1"})
    assert f"Đã xem {decided}/{n} mục" in reviewer.get(f"/review/{aid}").text


def test_accept_with_javascript_answers_json_without_a_page(app: Flask, officer, reviewer):
    aid = _reviewing(app, officer, reviewer)
    n = len(_item_ids(app))
    version = assessment_of(app).version
    r = _accept(app, reviewer, aid, "1.1", **{"X-Requested-With": "fetch"})
    assert r.status_code == 200 and r.is_json
    assert r.json == {"ok": True, "item": "1.1", "version": version + 1, "message": "Đã chấp nhận mục 1.1.",
                      "progress": f"Đã xem 1/{n} mục", "decided": 1, "total": n, "next": _item_ids(app)[1]}
    assert [x.item_id for x in assessment_of(app).item_reviews] == ["1.1"]
    # A stale page is told so, as JSON, and nothing is stored.
    r = reviewer.post(f"/review/{aid}/accept", data={"item_id": "1.2", "version": version},
                      headers={"X-Requested-With": "fetch"})
    assert r.status_code == 409 and r.json["ok"] is False
    assert "vừa được người khác thay đổi" in r.json["message"]
    assert [x.item_id for x in assessment_of(app).item_reviews] == ["1.1"]


def test_accept_without_javascript_shows_the_message_at_the_item(app: Flask, officer, reviewer):
    aid = _reviewing(app, officer, reviewer)
    r = _accept(app, reviewer, aid, "1.2")
    assert r.status_code == 302 and r.location.endswith(f"/review/{aid}#item-1.2")
    page = reviewer.get(f"/review/{aid}").text
    item = page.split('id="item-1.2"')[1].split('class="item card"')[0]
    assert "Đã chấp nhận mục 1.2." in item and "Đã chấp nhận" in item
    assert page.count("Đã chấp nhận mục 1.2.") == 1  # at the item, not also at the top
    assert "Đã chấp nhận mục 1.2." not in reviewer.get(f"/review/{aid}").text  # shown once


def test_after_a_correction_the_message_is_at_the_corrected_figure(app: Flask, officer, reviewer):
    aid = _reviewing(app, officer, reviewer)
    label = _cs(app).input("c7_fully_immunised").label
    r = correct(app, reviewer, aid, "c7_fully_immunised", "30", "Sổ tiêm chủng")
    assert r.status_code == 302 and r.location.endswith("#in-c7_fully_immunised")
    page = reviewer.get(f"/review/{aid}").text
    row = page.split('id="in-c7_fully_immunised"')[1].split("</tr>")[0]
    assert f"Đã lưu điều chỉnh: {label}." in row
    assert page.count("Đã lưu điều chỉnh") == 1


# ---------------------------------------------------------------- 3. confirmation before irreversible steps

def test_verify_propose_and_decide_each_ask_for_confirmation(app: Flask, officer, reviewer):
    aid = _reviewing(app, officer, reviewer)
    accept_rest(app, reviewer, aid)
    expected = app.extensions["cfc_scoring"].engine(_cs(app).id).score(
        {"commune": assessment_of(app).commune.profile(), "period": 2022, "values": example_values()})
    r = act(app, reviewer, aid, "verify", confirmed=False)
    assert r.status_code == 200 and 'id="confirm"' in r.text
    assert f"{expected.total}/{expected.max_total} điểm" in r.text and expected.verdict in r.text
    assert 'name="name" value="verify"' in r.text and 'name="confirmed" value="1"' in r.text
    assert assessment_of(app).state == "under_review"  # nothing happened yet
    assert act(app, reviewer, aid, "verify").status_code == 302
    assert assessment_of(app).state == "verified"

    r = act(app, reviewer, aid, "propose", confirmed=False, proposal_number="15",
            proposal_date=LATER.isoformat())
    assert r.status_code == 200 and f"Tờ trình: Số 15, ngày {LATER:%d/%m/%Y}." in r.text
    assert 'name="proposal_number" value="15"' in r.text
    assert f'name="proposal_date" value="{LATER:%d/%m/%Y}"' in r.text
    assert assessment_of(app).state == "verified"
    # The confirmation page posts what it carries.
    r = act(app, reviewer, aid, "propose", proposal_number="15", proposal_date=f"{LATER:%d/%m/%Y}")
    assert r.status_code == 302 and assessment_of(app).state == "proposed"

    # A decision with errors is refused before any confirmation; a complete one is confirmed first.
    r = act(app, reviewer, aid, "recognise", confirmed=False, decision_number="", decision_date="x",
            decision_signer="")
    assert r.status_code == 400 and "Phải ghi số quyết định." in r.text and 'id="confirm"' not in r.text
    fields = {"decision_number": "125/QĐ-UBND", "decision_date": "2022-12-28",
              "decision_signer": "Chủ tịch UBND huyện"}
    r = act(app, reviewer, aid, "recognise", confirmed=False, **fields)
    assert r.status_code == 200 and "Đây là bước cuối" in r.text
    assert "số 125/QĐ-UBND, ngày 28/12/2022" in r.text
    assert 'name="decision_date" value="28/12/2022"' in r.text
    assert assessment_of(app).state == "proposed"
    r = act(app, reviewer, aid, "recognise", **{**fields, "decision_date": "28/12/2022"})
    assert r.status_code == 302
    a = assessment_of(app)
    assert a.state == "recognised" and str(a.decision_date) == "2022-12-28"


def test_start_review_and_return_need_no_confirmation(app: Flask, officer, reviewer):
    aid = submit(app, officer)
    assert act(app, reviewer, aid, "start_review", confirmed=False).status_code == 302
    assert act(app, reviewer, aid, "return", confirmed=False, comment="Bổ sung").status_code == 302
    assert assessment_of(app).state == "returned"


def _failing_values() -> dict:
    values = example_values()
    values.update(c1_officer=False, c12_play_area=False, c13_children_satisfied=0, c13_adults_satisfied=0)
    return values


def test_submit_asks_for_confirmation_and_says_plainly_when_not_passing(app: Flask, officer):
    a = assessment_of(app)
    values = _failing_values()
    r = officer.post(f"/assessment/{a.id}", data=form_data(values, a.version, action="submit", confirmed=""))
    assert r.status_code == 200 and 'id="confirm"' in r.text
    assert 'id="confirm-verdict">Không đạt<' in r.text and 'id="confirm-fail"' in r.text
    assert "Vẫn gửi thẩm định" in r.text
    for key, value in values.items():  # what was typed is carried, nothing stored yet
        shown = ("co" if value else "khong") if isinstance(value, bool) else str(value)
        assert f'name="v_{key}" value="{shown}"' in r.text
    a2 = assessment_of(app)
    assert a2.state == "draft" and a2.values == {} and a2.version == a.version
    r = officer.post(f"/assessment/{a.id}", data=form_data(values, a.version, action="submit"))
    assert r.status_code == 302 and assessment_of(app).state == "submitted"


def test_submit_confirmation_of_a_passing_score_and_going_back(app: Flask, officer):
    a = assessment_of(app)
    values = example_values()
    r = officer.post(f"/assessment/{a.id}", data=form_data(values, a.version, action="submit", confirmed=""))
    assert r.status_code == 200 and 'id="confirm-verdict">Đạt<' in r.text
    assert 'id="confirm-fail"' not in r.text
    # "Quay lại sửa số liệu": the form again with what was typed, still nothing stored.
    r = officer.post(f"/assessment/{a.id}", data=form_data(values, a.version, action="preview"))
    assert r.status_code == 200 and f'value="{values["c2_births"]}"' in r.text
    assert assessment_of(app).state == "draft" and assessment_of(app).values == {}


def test_an_incomplete_submit_shows_its_errors_not_the_confirmation(app: Flask, officer):
    a = assessment_of(app)
    values = example_values()
    del values["c7_under1"]
    r = officer.post(f"/assessment/{a.id}", data=form_data(values, a.version, action="submit", confirmed=""))
    assert r.status_code == 400 and 'id="confirm"' not in r.text and "còn 1 ô chưa nhập" in r.text


# ---------------------------------------------------------------- 4. the year with work waiting

def test_period_with_work_prefers_waiting_then_sent_then_newest():
    assert period_with_work([]) is None
    assert period_with_work([(2022, "submitted"), (2023, "draft")]) == 2022
    assert period_with_work([(2022, "recognised"), (2023, "draft")]) == 2022
    assert period_with_work([(2021, "under_review"), (2022, "recognised"), (2023, "draft")]) == 2021
    assert period_with_work([(2022, "submitted"), (2023, "submitted")]) == 2023
    assert period_with_work([(2022, "draft"), (2023, "draft")]) == 2023


def test_queue_and_overview_open_on_the_year_with_work_waiting(app: Flask, officer, reviewer):
    submit(app, officer)  # Ia Tơi 2022 waits for the team
    other = logged_in(app, "xa-iadal")
    assert other.post("/assessment/new", data={"period": "2023"}).status_code == 302  # a 2023 draft
    page = reviewer.get("/review/").text
    assert '<option value="2022" selected>' in page
    row = page.split("Xã Ia Tơi</td>")[1].split("</tr>")[0]
    assert "Đã gửi" in row
    overview = reviewer.get("/district/").text
    assert '<option value="2022" selected' in overview or 'value="2022" selected' in overview

    # Work waiting in two years: the newest opens, the other is pointed to.
    r = other.post(f"/assessment/{_assessment_id(app, '23535', 2023)}",
                   data=form_data(example_values("ia-dal-2022.yaml"), _version(app, "23535", 2023),
                                  action="submit"))
    assert r.status_code == 302, r.text[:300]
    page = reviewer.get("/review/").text
    assert '<option value="2023" selected>' in page
    assert 'id="waiting-elsewhere"' in page and "năm 2022 (1 hồ sơ)" in page
    # An explicit choice is kept.
    assert '<option value="2022" selected>' in reviewer.get("/review/?period=2022").text


def _assessment(app: Flask, code: str, period: int):
    from sqlalchemy import select

    from webform.db import get_session
    from webform.models import Assessment, Commune

    with app.app_context():
        return get_session().scalar(select(Assessment).join(Commune).where(Commune.code == code,
                                                                           Assessment.period == period))


def _assessment_id(app: Flask, code: str, period: int) -> int:
    return _assessment(app, code, period).id


def _version(app: Flask, code: str, period: int) -> int:
    return _assessment(app, code, period).version


# ---------------------------------------------------------------- 19. the tờ trình's number and date

def _pdf_text(data: bytes) -> str:
    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(unicodedata.normalize("NFC", text).split())


def _proposed(app: Flask, officer, reviewer, **fields: str) -> int:
    aid = _reviewing(app, officer, reviewer)
    accept_rest(app, reviewer, aid)
    assert act(app, reviewer, aid, "verify").status_code == 302
    assert act(app, reviewer, aid, "propose", **fields).status_code == 302
    return aid


def test_the_proposal_prints_the_number_and_date_the_team_entered(app: Flask, officer, reviewer):
    aid = _proposed(app, officer, reviewer, proposal_number="15", proposal_date=LATER.isoformat())
    a = assessment_of(app)
    assert a.proposal_number == "15" and a.proposal_date == LATER
    entries = [h.new_value for h in history_of(app, aid) if h.field == "proposal"]
    assert entries == [f"Số 15, ngày {LATER:%d/%m/%Y}"]
    data = reviewer.get(f"/review/{aid}/proposal.pdf").data
    (ROOT / "test-output").mkdir(exist_ok=True)
    (ROOT / "test-output" / "review-proposal-numbered.pdf").write_bytes(data)
    text = _pdf_text(data)
    assert "Số: 15/TTr-" in text
    assert f"ngày {LATER.day:02d} tháng {LATER.month:02d} năm {LATER.year}" in text
    assert "Kèm theo Tờ trình số 15/TTr-" in text
    page = reviewer.get(f"/review/{aid}").text
    assert f"số <strong>15</strong>, ngày {LATER:%d/%m/%Y}" in page


def test_the_number_and_date_can_be_entered_later_and_are_checked(app: Flask, officer, reviewer):
    aid = _proposed(app, officer, reviewer)
    text = _pdf_text(reviewer.get(f"/review/{aid}/proposal.pdf").data)
    assert "Số: 15/TTr" not in text and "/TTr-" in text  # a blank for the clerk
    assert "chưa ghi số và ngày" in reviewer.get(f"/review/{aid}").text
    version = assessment_of(app).version
    r = reviewer.post(f"/review/{aid}/proposal-ref",
                      data={"proposal_number": "15/TTr", "proposal_date": "31/02/2022", "version": version})
    assert r.status_code == 400
    assert "Số tờ trình chỉ ghi phần số" in r.text and "Ngày tờ trình không hợp lệ" in r.text
    assert assessment_of(app).proposal_number is None
    r = reviewer.post(f"/review/{aid}/proposal-ref",
                      data={"proposal_number": "27", "proposal_date": "20/12/2022", "version": version})
    assert r.status_code == 400 and "Ngày tờ trình không được trước ngày thẩm định" in r.text
    assert assessment_of(app).proposal_date is None
    r = reviewer.post(f"/review/{aid}/proposal-ref",
                      data={"proposal_number": "27", "proposal_date": f"{LATEST:%d/%m/%Y}",
                            "version": version})
    assert r.status_code == 302 and r.location.endswith("#proposal-ref")
    assert "Đã lưu số và ngày tờ trình." in reviewer.get(f"/review/{aid}").text
    text = _pdf_text(reviewer.get(f"/review/{aid}/proposal.pdf").data)
    assert "Số: 27/TTr-" in text
    assert f"ngày {LATEST.day:02d} tháng {LATEST.month:02d} năm {LATEST.year}" in text
    hist = [h for h in history_of(app, aid) if h.field == "proposal"]
    assert [(h.old_value, h.new_value) for h in hist] == [(None, f"Số 27, ngày {LATEST:%d/%m/%Y}")]
    # From a page older than the last change, nothing is stored.
    r = reviewer.post(f"/review/{aid}/proposal-ref", data={"proposal_number": "28", "version": version})
    assert r.status_code == 409 and assessment_of(app).proposal_number == "27"
