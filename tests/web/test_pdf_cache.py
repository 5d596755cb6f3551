"""Rendered PDFs are cached in the database: a second request is served without rendering (header
X-CFC-PDF-Cache: hit, the same bytes), and any change to what the PDF shows renders it again."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from webform import pdfcache
from webform.db import get_session
from webform.models import Assessment, CachedPdf, Commune

from .conftest import example_values
from .test_documents import _text
from .test_review import accept_rest, act, correct, submit

CONFIG = Path(__file__).resolve().parents[2] / "reports" / "config" / "ia-hdrai-2022.yaml"


def _verified(app: Flask, officer, reviewer) -> int:
    aid = submit(app, officer, example_values())
    act(app, reviewer, aid, "start_review")
    correct(app, reviewer, aid, "c6_special_supported", "9", "Hồ sơ trợ giúp ghi nhiều hơn", "Danh sách")
    assert accept_rest(app, reviewer, aid).status_code == 302  # verify needs every item decided
    assert act(app, reviewer, aid, "verify").status_code == 302
    return aid


def _rows(app: Flask) -> list[tuple[int, str, int]]:
    with app.app_context():
        return [tuple(r) for r in get_session().execute(
            select(CachedPdf.assessment_id, CachedPdf.kind, CachedPdf.size)).all()]


def test_proposal_rendered_once_then_again_after_each_change(app: Flask, officer, reviewer, tmp_path,
                                                             monkeypatch):
    aid = _verified(app, officer, reviewer)
    url = f"/review/{aid}/proposal.pdf"
    first = reviewer.get(url)
    assert first.status_code == 200 and first.headers["X-CFC-PDF-Cache"] == "miss"
    again = reviewer.get(url)
    assert again.headers["X-CFC-PDF-Cache"] == "hit" and again.data == first.data
    assert again.headers["Content-Disposition"] == first.headers["Content-Disposition"]
    assert [r[:2] for r in _rows(app)] == [(aid, "proposal")]

    # The report configuration (read from disk on each request): another signer.
    edited = tmp_path / "config.yaml"
    edited.write_text(CONFIG.read_text(encoding="utf-8").replace("Nguyễn Văn Hùng", "Trần Thị Mai"),
                      encoding="utf-8")
    monkeypatch.setenv("CFC_REPORT_CONFIG", str(edited))
    signed = reviewer.get(url)
    assert signed.headers["X-CFC-PDF-Cache"] == "miss"
    assert "Trần Thị Mai" in _text(signed.data) and "Trần Thị Mai" not in _text(first.data)
    assert reviewer.get(url).headers["X-CFC-PDF-Cache"] == "hit"
    monkeypatch.delenv("CFC_REPORT_CONFIG")

    # The commune's name.
    with app.app_context():
        session = get_session()
        session.scalar(select(Commune).where(Commune.code == "23538")).name = "Xã Ia Tơi Mới"
        session.commit()
    renamed = reviewer.get(url)
    assert renamed.headers["X-CFC-PDF-Cache"] == "miss" and "Ia Tơi Mới" in _text(renamed.data)

    # The state.
    assert act(app, reviewer, aid, "propose").status_code == 302
    assert reviewer.get(url).headers["X-CFC-PDF-Cache"] == "miss"
    assert reviewer.get(url).headers["X-CFC-PDF-Cache"] == "hit"
    assert len(_rows(app)) == 1  # one PDF per assessment and kind, whatever was rendered before


def test_an_upgraded_weasyprint_renders_again(app: Flask, officer, reviewer, monkeypatch):
    aid = _verified(app, officer, reviewer)
    url = f"/review/{aid}/proposal.pdf"
    reviewer.get(url)
    assert reviewer.get(url).headers["X-CFC-PDF-Cache"] == "hit"
    installed = pdfcache._library_versions()
    assert any(line.startswith("weasyprint==") for line in installed)
    upgraded = [("weasyprint==999.0" if line.startswith("weasyprint==") else line) for line in installed]
    monkeypatch.setattr(pdfcache, "_library_versions", lambda: upgraded)
    pdfcache.renderer_hash.cache_clear()
    try:
        assert reviewer.get(url).headers["X-CFC-PDF-Cache"] == "miss"
        assert reviewer.get(url).headers["X-CFC-PDF-Cache"] == "hit"
    finally:
        monkeypatch.undo()
        pdfcache.renderer_hash.cache_clear()
    assert reviewer.get(url).headers["X-CFC-PDF-Cache"] == "miss"  # back to the installed version


def test_key_follows_corrections_figures_and_criteria(app: Flask, officer, reviewer):
    aid = _verified(app, officer, reviewer)
    with app.app_context():
        a = get_session().get(Assessment, aid)
        cs = app.extensions["cfc_scoring"].criteria_set(a.criteria_set_id)
        key = pdfcache.pdf_key("proposal", a, cs)
        assert key == pdfcache.pdf_key("proposal", a, cs)
        assert key != pdfcache.pdf_key("self_assessment", a, cs)
        a.corrections[0].reason = "Lý do khác"
        assert pdfcache.pdf_key("proposal", a, cs) != key
        get_session().rollback()
        a = get_session().get(Assessment, aid)
        a.values = {**a.values, "c2_births": a.values["c2_births"] + 1}
        assert pdfcache.pdf_key("proposal", a, cs) != key
        get_session().rollback()
        a = get_session().get(Assessment, aid)
        other_set = cs.model_copy(update={"name": cs.name + " (sửa)"})
        assert pdfcache.pdf_key("proposal", a, other_set) != pdfcache.pdf_key("proposal", a, cs)


def test_self_assessment_cached_and_renewed_after_a_state_change(app: Flask, officer, reviewer):
    aid = submit(app, officer, example_values())
    url = f"/assessment/{aid}/self-assessment.pdf"
    first = officer.get(url)
    assert first.status_code == 200 and first.headers["X-CFC-PDF-Cache"] == "miss"
    assert officer.get(url).headers["X-CFC-PDF-Cache"] == "hit"
    act(app, reviewer, aid, "start_review")
    assert officer.get(url).headers["X-CFC-PDF-Cache"] == "miss"


def test_cache_is_bounded_in_bytes(app: Flask, officer, reviewer):
    aid = _verified(app, officer, reviewer)
    size = len(reviewer.get(f"/review/{aid}/proposal.pdf").data)
    # Room for one PDF, not two (the self-assessment report is the smaller of the two).
    app.config["PDF_CACHE_MB"] = size * 1.01 / 2**20
    assert officer.get(f"/assessment/{aid}/self-assessment.pdf").status_code == 200
    rows = _rows(app)
    assert [r[1] for r in rows] == ["self_assessment"]  # the older one went
    with app.app_context():
        assert get_session().scalar(select(func.sum(CachedPdf.size))) <= size * 1.01


def test_proposal_rendered_ahead_once_verified(app: Flask, officer, reviewer):
    from webform.documents import wait_for_renders

    app.config["PDF_RENDER_AHEAD"] = True
    aid = _verified(app, officer, reviewer)
    wait_for_renders()
    first = reviewer.get(f"/review/{aid}/proposal.pdf")
    assert first.status_code == 200 and first.headers["X-CFC-PDF-Cache"] == "hit"
    assert "Ia Tơi" in _text(first.data)


def test_a_killed_pdf_process_still_gives_the_right_proposal(app: Flask, officer, reviewer):
    import os
    import signal
    import time

    from reports import pool

    app.config["PDF_PROCS"] = 2
    broken = pool.start(2)
    broken.wait_ready()
    victim = broken.pids()[0]
    os.kill(victim, signal.SIGKILL)
    for _ in range(100):
        if not Path(f"/proc/{victim}").exists() or "Z" in Path(f"/proc/{victim}/stat").read_text()[-60:]:
            break
        time.sleep(0.05)
    aid = _verified(app, officer, reviewer)
    url = f"/review/{aid}/proposal.pdf"
    pooled = reviewer.get(url)
    assert pooled.status_code == 200 and pooled.headers["X-CFC-PDF-Cache"] == "miss"
    assert pool.current() is not broken
    # The same file rendered in the app process (no pool), from an emptied cache: the same text.
    app.config["PDF_PROCS"] = 0
    with app.app_context():
        session = get_session()
        session.query(CachedPdf).delete()
        session.commit()
    serial = reviewer.get(url)
    assert serial.status_code == 200 and serial.headers["X-CFC-PDF-Cache"] == "miss"
    assert _text(pooled.data) == _text(serial.data) and "Ia Tơi" in _text(pooled.data)
