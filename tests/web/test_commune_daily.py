"""The commune officer's daily work: last year's figures as a start, the years link, every error in one round,
a live score around a typo, read-only records without examples, the team's corrections shown back."""

from __future__ import annotations

from flask import Flask

from .conftest import assessment_of, engine_total, example_values, form_data, history_of
from .test_review import accept_rest, act, correct, submit


def _cs(app: Flask):
    return app.extensions["cfc_scoring"].for_period(2022)


def _new_year(app: Flask, officer, period: int, copy: bool):
    data = {"period": str(period)}
    if copy:
        data["copy"] = "1"
    return officer.post("/assessment/new", data=data)


def _year(app: Flask, period: int, code: str = "23538"):
    from sqlalchemy import select

    from webform.db import get_session
    from webform.models import Assessment, Commune

    with app.app_context():
        return get_session().scalar(select(Assessment).join(Commune).where(Commune.code == code,
                                                                           Assessment.period == period))


# ---------------------------------------------------------------- 7. last year's figures as a start

def test_a_new_year_starts_from_last_years_verified_figures_with_history(app: Flask, officer, reviewer):
    values = example_values()
    aid = submit(app, officer, values)
    act(app, reviewer, aid, "start_review")
    corrected = values["c6_special_supported"] + 1
    correct(app, reviewer, aid, "c6_special_supported", str(corrected), "Sổ trợ giúp")
    accept_rest(app, reviewer, aid)
    assert act(app, reviewer, aid, "verify").status_code == 302

    page = officer.get("/assessment/").text
    assert 'name="copy" value="1"' in page and "hiện có năm 2022" in page and 'value="2023"' in page
    r = _new_year(app, officer, 2023, copy=True)
    assert r.status_code == 302
    a = _year(app, 2023)
    assert a.state == "draft"
    assert a.values == {**values, "c6_special_supported": corrected}  # the figures the team verified
    assert a.self_total is not None
    entries = [h for h in history_of(app, a.id) if h.field.startswith("values.")]
    assert sorted(h.field for h in entries) == sorted(f"values.{k}" for k in values)  # one per figure
    assert all(h.old_value is None for h in entries)
    assert all(h.reason == "Sao chép từ hồ sơ năm 2022 (số liệu sau thẩm định) làm bản nháp" for h in entries)
    page = officer.get(r.location).text
    assert "với số liệu năm 2022 làm bản nháp" in page
    assert f'value="{values["c2_births"]}"' in page
    # Last year's record is untouched.
    assert assessment_of(app).values == values and assessment_of(app).state == "verified"


def test_a_copy_of_a_draft_takes_the_communes_own_figures_and_sources(app: Flask, officer):
    a = assessment_of(app)
    values = {"children_under16": 1850, "c2_births": 40}
    r = officer.post(f"/assessment/{a.id}", data=form_data(values, a.version, s_c2_births="Sổ khai sinh"))
    assert r.status_code == 302
    assert _new_year(app, officer, 2023, copy=True).status_code == 302
    new = _year(app, 2023)
    assert new.values == values and new.sources == {"c2_births": "Sổ khai sinh"}
    reasons = {h.reason for h in history_of(app, new.id) if h.field.startswith(("values.", "sources."))}
    assert reasons == {"Sao chép từ hồ sơ năm 2022 (số liệu của xã) làm bản nháp"}


def test_without_the_choice_a_new_year_starts_empty(app: Flask, officer):
    submit(app, officer)
    assert _new_year(app, officer, 2023, copy=False).status_code == 302
    a = _year(app, 2023)
    assert a.values == {} and [h.field for h in history_of(app, a.id)] == ["state"]
    # Nothing before the year asked for: an empty draft, and the officer is told why.
    r = _new_year(app, officer, 2021, copy=True)
    assert r.status_code == 302 and _year(app, 2021).values == {}
    assert "không có hồ sơ năm trước đó để sao chép" in officer.get(r.location).text
    # A year that exists already is refused, nothing copied twice.
    r = _new_year(app, officer, 2023, copy=True)
    assert r.status_code == 302
    assert "Xã đã có hồ sơ tự đánh giá năm 2023." in officer.get("/assessment/").text
    assert _year(app, 2023).values == {}


# ---------------------------------------------------------------- 9. the years link

def test_the_home_page_links_to_the_years(app: Flask, officer):
    page = officer.get("/assessment/").text
    assert 'href="/district/years/23538"' in page and "Qua các năm" in page
    r = officer.get("/district/years/23538")
    assert r.status_code == 200 and "Xã Ia Tơi" in r.text


# ---------------------------------------------------------------- 10. every error in one round

def test_typing_errors_and_part_larger_than_whole_come_together(app: Flask, officer):
    a = assessment_of(app)
    cs = _cs(app)
    data = form_data({"c7_under1": 10, "c7_fully_immunised": 12, "c2_registered_on_time": 5}, a.version)
    data["v_c2_births"] = "bốn mươi"
    r = officer.post(f"/assessment/{a.id}", data=data)
    assert r.status_code == 400
    errors = r.text.split('class="errlist"')[1].split("</ul>")[0]
    assert cs.input("c2_births").label in errors and "Phải là số nguyên không âm" in errors
    assert cs.input("c7_fully_immunised").label in errors and "không được lớn hơn" in errors
    assert 'value="bốn mươi"' in r.text and 'value="12"' in r.text  # what was typed stays
    assert assessment_of(app).values == {}


