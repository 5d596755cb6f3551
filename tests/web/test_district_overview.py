"""The district overview (charts, criteria × communes, NTM), the years with a merge, the periodic reports,
the administrator's merge form, and who may see what."""

from __future__ import annotations

import io
import re
import unicodedata

import pytest
from flask import Flask
from openpyxl import load_workbook

from .conftest import engine_total, example_values
from .district_util import reviewer_of_another_district, submit, verify


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def test_overview_shows_states_totals_charts_and_the_criteria_table(app: Flask, officer, reviewer):
    values = example_values()
    submit(app, officer, values)
    verify(app, reviewer)
    total = engine_total(app, values)
    r = reviewer.get("/district/?period=2022")
    assert r.status_code == 200
    html = r.text
    # The charts need no script: the only ones are the app's own deferred static files (enhancements).
    scripts = re.findall(r"<script[^>]*>", html)
    own = r'<script src="/static/\w+\.js\?v=[0-9a-f]{10}" defer>'
    assert scripts and all(re.fullmatch(own, s) for s in scripts)
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    # Every commune with its state; only the verified one carries totals.
    for name in ("Xã Ia Tơi", "Xã Ia Đal", "Xã Ia Dom"):
        assert name in html
    assert html.count('<span class="state draft">Nháp</span>') == 2
    assert '<span class="state verified">Đã thẩm định</span>' in html
    assert f'<td class="num">{total.total}</td>' in html and f'<td class="num">{total.threshold}</td>' in html
    assert total.verdict in html
    # Two inline SVG charts with their titles: totals against the threshold, one commune's profile.
    svgs = re.findall(r"<svg .*?</svg>", html, flags=re.S)
    assert len(svgs) == 2
    assert "<title>Tổng điểm so với điểm chuẩn</title>" in svgs[0]
    assert f"Xã Ia Tơi: {total.total}/1000 điểm, điểm chuẩn {total.threshold}" in svgs[0]
    assert "<title>Xã Ia Tơi: điểm từng tiêu chí so với tối đa</title>" in svgs[1]
    assert svgs[1].count("<rect") == len(total.criteria)
    # The criteria × communes table, each cell coloured by share of the maximum.
    from reports.charts import share_colour

    matrix = html.split('id="matrix"')[1].split("</table>")[0]
    for c in total.criteria:
        assert f'style="background: {share_colour(c.points, c.max)}" title="{c.points}/{c.max} điểm">' \
               f"{c.points}</td>" in matrix
    # The NTM district view, from results scored by the engine built with the link tables.
    from engine.ntm.models import district_view

    ntm_html = html.split('id="ntm"')[1].split("</table>")[0]
    for view in district_view([total]):
        assert view.indicator in ntm_html


def test_overview_does_not_show_a_drafts_figures(app: Flask, officer, reviewer):
    from .conftest import form_data
    from .district_util import assessment_of

    a = assessment_of(app)
    assert officer.post(f"/assessment/{a.id}", data=form_data(example_values(), a.version)).status_code == 302
    html = reviewer.get("/district/?period=2022").text
    assert "<svg" not in html
    table = html.split('id="communes"')[1].split("</table>")[0]
    assert str(engine_total(app, example_values()).total) not in table


def test_years_of_the_successor_show_the_predecessors_history(app: Flask, officer, reviewer):
    values = example_values("ia-dal-2022.yaml")
    # Ia Dom's officer account is deactivated since the merge: its 2022 record is filled by the district
    # here (as in 2022), then read under Ia Tơi.
    from .district_util import store_values

    store_values(app, "23537", values, "submitted")
    r = reviewer.get("/district/years/23538")
    assert r.status_code == 200
    assert "ồm cả số liệu của Xã Ia Dom (23537) trước 01/07/2025" in r.text
    before = r.text.split('id="before"')[1]
    assert "Xã Ia Dom" in before and "2022" in before
    assert str(engine_total(app, values, _profile("23537", "Xã Ia Dom")).total) in before
    r = reviewer.get("/district/years/23537")
    assert "Xã Ia Dom (23537) đã sáp nhập vào Xã Ia Tơi (23538) từ 01/07/2025" in r.text
    table = reviewer.get("/district/years")
    assert table.status_code == 200
    assert "Sáp nhập vào Xã Ia Tơi (23538) từ 01/07/2025" in table.text
    assert "<th class=\"num\">2022</th>" in table.text
    # The officer sees the own commune's years, not another's.
    assert officer.get("/district/years/23538").status_code == 200
    assert officer.get("/district/years/23535").status_code == 404


def _profile(code: str, name: str) -> dict:
    return {"code": code, "name": name, "district": "Huyện Ia H'Drai", "province": "Tỉnh Kon Tum",
            "type": "mien_nui_dbkk", "region": "tay_nguyen", "ntm_tdmnpb_override": False}


