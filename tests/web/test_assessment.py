"""The commune officer's form: generated from the criteria, live score, draft, validation, submit."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from markupsafe import escape

from .conftest import assessment_of, engine_total, example_values, form_data, history_of


def _cs(app: Flask):
    scoring = app.extensions["cfc_scoring"]
    return scoring.for_period(2022)


def test_index_lists_own_assessment(officer):
    r = officer.get("/assessment/")
    assert r.status_code == 200
    assert "Xã Ia Tơi" in r.text and "2022" in r.text and "Nháp" in r.text


def test_form_has_a_field_for_every_input_and_a_section_per_criterion(app: Flask, officer):
    cs = _cs(app)
    a = assessment_of(app)
    page = officer.get(f"/assessment/{a.id}").text
    for d in cs.inputs:
        assert f'name="v_{d.id}"' in page, d.id
        assert f'name="s_{d.id}"' in page, d.id  # "Nguồn số liệu" per input
        assert d.label in page
        if d.type == "bool":
            assert f'name="v_{d.id}" value="co"' in page and f'name="v_{d.id}" value="khong"' in page
        else:
            assert f'id="v_{d.id}" name="v_{d.id}"' in page
    for crit in cs.criteria:
        assert f"Tiêu chí {crit.id}. {crit.name}" in page
    assert page.count("Nguồn số liệu") >= len(cs.inputs)
    assert "Thông tin chung" in page
    assert cs.provisional_notice in page  # provisional items are said plainly
    for label in ("Lưu nháp", "Gửi thẩm định", "Tổng điểm", "Điểm chuẩn theo loại xã"):
        assert label in page
    assert 'name="viewport"' in page
    assert "cdn" not in page.lower()


def test_every_input_appears_exactly_once(app: Flask, officer):
    a = assessment_of(app)
    page = officer.get(f"/assessment/{a.id}").text
    for d in _cs(app).inputs:
        assert page.count(f'name="s_{d.id}"') == 1, d.id


def test_save_draft_with_partial_figures_stores_them_and_the_history(app: Flask, officer):
    a = assessment_of(app)
    r = officer.post(
        f"/assessment/{a.id}",
        data=form_data(
            {"children_under16": 1850, "c1_officer": True, "c2_births": 42},
            a.version,
            s_c2_births="Sổ đăng ký khai sinh UBND xã",
        ),
    )
    assert r.status_code == 302
    a2 = assessment_of(app)
    assert a2.values == {"children_under16": 1850, "c1_officer": True, "c2_births": 42}
    assert a2.sources == {"c2_births": "Sổ đăng ký khai sinh UBND xã"}
    assert a2.version == a.version + 1
    assert a2.state == "draft"
    fields = {h.field: (h.old_value, h.new_value) for h in history_of(app, a.id)}
    assert fields["values.children_under16"] == (None, "1850")
    assert fields["values.c1_officer"] == (None, "Có")
    assert fields["sources.c2_births"] == (None, "Sổ đăng ký khai sinh UBND xã")
    page = officer.get(f"/assessment/{a.id}").text
    assert "Đã lưu nháp." in page
    assert 'value="1850"' in page and 'value="Sổ đăng ký khai sinh UBND xã"' in page


def test_bad_input_keeps_what_was_typed_and_saves_nothing(app: Flask, officer):
    a = assessment_of(app)
    before = len(history_of(app, a.id))
    data = form_data({"children_under16": 1850, "c2_births": 42}, a.version)
    data.update({"v_c3_abused": "hai", "v_c4_offending": "-1", "v_c5_deaths": "1,5"})
    data["s_c3_abused"] = "ghi chú"
    r = officer.post(f"/assessment/{a.id}", data=data)
    assert r.status_code == 400
    page = r.text
    assert 'value="hai"' in page and 'value="-1"' in page and 'value="1,5"' in page
    assert 'value="ghi chú"' in page and 'value="1850"' in page
    # The message stands next to its field.
    block = page.split('id="f-c3_abused"')[1].split('class="field')[0]
    assert "Phải là số nguyên không âm" in block
    assert "Chưa lưu" in page
    a2 = assessment_of(app)
    assert a2.values == {} and a2.version == a.version
    assert len(history_of(app, a.id)) == before


def test_part_larger_than_whole_is_refused_naming_both_fields(app: Flask, officer):
    a = assessment_of(app)
    r = officer.post(
        f"/assessment/{a.id}", data=form_data({"c2_births": 10, "c2_registered_on_time": 12}, a.version)
    )
    assert r.status_code == 400
    cs = _cs(app)
    block = r.text.split('id="f-c2_registered_on_time"')[1].split('class="field')[0]
    assert cs.input("c2_births").label in block and cs.input("c2_registered_on_time").label in block
    assert assessment_of(app).values == {}


def test_vietnamese_thousands_separator_is_understood_but_decimals_are_not(app: Flask, officer):
    a = assessment_of(app)
    r = officer.post(
        f"/assessment/{a.id}", data={"action": "save", "version": a.version, "v_children_under16": "1.850"}
    )
    assert r.status_code == 302
    assert assessment_of(app).values["children_under16"] == 1850
    a = assessment_of(app)
    data = {"action": "save", "version": a.version, "v_c2_births": "12.5"}
    r = officer.post(f"/assessment/{a.id}", data=data)
    assert r.status_code == 400


def test_submit_incomplete_is_refused_with_each_missing_field_marked(app: Flask, officer):
    a = assessment_of(app)
    values = example_values()
    del values["c7_under1"]
    r = officer.post(f"/assessment/{a.id}", data=form_data(values, a.version, action="submit"))
    assert r.status_code == 400
    assert "còn 1 ô chưa nhập" in r.text
    block = r.text.split('id="f-c7_under1"')[1].split('class="field')[0]
    assert "Chưa nhập số liệu này." in block
    assert assessment_of(app).state == "draft"


def test_submit_complete_moves_to_submitted_and_locks_the_form(app: Flask, officer):
    a = assessment_of(app)
    values = example_values()
    r = officer.post(f"/assessment/{a.id}", data=form_data(values, a.version, action="submit"))
    assert r.status_code == 302
    a2 = assessment_of(app)
    assert a2.state == "submitted"
    assert a2.values == values
    assert a2.self_total == engine_total(app, values).total
    page = officer.get(f"/assessment/{a.id}").text
    assert "Đã gửi" in page and "<fieldset" in page and "disabled" in page
    assert 'value="submit"' not in page
    # Any further save is refused, nothing changes.
    r = officer.post(f"/assessment/{a.id}", data=form_data({**values, "c2_births": 50}, a2.version))
    assert r.status_code == 409 and "không sửa được" in r.text
    assert assessment_of(app).values == values
    states = [(h.old_value, h.new_value) for h in history_of(app, a.id) if h.field == "state"]
    assert states[-1] == ("draft", "submitted")


def test_live_score_matches_the_engine_and_stores_nothing(app: Flask, officer):
    a = assessment_of(app)
    values = example_values()
    r = officer.post(f"/assessment/{a.id}/score", data=form_data(values, a.version))
    assert r.status_code == 200
    expected = engine_total(app, values)
    assert r.json["total"] == expected.total
    assert r.json["criteria"]["1"] == f"{expected.criterion('1').points}/{expected.criterion('1').max}"
    assert f'<strong id="total">{expected.total}</strong>' in r.json["panel"]
    assert expected.verdict in r.json["panel"]
    assert assessment_of(app).values == {}


def test_live_score_reports_errors_per_field(app: Flask, officer):
    a = assessment_of(app)
    r = officer.post(f"/assessment/{a.id}/score", data={"v_c2_births": "abc", "v_c1_officer": "co"})
    assert r.status_code == 200
    # The typo does not blank the score: the other figures still score, the typo is listed in the panel.
    assert r.json["total"] == engine_total(app, {"c1_officer": True}).total
    assert "Phải là số nguyên không âm" in r.json["errors"]["c2_births"]
    assert 'href="#f-c2_births"' in r.json["panel"] and "Chưa tính 1 ô có lỗi" in r.json["panel"]


def test_empty_and_all_zero_drafts_score_without_crashing(app: Flask, officer):
    a = assessment_of(app)
    r = officer.post(f"/assessment/{a.id}/score", data={})
    assert r.status_code == 200 and r.json["total"] == 0
    # Figures that score nothing at all (no rule matches) must not take the server down either.
    r = officer.post(f"/assessment/{a.id}/score", data={"v_c3_abused": "5", "v_c1_officer": "khong"})
    assert r.status_code == 200 and r.json["total"] == 0


def test_preview_without_javascript_scores_and_stores_nothing(app: Flask, officer):
    a = assessment_of(app)
    values = example_values()
    r = officer.post(f"/assessment/{a.id}", data=form_data(values, a.version, action="preview"))
    assert r.status_code == 200
    assert f'<strong id="total">{engine_total(app, values).total}</strong>' in r.text
    assert assessment_of(app).values == {}


def test_stale_version_is_refused_and_nothing_is_overwritten(app: Flask, officer):
    a = assessment_of(app)
    # Two officers (or two tabs) opened version v; the first saves.
    r = officer.post(f"/assessment/{a.id}", data=form_data({"c2_births": 42}, a.version))
    assert r.status_code == 302
    r = officer.post(f"/assessment/{a.id}", data=form_data({"c2_births": 40, "c5_deaths": 0}, a.version))
    assert r.status_code == 409
    assert "Chưa lưu: hồ sơ đã được" in r.text
    assert 'value="40"' in r.text  # what the later one typed is still on the page
    assert re.search(r'class="field[^"]*changed[^"]*" id="f-c2_births"', r.text)
    assert assessment_of(app).values == {"c2_births": 42}
    # Saving again from that page (new version, explicit choice) is accepted.
    v = int(re.search(r'name="version" value="(\d+)"', r.text).group(1))
    r = officer.post(f"/assessment/{a.id}", data=form_data({"c2_births": 40, "c5_deaths": 0}, v))
    assert r.status_code == 302
    assert assessment_of(app).values == {"c2_births": 40, "c5_deaths": 0}


def test_history_page_lists_changes_with_labels(app: Flask, officer):
    a = assessment_of(app)
    officer.post(f"/assessment/{a.id}", data=form_data({"c2_births": 42}, a.version))
    a = assessment_of(app)
    officer.post(f"/assessment/{a.id}", data=form_data({"c2_births": 44}, a.version))
    page = officer.get(f"/assessment/{a.id}/history").text
    assert "Lịch sử thay đổi" in page
    assert _cs(app).input("c2_births").label in page
    assert "42" in page and "44" in page and "Cán bộ Xã Ia Tơi" in page


def test_new_assessment_for_a_period(app: Flask, officer):
    r = officer.post("/assessment/new", data={"period": "2024"})
    assert r.status_code == 302
    assert officer.get(r.location).status_code == 200
    r = officer.post("/assessment/new", data={"period": "2024"}, follow_redirects=True)
    assert "đã có hồ sơ tự đánh giá năm 2024" in r.text
    r = officer.post("/assessment/new", data={"period": "hai"}, follow_redirects=True)
    assert "Năm đánh giá không hợp lệ." in r.text
    r = officer.post("/assessment/new", data={"period": "2010"}, follow_redirects=True)
    assert "Chưa có bộ tiêu chí áp dụng cho năm 2010." in r.text


def test_unknown_action_is_a_bad_request(app: Flask, officer):
    a = assessment_of(app)
    r = officer.post(f"/assessment/{a.id}", data={"action": "drop", "version": a.version})
    assert r.status_code == 400


def test_form_asks_for_counts_only_never_names(app: Flask, officer):
    a = assessment_of(app)
    page = officer.get(f"/assessment/{a.id}").text
    assert "không ghi tên" in page
    for word in ("Họ tên trẻ", "Ngày sinh", "Tên trẻ"):
        assert word not in page


NASTY = [
    "\x00",
    "１２",
    "1e3",
    "0x10",
    "+5",
    "-0",
    "99999999999999",
    "NaN",
    "Infinity",
    "<script>x</script>",
    "12 34",
    "1.2.3",
    "٣",
    "co",
    "  ",
    "1" * 5000,
]


@pytest.mark.parametrize("raw", NASTY)
def test_bad_input_never_crashes_and_never_saves(app: Flask, officer, raw: str):
    a = assessment_of(app)
    data = {
        "action": "save",
        "version": str(a.version),
        "v_c2_births": raw,
        "v_c1_officer": raw,
        "s_c2_births": raw,
    }
    r = officer.post(f"/assessment/{a.id}", data=data)
    assert r.status_code in (302, 400, 413)
    if r.status_code == 400:
        assert assessment_of(app).values == {}
        assert "<script>x</script>" not in r.text  # escaped, never injected
    r = officer.post(f"/assessment/{a.id}/score", data=data)
    # A NUL character is refused at the door, by every route (PostgreSQL cannot store one in text).
    assert r.status_code in ((400,) if "\x00" in raw else (200, 413))


def test_whitespace_around_a_number_is_ignored(app: Flask, officer):
    a = assessment_of(app)
    r = officer.post(
        f"/assessment/{a.id}", data={"action": "save", "version": a.version, "v_c2_births": " 12 "}
    )
    assert r.status_code == 302 and assessment_of(app).values == {"c2_births": 12}


def test_concurrent_orm_writes_are_caught_by_the_version_column(app: Flask):
    """The race the form's version field cannot see (two saves between load and commit) is refused too."""
    from sqlalchemy.orm import Session
    from sqlalchemy.orm.exc import StaleDataError

    from webform.models import Assessment

    engine = app.extensions["cfc_db"]
    aid = assessment_of(app).id
    with Session(engine) as s1, Session(engine) as s2:
        a1, a2 = s1.get(Assessment, aid), s2.get(Assessment, aid)
        a1.values = {"c2_births": 1}
        s1.commit()
        a2.values = {"c2_births": 2}
        with pytest.raises(StaleDataError):
            s2.commit()
    assert assessment_of(app).values == {"c2_births": 1}


