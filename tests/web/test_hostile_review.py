"""Issue 9.3, 9.4, 9.11: no figure of an unsent record reaches the district on any route; exports neutralise
formulas; the smaller ones (predecessor's draft, draft PDF, capped comment, CSP, the administrator)."""

from __future__ import annotations

import csv
import io

import pytest
from flask import Flask
from openpyxl import load_workbook

from .conftest import assessment_of, engine_total, example_values, form_data, logged_in
from .district_util import submit, verify
from .hostile_util import db_fingerprint

MARK = 987654  # a figure that appears nowhere else on any page


def _draft_with_mark(app: Flask, officer) -> int:
    a = assessment_of(app)
    values = example_values()
    values["c2_births"] = MARK
    values["c2_registered_on_time"] = MARK - 1
    assert officer.post(f"/assessment/{a.id}", data=form_data(values, a.version)).status_code == 302
    return a.id


def _no_figure(text: str) -> None:
    for shown in (str(MARK), f"{MARK:,}".replace(",", "."), str(MARK - 1)):
        assert shown not in text


@pytest.mark.parametrize(("path", "data"), [
    ("/review/{id}/accept", {"item_id": "2.1"}),
    ("/review/{id}/correct", {"input_id": "c2_births", "value": "5", "reason": "x"}),
    ("/review/{id}/correct", {"input_id": "c2_births", "value": "abc", "reason": ""}),
    ("/review/{id}/transition", {"name": "start_review"}),
    ("/review/{id}/transition", {"name": "verify"}),
    ("/review/{id}/transition", {"name": "return", "comment": "x"}),
    ("/review/{id}/transition", {"name": "recognise", "decision_number": "1"}),
])
def test_post_routes_on_a_draft_show_no_figure(app: Flask, officer, reviewer, path: str, data: dict):
    aid = _draft_with_mark(app, officer)
    before = db_fingerprint(app)
    a = assessment_of(app)
    r = reviewer.post(path.format(id=aid), data={**data, "version": str(a.version)})
    assert r.status_code in (400, 409), r.status_code
    assert "Xã chưa gửi hồ sơ" in r.text or "Yêu cầu không hợp lệ" in r.text
    _no_figure(r.text)
    assert db_fingerprint(app) == before


def test_no_district_page_shows_a_draft_figure(app: Flask, officer, reviewer):
    aid = _draft_with_mark(app, officer)
    marked = {**example_values(), "c2_births": MARK, "c2_registered_on_time": MARK - 1}
    total = engine_total(app, marked).total
    for url in (f"/review/{aid}", f"/assessment/{aid}/history", f"/assessment/{aid}", "/review/?period=2022",
                "/district/?period=2022", "/district/years", "/district/years/23538",
                "/district/results-2022.csv"):
        r = reviewer.get(url, follow_redirects=True)
        assert r.status_code == 200, url
        _no_figure(r.get_data(as_text=True))
        if url.startswith("/district/results"):
            assert "Xã Ia Tơi" not in r.get_data(as_text=True)
    assert str(total) not in reviewer.get("/district/years/23538").text


def test_a_merged_communes_officer_sees_no_draft_of_its_predecessor(app: Flask, officer):
    dom = logged_in(app, "xa-iadom")  # Xã Ia Dom merged into Xã Ia Tơi (seeded)
    a = assessment_of(app, "23537")
    values = example_values("ia-dal-2022.yaml")
    assert dom.post(f"/assessment/{a.id}", data=form_data(values, a.version)).status_code == 302
    total = engine_total(app, values).total
    page = officer.get("/district/years/23538").text
    before = page.split('id="before"')[1]
    assert "Xã Ia Dom" in before and str(total) not in before
    # Its own draft's score, the officer still sees.
    assert dom.get("/district/years/23537").status_code == 200