def test_admin_records_a_merge_and_bad_merges_are_refused(app: Flask, admin, reviewer):
    r = admin.get("/district/communes")
    assert r.status_code == 200 and "vào Xã Ia Tơi (23538) từ 01/07/2025" in r.text
    for data, message in [
        ({"predecessor": "23535", "successor": "23535", "merged_on": "01/07/2025"}, "phải khác nhau"),
        ({"predecessor": "23535", "successor": "23538", "merged_on": "31/02/2025"},
         "Ngày sáp nhập không hợp lệ"),
        ({"predecessor": "23537", "successor": "23535", "merged_on": "01/07/2025"}, "đã được ghi sáp nhập"),
        ({"predecessor": "23535", "successor": "99999", "merged_on": "01/07/2025"}, "trong danh mục"),
    ]:
        r = admin.post("/district/communes", data=data)
        assert r.status_code == 400 and message in r.text
    r = admin.post("/district/communes", data={"predecessor": "23535", "successor": "23538",
                                                "merged_on": "2026-01-01"}, follow_redirects=True)
    assert r.status_code == 200
    assert "Đã ghi: Xã Ia Đal sáp nhập vào Xã Ia Tơi từ 01/01/2026." in r.text
    assert admin.get("/district/years/23538").status_code == 403  # the administrator sees no figures
    r = reviewer.get("/district/years/23538")
    assert ("ồm cả số liệu của Xã Ia Dom (23537) trước 01/07/2025, Xã Ia Đal (23535) trước 01/01/2026"
            in r.text)


@pytest.mark.parametrize(("kind", "span"), [("half", "6 tháng đầu năm 2022"), ("year", "năm 2022")])
def test_progress_report_pdf_and_xlsx(app: Flask, officer, reviewer, kind, span):
    from pypdf import PdfReader

    values = example_values()
    submit(app, officer, values)
    verify(app, reviewer)
    total = engine_total(app, values).total
    r = reviewer.get(f"/district/report.pdf?kind={kind}&year=2022")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = _nfc(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(r.data)).pages))
    flat = " ".join(text.split())
    assert f"thực hiện xây dựng xã, phường, thị trấn phù hợp với trẻ em {span}" in flat
    for name in ("Xã Ia Tơi", "Xã Ia Đal", "Xã Ia Dom"):
        assert name in flat
    assert "Đã thẩm định" in flat and str(total) in flat
    r = reviewer.get(f"/district/report.xlsx?kind={kind}&year=2022")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.data))["Báo cáo"]
    title = f"Báo cáo kết quả thực hiện xây dựng xã, phường, thị trấn phù hợp với trẻ em {span}"
    assert ws["A1"].value == title
    header = [c.value for c in ws[3]]
    rows = {row[1]: dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=4, values_only=True)}
    assert rows["23538"]["Kỳ này: thẩm định"] == total
    assert rows["23538"]["Kỳ này: trạng thái"] == "Đã thẩm định"
    assert rows["23535"]["Kỳ này: trạng thái"] == "Nháp" and rows["23535"]["Kỳ này: tự đánh giá"] is None


def test_progress_report_counts_recognised_and_shows_the_previous_period(app: Flask, officer, reviewer):
    from webform.db import get_session
    from webform.models import Assessment, Commune

    # An earlier recognised assessment (stored directly: the year-2020 figures predate the app).
    with app.test_request_context():
        s = get_session()
        toi = s.query(Commune).filter_by(code="23538").one()
        s.add(Assessment(commune_id=toi.id, period=2020, criteria_set_id="qd06-2019", state="recognised",
                         values=example_values(), sources={}, verified_recognised=True))
        s.commit()
    r = reviewer.get("/district/report.xlsx?kind=year&year=2022")
    ws = load_workbook(io.BytesIO(r.data))["Báo cáo"]
    assert "đã công nhận kỳ này: 0; kỳ trước: 1" in ws["A2"].value
    header = [c.value for c in ws[3]]
    rows = {row[1]: dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=4, values_only=True)}
    assert rows["23538"]["Kỳ trước: năm"] == 2020
    assert rows["23538"]["Kỳ trước: trạng thái"] == "Đã công nhận"
    assert rows["23538"]["Kỳ trước: kết quả"] == "Đạt"


def test_role_access(app: Flask, client, officer, reviewer, admin):
    # Anonymous: to the login page.
    for url in ("/district/", "/district/upload", "/district/years", "/district/communes"):
        r = client.get(url)
        assert r.status_code == 302 and "/auth/login" in r.headers["Location"]
    # The commune officer: own spreadsheet and own years only.
    for url in ("/district/", "/district/years", "/district/results-2022.xlsx", "/district/results-2022.csv",
                "/district/report.pdf?kind=year&year=2022", "/district/communes"):
        assert officer.get(url).status_code == 403, url
    assert officer.get("/district/upload").status_code == 200
    # The reviewer: no registry edits; the administrator: no uploads.
    assert reviewer.get("/district/communes").status_code == 403
    assert reviewer.post("/district/communes", data={}).status_code == 403
    assert admin.get("/district/upload").status_code == 403
    assert admin.get("/district/template.xlsx").status_code == 403
    # The administrator keeps accounts and communes, and sees no figures (README, "Who does what").
    for url in ("/district/?period=2022", "/district/years", "/district/results-2022.xlsx",
                "/district/results-2022.csv", "/district/report.pdf?kind=year&year=2022",
                "/district/report.xlsx?kind=year&year=2022", "/district/years/23538"):
        assert admin.get(url).status_code == 403, url
    assert reviewer.get("/district/report.pdf?kind=month&year=2022").status_code == 404
    assert reviewer.get("/district/years/99999").status_code == 404


def test_reviewer_sees_only_communes_of_own_district(app: Flask, officer, reviewer):
    submit(app, officer, example_values())
    other = reviewer_of_another_district(app)
    html = other.get("/district/?period=2022").text
    assert "Xã Ia Tơi" not in html
    assert other.get("/district/years/23538").status_code == 404
    r = other.get("/district/results-2022.csv")
    assert "23538" not in r.data.decode("utf-8-sig")
    assert "Xã Ia Tơi" not in other.get("/district/years").text