def test_a_number_too_large_says_so(app: Flask, officer):
    a = assessment_of(app)
    r = officer.post(f"/assessment/{a.id}", data={"action": "save", "version": a.version,
                                                  "v_c2_births": "1234567890123456789"})
    assert r.status_code == 400
    block = r.text.split('id="e-c2_births"')[1].split("</span>")[0]
    assert "Số quá lớn" in block
    r = officer.post(f"/assessment/{a.id}", data={"action": "save", "version": a.version,
                                                  "v_c2_births": "99999999"})
    block = r.text.split('id="e-c2_births"')[1].split("</span>")[0]
    assert r.status_code == 400 and "Số quá lớn (tối đa" in block
    assert assessment_of(app).values == {}


def test_the_live_score_still_scores_around_a_typo_and_lists_it(app: Flask, officer):
    a = assessment_of(app)
    values = example_values()
    data = form_data(values, a.version)
    data["v_c5_deaths"] = "mot"
    r = officer.post(f"/assessment/{a.id}/score", data=data)
    assert r.status_code == 200
    without = {k: v for k, v in values.items() if k != "c5_deaths"}
    expected = engine_total(app, without)
    assert expected.total > 0 and r.json["total"] == expected.total
    assert r.json["criteria"]["1"] == f"{expected.criterion('1').points}/{expected.criterion('1').max}"
    assert "Phải là số nguyên không âm" in r.json["errors"]["c5_deaths"]
    panel = r.json["panel"]
    assert "Chưa tính 1 ô có lỗi" in panel and 'href="#f-c5_deaths"' in panel
    assert f'<strong id="total">{expected.total}</strong>' in panel
    # Part larger than whole, in the live score too: listed, and the rest still scores.
    data = form_data({**values, "c7_fully_immunised": values["c7_under1"] + 1}, a.version)
    r = officer.post(f"/assessment/{a.id}/score", data=data)
    assert "không được lớn hơn" in r.json["errors"]["c7_fully_immunised"]
    rest = {k: v for k, v in values.items() if k != "c7_fully_immunised"}
    assert r.json["total"] == engine_total(app, rest).total
    assert assessment_of(app).values == {}


def test_preview_without_javascript_scores_around_a_typo(app: Flask, officer):
    a = assessment_of(app)
    values = example_values()
    data = form_data(values, a.version, action="preview")
    data["v_c5_deaths"] = "mot"
    r = officer.post(f"/assessment/{a.id}", data=data)
    expected = engine_total(app, {k: v for k, v in values.items() if k != "c5_deaths"})
    assert r.status_code == 400 and f'<strong id="total">{expected.total}</strong>' in r.text
    assert "Chưa tính 1 ô có lỗi" in r.text


# ---------------------------------------------------------------- 11. read-only records

def test_read_only_records_show_no_placeholder_examples(app: Flask, officer, reviewer):
    a = assessment_of(app)
    assert "placeholder=" in officer.get(f"/assessment/{a.id}").text  # a draft being typed: examples help
    submit(app, officer)
    page = officer.get(f"/assessment/{a.id}").text
    assert "disabled" in page and "placeholder=" not in page and "Ví dụ:" not in page


# ---------------------------------------------------------------- 6. the commune sees what the team changed

def test_the_commune_sees_each_correction_once_verified(app: Flask, officer, reviewer):
    values = example_values()
    aid = submit(app, officer, values)
    act(app, reviewer, aid, "start_review")
    new = values["c6_special_supported"] + 2
    correct(app, reviewer, aid, "c6_special_supported", str(new), "Hồ sơ trợ giúp ghi nhiều hơn",
            "Danh sách 2022")
    page = officer.get(f"/assessment/{aid}").text
    assert 'id="corrections"' not in page and 'id="t-c6_special_supported"' not in page  # not yet verified
    accept_rest(app, reviewer, aid)
    act(app, reviewer, aid, "verify")
    page = officer.get(f"/assessment/{aid}").text
    label = _cs(app).input("c6_special_supported").label
    table = page.split('id="corrections"')[1].split("</section>")[0]
    assert "Điều chỉnh của tổ thẩm định (1)" in table and label in table
    row = table.split(label)[1].split("</tr>")[0]
    assert f">{values['c6_special_supported']}<" in row and f"<strong>{new}</strong>" in row
    assert "Hồ sơ trợ giúp ghi nhiều hơn" in row and "Danh sách 2022" in row
    at_field = page.split('id="t-c6_special_supported"')[1].split("</p>")[0]
    assert f"<strong>{new}</strong>" in at_field
    assert f"xã đã nhập: {values['c6_special_supported']}" in at_field
    assert "Lý do: Hồ sơ trợ giúp ghi nhiều hơn" in at_field
    # The commune's own figure stays in its field.
    assert f'value="{values["c6_special_supported"]}"' in page.split('id="f-c6_special_supported"')[1]