def test_the_self_assessment_pdf_is_not_served_for_a_draft(app: Flask, officer):
    aid = _draft_with_mark(app, officer)
    r = officer.get(f"/assessment/{aid}/self-assessment.pdf")
    assert r.status_code == 409 and r.mimetype == "text/html"
    assert "Báo cáo tự đánh giá được in sau khi xã đã gửi hồ sơ" in r.text


def test_the_return_comment_is_capped_and_nothing_is_stored(app: Flask, officer, reviewer):
    aid = submit(app, officer, example_values())
    a = assessment_of(app)
    assert reviewer.post(f"/review/{aid}/transition", data={"name": "start_review",
                                                            "version": a.version}).status_code == 302
    a = assessment_of(app)
    before = db_fingerprint(app)
    r = reviewer.post(f"/review/{aid}/transition", data={"name": "return", "comment": "x" * 210_000,
                                                         "version": a.version})
    assert r.status_code == 400 and "Ý kiến quá dài (tối đa 2000 ký tự)" in r.text
    assert db_fingerprint(app) == before
    r = reviewer.post(f"/review/{aid}/transition", data={"name": "return", "comment": "x" * 2000,
                                                         "version": a.version})
    assert r.status_code == 302 and assessment_of(app).return_comment == "x" * 2000


def test_exports_neutralise_formulas(app: Flask, officer, reviewer):
    from webform.db import get_session
    from webform.models import Commune

    with app.app_context():
        s = get_session()
        c = s.query(Commune).filter_by(code="23538").one()
        c.name = '=HYPERLINK("http://evil.example","Xã Ia Tơi")'
        s.commit()
    submit(app, officer, example_values())
    verify(app, reviewer)
    r = reviewer.get("/district/results-2022.csv")
    assert r.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert rows[1][1] == "'=HYPERLINK(\"http://evil.example\",\"Xã Ia Tơi\")"
    for url, sheet, col in (("/district/results-2022.xlsx", "Kết quả", 2),
                            ("/district/report.xlsx?kind=year&year=2022", "Báo cáo", 3)):
        ws = load_workbook(io.BytesIO(reviewer.get(url).data))[sheet]
        cells = [ws.cell(row, col) for row in range(1, ws.max_row + 1)]
        hit = [c for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value]
        assert hit and all(c.value.startswith("'=") and c.data_type == "s" for c in hit), url
    template = load_workbook(io.BytesIO(officer.get("/district/template.xlsx?period=2022").data))
    names = [c.value for c in template["Tự đánh giá"]["B"]
             if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert names and all(n.startswith("'=") for n in names)


def test_every_page_has_a_content_security_policy(app: Flask, officer, client):
    for c, url in ((client, "/auth/login"), (officer, "/assessment/"), (officer, "/district/upload")):
        csp = c.get(url).headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert "unsafe-eval" not in csp and "script-src 'self' 'unsafe-inline'" not in csp


def test_no_page_has_an_inline_script(app: Flask, officer, reviewer):
    aid = submit(app, officer, example_values())
    for c, url in ((officer, f"/assessment/{aid}"), (reviewer, f"/review/{aid}"),
                   (reviewer, "/district/?period=2022"), (reviewer, "/review/")):
        page = c.get(url).text
        for tag in page.split("<script")[1:]:
            assert tag.split(">")[0].strip().startswith("src="), url
        assert " onclick=" not in page and "javascript:" not in page


def test_the_administrator_sees_no_figures(app: Flask, officer, admin):
    aid = submit(app, officer, example_values())
    total = str(engine_total(app, example_values()).total)
    for url in (f"/review/{aid}", f"/assessment/{aid}", f"/assessment/{aid}/history",
                f"/review/{aid}/proposal.pdf", "/district/?period=2022", "/district/years"):
        r = admin.get(url)
        assert r.status_code in (403, 404), url
    page = admin.get("/admin/").text
    assert total not in page and "Tổng hợp cấp huyện" not in page and "Sáp nhập xã" in page
