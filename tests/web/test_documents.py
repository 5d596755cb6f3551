"""PDF downloads: the proposal file for the district team, the self-assessment report for the commune."""

from __future__ import annotations

import io
import unicodedata

from flask import Flask
from pypdf import PdfReader

from .conftest import EXAMPLES as _EXAMPLES
from .conftest import assessment_of, example_values, form_data, login
from .test_review import accept_rest, act, correct, submit

ROOT = _EXAMPLES.parent


def _text(data: bytes) -> str:
    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(unicodedata.normalize("NFC", text).split())  # one space for every line break


def test_proposal_pdf_after_verification_with_the_correction(app: Flask, officer, reviewer):
    values = example_values()
    aid = submit(app, officer, values)
    assert reviewer.get(f"/review/{aid}/proposal.pdf").status_code == 409  # not verified yet
    act(app, reviewer, aid, "start_review")
    new = values["c6_special_supported"] + 2
    correct(app, reviewer, aid, "c6_special_supported", str(new), "Hồ sơ trợ giúp ghi nhiều hơn", "Danh sách")
    assert accept_rest(app, reviewer, aid).status_code == 302
    assert act(app, reviewer, aid, "verify").status_code == 302
    assert "In tờ trình (PDF)" in reviewer.get(f"/review/{aid}").text
    r = reviewer.get(f"/review/{aid}/proposal.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert r.data.startswith(b"%PDF")
    assert "23538" in r.headers["Content-Disposition"]
    text = _text(r.data)
    assert "Ia Tơi" in text
    assert "TỜ TRÌNH" in text
    assert "Hồ sơ trợ giúp ghi nhiều hơn" in text
    (ROOT / "test-output").mkdir(exist_ok=True)
    (ROOT / "test-output" / "web-proposal.pdf").write_bytes(r.data)


def test_self_assessment_pdf_for_the_commune_only(app: Flask, officer, reviewer, other_officer):
    aid = submit(app, officer)
    assert "In báo cáo tự đánh giá (PDF)" in officer.get(f"/assessment/{aid}").text
    r = officer.get(f"/assessment/{aid}/self-assessment.pdf")
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
    assert "Ia Tơi" in _text(r.data)
    assert other_officer.get(f"/assessment/{aid}/self-assessment.pdf").status_code == 404
    assert reviewer.get(f"/assessment/{aid}/self-assessment.pdf").status_code == 403
    assert officer.get(f"/review/{aid}/proposal.pdf").status_code == 403


def test_pdfs_need_login(client, app: Flask):
    a = assessment_of(app)
    for url in (f"/review/{a.id}/proposal.pdf", f"/assessment/{a.id}/self-assessment.pdf"):
        r = client.get(url)
        assert r.status_code == 302 and "/auth/login" in r.location
    c = app.test_client()
    login(c, "quantri")
    assert c.get(f"/review/{a.id}/proposal.pdf").status_code == 403


def test_no_report_link_for_a_draft(app: Flask, officer):
    """A draft's report is not offered: its figures are not final."""
    a = assessment_of(app)
    officer.post(f"/assessment/{a.id}", data=form_data({"c2_births": 3}, a.version))
    assert "In báo cáo tự đánh giá (PDF)" not in officer.get(f"/assessment/{a.id}").text