def test_decomposed_vietnamese_is_stored_as_nfc(app: Flask, officer):
    import unicodedata

    a = assessment_of(app)
    typed = unicodedata.normalize("NFD", "Sổ hộ tịch xã")
    assert typed != "Sổ hộ tịch xã"
    r = officer.post(
        f"/assessment/{a.id}", data={"action": "save", "version": a.version, "s_c2_births": typed}
    )
    assert r.status_code == 302
    assert assessment_of(app).sources == {"c2_births": "Sổ hộ tịch xã"}


def test_commune_sees_the_linked_ntm_indicators(app: Flask, officer):
    """Issue 5: the commune's page shows each linked NTM indicator's status and why."""
    a = assessment_of(app)
    values = example_values()
    r = officer.post(f"/assessment/{a.id}/score", data=form_data(values, a.version))
    expected = engine_total(app, values)
    panel = r.json["panel"]
    assert "Liên hệ nông thôn mới" in panel
    assert [n.indicator for n in expected.ntm][:2] == ["15.3", "6.2"]
    for status in expected.ntm:
        assert f'<span class="tag ntm-{status.status}">{status.status_text}</span>' in panel
        assert str(escape(status.explanation)) in panel
    assert "Tỷ lệ thấp còi 52/210 = 24,76 % ≤ 26,5 % (ngưỡng vùng Tây Nguyên)" in panel
