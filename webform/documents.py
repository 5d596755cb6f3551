"""PDF downloads, rendered by the reports package: the proposal file (tờ trình, biên bản, phụ lục) for the
district team, the self-assessment report for the commune."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template
from flask_login import current_user

from engine.states import VERIFIED_STATES

from . import pdfcache
from .auth import assessment_for, role_required
from .db import get_session
from .engines import make_assessment, score_or_none
from .models import ROLE_COMMUNE, ROLE_REVIEWER, Assessment
from .services.figures import verified_values
from .services.review import verified_on
from .units import report_config
from .versions import criteria_of, engine_of

bp = Blueprint("documents", __name__)

MSG_DRAFT_REPORT = ("Báo cáo tự đánh giá được in sau khi xã đã gửi hồ sơ thẩm định. Hồ sơ này còn là bản "
                    "nháp: hãy kiểm tra điểm trên trang tự đánh giá.")


def _pdf(data: bytes, filename: str, hit: bool) -> Response:
    # The header says whether the PDF was rendered for this request (tests and operators read it).
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "X-CFC-PDF-Cache": "hit" if hit else "miss"})


def _verified_on(a: Assessment) -> date:
    return verified_on(get_session(), a)


def _failed(message: str) -> Any:
    return render_template("error.html", code=503, message=message), 503


class NotReady(Exception):
    """The assessment's figures cannot be scored (yet): no PDF."""


def proposal_pdf(a: Assessment) -> tuple[bytes, str, bool]:
    """The proposal file of an assessment: (PDF, download name, whether it came from the cache). Raises
    NotReady, or the reports package's FontMissingError / ConfigError."""
    from reports import Correction, pdf_filename, render_proposal

    eng = engine_of(a)
    doc = make_assessment(a.commune.profile(a.period), a.period, a.values or {})
    result_self = score_or_none(eng, doc)
    result_verified = score_or_none(
        eng, make_assessment(a.commune.profile(a.period), a.period, verified_values(a)))
    if result_self is None or result_verified is None:
        raise NotReady
    cs = criteria_of(a)
    review_date = _verified_on(a)
    filename = pdf_filename("proposal", result_verified)
    numbers = {"to_trinh": a.proposal_number} if a.proposal_number else None
    cfg = report_config(a.commune, a.period)  # this unit's bodies that year (ConfigError when none)
    key = pdfcache.pdf_key("proposal", a, cs, {
        "review_date": review_date, "document_date": a.proposal_date, "numbers": numbers,
        "report_config": cfg.model_dump(mode="json"),
    })
    pdf = pdfcache.cached(a.id, "proposal", key)
    if pdf is not None:
        return pdf, filename, True
    corrections = [Correction(field=c.input_id, commune_value=c.commune_value, verified_value=c.team_value,
                              reason=c.reason, evidence=c.evidence) for c in a.corrections]
    pdf = render_proposal(result_self, result_verified, corrections, cfg, criteria_set=cs, assessment=doc,
                          review_date=review_date, document_date=a.proposal_date, numbers=numbers,
                          renderer=_renderer())
    pdfcache.store(a.id, "proposal", key, pdf)
    return pdf, filename, False


def _renderer() -> Any:
    """The warm process pool's renderer (its documents at once), or None: here, one after the other."""
    size = int(current_app.config.get("PDF_PROCS") or 0)
    if size <= 0:
        return None
    from reports import pool

    return pool.render_file if pool.start(size) is not None else None


_AHEAD: tuple[int, ThreadPoolExecutor] | None = None


def render_ahead(assessment_id: int) -> None:
    """Render the proposal file in the background once the team has verified, so that the reviewer's first
    click on "In tờ trình" is served from the cache. One thread per worker process (created after the
    fork), so a render never takes more than one core from the requests; PDF_RENDER_AHEAD=False skips it."""
    global _AHEAD
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config.get("PDF_RENDER_AHEAD"):
        return
    if _AHEAD is None or _AHEAD[0] != os.getpid():
        _AHEAD = (os.getpid(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="cfc-pdf-ahead"))

    def job() -> None:
        with app.app_context():
            try:
                a = get_session().get(Assessment, assessment_id)
                if a is not None and a.state in VERIFIED_STATES:
                    proposal_pdf(a)
            except Exception:  # noqa: BLE001 - the request that needs the PDF renders it and says why
                app.logger.exception("rendering ahead the proposal of assessment %s", assessment_id)

    _AHEAD[1].submit(job)


def wait_for_renders() -> None:
    """Until the background renders queued so far are done (tests, benchmarks)."""
    if _AHEAD is not None and _AHEAD[0] == os.getpid():
        _AHEAD[1].submit(lambda: None).result()


@bp.route("/review/<int:assessment_id>/proposal.pdf")
@role_required(ROLE_REVIEWER)
def proposal(assessment_id: int) -> Any:
    from reports import ConfigError, FontMissingError

    a = assessment_for(current_user, assessment_id)
    if a.state not in VERIFIED_STATES:
        abort(409)
    try:
        pdf, filename, hit = proposal_pdf(a)
    except NotReady:
        abort(409)
    except (FontMissingError, ConfigError) as exc:
        return _failed(f"Chưa in được hồ sơ: {exc}")
    return _pdf(pdf, filename, hit=hit)


@bp.route("/assessment/<int:assessment_id>/self-assessment.pdf")
@role_required(ROLE_COMMUNE)
def self_assessment(assessment_id: int) -> Any:
    from reports import ConfigError, FontMissingError, pdf_filename, render_self_assessment

    a = assessment_for(current_user, assessment_id)
    if a.state == "draft":
        # The report is the record of what the commune sent; a draft is not one yet.
        return render_template("error.html", code=409, message=MSG_DRAFT_REPORT), 409
    doc = make_assessment(a.commune.profile(a.period), a.period, a.values or {})
    result = score_or_none(engine_of(a), doc)
    if result is None:
        abort(409)
    cs = criteria_of(a)
    filename = pdf_filename("self_assessment", result)
    try:
        cfg = report_config(a.commune, a.period)
        key = pdfcache.pdf_key("self_assessment", a, cs, {"report_config": cfg.model_dump(mode="json")})
        pdf = pdfcache.cached(a.id, "self_assessment", key)
        if pdf is not None:
            return _pdf(pdf, filename, hit=True)
        pdf = render_self_assessment(result, cfg, criteria_set=cs, assessment=doc)
    except (FontMissingError, ConfigError) as exc:
        return _failed(f"Chưa in được báo cáo: {exc}")
    pdfcache.store(a.id, "self_assessment", key, pdf)
    return _pdf(pdf, filename, hit=False)
