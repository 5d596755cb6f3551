"""PDF downloads, rendered by the reports package: the proposal file (tờ trình, biên bản, phụ lục) for the
district team, the self-assessment report for the commune."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, render_template
from flask_login import current_user

from .auth import assessment_for, role_required
from .db import get_session
from .models import ROLE_COMMUNE, ROLE_REVIEWER, Assessment
from .review import verified_values
from .reviewing import verified_on
from .scoring import make_assessment, score_or_none
from .versions import criteria_of, engine_of

bp = Blueprint("documents", __name__)

# The proposal file exists once the team has verified the figures.
PROPOSAL_STATES = {"verified", "proposed", "recognised", "not_recognised"}
MSG_DRAFT_REPORT = ("Báo cáo tự đánh giá được in sau khi xã đã gửi hồ sơ thẩm định. Hồ sơ này còn là bản "
                    "nháp: hãy kiểm tra điểm trên trang tự đánh giá.")


def _pdf(data: bytes, filename: str) -> Response:
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _verified_on(a: Assessment) -> date:
    return verified_on(get_session(), a)


def _failed(message: str) -> Any:
    return render_template("error.html", code=503, message=message), 503


@bp.route("/review/<int:assessment_id>/proposal.pdf")
@role_required(ROLE_REVIEWER)
def proposal(assessment_id: int) -> Any:
    from reports import ConfigError, Correction, FontMissingError, pdf_filename, render_proposal

    a = assessment_for(current_user, assessment_id)
    if a.state not in PROPOSAL_STATES:
        abort(409)
    eng = engine_of(a)
    doc = make_assessment(a.commune.profile(), a.period, a.values or {})
    result_self = score_or_none(eng, doc)
    result_verified = score_or_none(eng, make_assessment(a.commune.profile(), a.period, verified_values(a)))
    if result_self is None or result_verified is None:
        abort(409)
    corrections = [Correction(field=c.input_id, commune_value=c.commune_value, verified_value=c.team_value,
                              reason=c.reason, evidence=c.evidence) for c in a.corrections]
    try:
        pdf = render_proposal(result_self, result_verified, corrections, None,
                              criteria_set=criteria_of(a), assessment=doc,
                              review_date=_verified_on(a), document_date=a.proposal_date,
                              numbers={"to_trinh": a.proposal_number} if a.proposal_number else None)
    except (FontMissingError, ConfigError) as exc:
        return _failed(f"Chưa in được hồ sơ: {exc}")
    return _pdf(pdf, pdf_filename("proposal", result_verified))


@bp.route("/assessment/<int:assessment_id>/self-assessment.pdf")
@role_required(ROLE_COMMUNE)
def self_assessment(assessment_id: int) -> Any:
    from reports import ConfigError, FontMissingError, pdf_filename, render_self_assessment

    a = assessment_for(current_user, assessment_id)
    if a.state == "draft":
        # The report is the record of what the commune sent; a draft is not one yet.
        return render_template("error.html", code=409, message=MSG_DRAFT_REPORT), 409
    doc = make_assessment(a.commune.profile(), a.period, a.values or {})
    result = score_or_none(engine_of(a), doc)
    if result is None:
        abort(409)
    try:
        pdf = render_self_assessment(result, None, criteria_set=criteria_of(a),
                                     assessment=doc)
    except (FontMissingError, ConfigError) as exc:
        return _failed(f"Chưa in được báo cáo: {exc}")
    return _pdf(pdf, pdf_filename("self_assessment", result))
