"""The district team: queue, per-item accept or correct, return, verify, record the decision."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from engine.cells import parse_id

from . import history
from .auth import assessment_for, communes_for_reviewer, role_required
from .db import commit, get_session
from .models import ROLE_REVIEWER, Assessment, Correction, ItemReview, utcnow
from .scoring import ParsedForm, make_assessment, nfc, parse_value, score_or_none, validate
from .versions import criteria_of, engine_of, follow_in_force, version_note
from .workflow import REVIEWABLE_STATES, STATE_LABELS, TRANSITIONS, IllegalTransition, check

bp = Blueprint("review", __name__, url_prefix="/review")

MSG_STALE = (
    "Chưa lưu: hồ sơ vừa được người khác thay đổi sau khi bạn mở trang. Trang đã được tải lại với số liệu "
    "mới nhất; vui lòng xem lại rồi thực hiện lại thao tác."
)
MSG_NOT_REVIEWING = "Chỉ điều chỉnh hoặc chấp nhận số liệu khi hồ sơ đang ở trạng thái “Đang thẩm định”."
MSG_REASON_REQUIRED = "Phải ghi lý do điều chỉnh."
MSG_COMMENT_REQUIRED = "Phải ghi ý kiến của tổ thẩm định khi trả lại hồ sơ."
MSG_VALUE_REQUIRED = "Phải nhập giá trị sau điều chỉnh."
COMMENT_MAX = 2000
MSG_COMMENT_TOO_LONG = f"Ý kiến quá dài (tối đa {COMMENT_MAX} ký tự). Chưa lưu gì."


def verified_values(a: Assessment) -> dict[str, Any]:
    """The commune's figures with the team's corrections laid over them (the commune's stay stored)."""
    values = dict(a.values or {})
    for c in a.corrections:
        values[c.input_id] = c.team_value
    return values


def _score(a: Assessment, values: dict[str, Any]) -> Any:
    eng = engine_of(a)
    return score_or_none(eng, make_assessment(a.commune.profile(), a.period, values))


@bp.route("/")
@role_required(ROLE_REVIEWER)
def queue() -> Any:
    communes = communes_for_reviewer(current_user)
    session = get_session()
    ids = [c.id for c in communes]
    periods = sorted(
        set(session.scalars(select(Assessment.period).where(Assessment.commune_id.in_(ids)))),
        reverse=True,
    )
    period_text = request.args.get("period", "")
    if period_text:
        period = parse_id(period_text)
        if period is None or not 2000 <= period <= 2100:
            abort(404)
    else:
        period = periods[0] if periods else None
    state = request.args.get("state", "")
    if state and state not in STATE_LABELS:
        state = ""
    rows: list[dict[str, Any]] = []
    if period is not None:
        by_commune = {
            a.commune_id: a
            for a in session.scalars(
                select(Assessment).where(
                    Assessment.period == period, Assessment.commune_id.in_([c.id for c in communes])
                )
            )
        }
        for c in communes:
            a = by_commune.get(c.id)
            if state and (a is None or a.state != state):
                continue
            rows.append({"commune": c, "a": a})
    return render_template("review/queue.html", rows=rows, periods=periods, period=period, state=state,
                           states=STATE_LABELS, chart=_totals_chart(rows))


def _totals_chart(rows: list[dict[str, Any]]) -> Markup | None:
    """Each commune's total (verified when there is one) against its own tier threshold, as inline SVG."""
    from reports.charts import TotalBar, totals_chart

    bars = []
    for row in rows:
        a = row["a"]
        if a is None:
            continue
        cs = criteria_of(a)
        try:
            threshold = cs.tier(row["commune"].type).threshold
        except Exception:  # a commune type the set does not know: no bar rather than a broken page
            continue
        # A draft's figures are still the commune's own work in progress: no bar for it.
        total = None if a.state == "draft" else (
            a.verified_total if a.verified_total is not None else a.self_total)
        bars.append(TotalBar(label=row["commune"].name, total=total, threshold=threshold,
                             recognised=a.verified_recognised))
    # The chart escapes every label itself.
    return Markup(totals_chart(bars)) if bars else None


def render_review(
    a: Assessment, status: int = 200, messages: list[str] | None = None,
    correction_errors: dict[str, str] | None = None, typed: dict[str, dict[str, str]] | None = None,
) -> Any:
    if a.state == "draft":
        # The one place the review page is rendered, for GET and every POST alike: a draft never shows a
        # figure to the team, whatever route or message asked for it.
        return not_submitted(a, 200 if status == 200 else 409)
    cs = criteria_of(a)
    self_result = _score(a, a.values or {})
    v_values = verified_values(a)
    v_result = _score(a, v_values)
    self_items = {i.id: i for i in self_result.items} if self_result else {}
    v_items = {i.id: i for i in v_result.items} if v_result else {}
    self_crit = {c.id: c for c in self_result.criteria} if self_result else {}
    v_crit = {c.id: c for c in v_result.criteria} if v_result else {}
    corrections = {c.input_id: c for c in a.corrections}
    accepted = {r.item_id for r in a.item_reviews}
    inputs = {d.id: d for d in cs.inputs}
    rank = {d.id: n for n, d in enumerate(cs.inputs)}  # the form's order: the whole before its parts
    groups = []
    for crit in cs.criteria:
        items = []
        for item in (i for i in cs.items if i.criterion == crit.id):
            items.append({"item": item, "self": self_items.get(item.id), "verified": v_items.get(item.id),
                          "inputs": [inputs[i] for i in sorted(item.inputs, key=lambda i: rank.get(i, 0))
                                     if i in inputs],
                          "accepted": item.id in accepted,
                          "corrected": any(i in corrections for i in item.inputs)})
        groups.append({"crit": crit, "self": self_crit.get(crit.id), "verified": v_crit.get(crit.id),
                       "item_list": items})
    actions = [t for t in TRANSITIONS.values() if t.role == ROLE_REVIEWER and a.state in t.source]
    if a.state == "verified":
        # Only a verified "Đạt" goes on to a proposal; a "Không đạt" is closed by its decision.
        actions = [t for t in actions if (t.name == "propose") == bool(a.verified_recognised)]
    return render_template(
        "review/review.html", a=a, cs=cs, groups=groups, self_result=self_result, v_result=v_result,
        corrections=corrections, v_values=v_values, reviewing=a.state in REVIEWABLE_STATES,
        actions=actions, messages=messages or [], correction_errors=correction_errors or {},
        typed=typed or {}, sources=a.sources or {}, vnote=version_note(get_session(), a),
    ), status


@bp.route("/<int:assessment_id>")
@role_required(ROLE_REVIEWER)
def show(assessment_id: int) -> Any:
    a = assessment_for(current_user, assessment_id)
    return render_review(a)


def not_submitted(a: Assessment, status: int = 200) -> Any:
    """A draft is the commune's work in progress: the team sees it once it is submitted."""
    return render_template("review/not_submitted.html", a=a), status


def _stale(a: Assessment) -> bool:
    text = (request.form.get("version") or "").strip()
    return parse_id(text) != a.version


def _commit_or_conflict(a: Assessment) -> Any | None:
    try:
        commit(get_session())
    except StaleDataError:
        get_session().rollback()
        return render_review(get_session().get(Assessment, a.id), 409, [MSG_STALE])
    return None


@bp.route("/<int:assessment_id>/accept", methods=["POST"])
@role_required(ROLE_REVIEWER)
def accept(assessment_id: int) -> Any:
    a = assessment_for(current_user, assessment_id)
    cs = criteria_of(a)
    item_id = request.form.get("item_id", "")
    if item_id not in {i.id for i in cs.items}:
        abort(400)
    if a.state not in REVIEWABLE_STATES:
        return render_review(a, 409, [MSG_NOT_REVIEWING])
    if _stale(a):
        return render_review(a, 409, [MSG_STALE])
    session = get_session()
    if item_id not in {r.item_id for r in a.item_reviews}:
        a.item_reviews.append(ItemReview(item_id=item_id, user_id=current_user.id, created_at=utcnow()))
        history.record(session, a, current_user.id, f"item.{item_id}", None, "Chấp nhận", None)
        a.updated_at = utcnow()
    conflict = _commit_or_conflict(a)
    if conflict is not None:
        return conflict
    return redirect(url_for("review.show", assessment_id=a.id) + f"#item-{item_id}")


@bp.route("/<int:assessment_id>/correct", methods=["POST"])
@role_required(ROLE_REVIEWER)
def correct(assessment_id: int) -> Any:
    a = assessment_for(current_user, assessment_id)
    cs = criteria_of(a)
    input_id = request.form.get("input_id", "")
    inputs = {d.id: d for d in cs.inputs}
    if input_id not in inputs:
        abort(400)
    if a.state not in REVIEWABLE_STATES:
        return render_review(a, 409, [MSG_NOT_REVIEWING])
    raw = request.form.get("value", "")
    reason = nfc(request.form.get("reason"))
    evidence = nfc(request.form.get("evidence"))
    typed = {input_id: {"value": raw, "reason": reason, "evidence": evidence}}
    value, error = parse_value(inputs[input_id], raw)
    if error is None and value is None:
        error = MSG_VALUE_REQUIRED
    if error is None and not reason:
        error = MSG_REASON_REQUIRED
    if error is None and (len(reason) > 2000 or len(evidence) > 2000):
        error = "Lý do hoặc minh chứng quá dài (tối đa 2000 ký tự)."
    if error is None:
        values = verified_values(a)
        values[input_id] = value
        parsed = ParsedForm(raw={k: "" for k in inputs}, values=values)
        validate(engine_of(a), make_assessment(a.commune.profile(), a.period, values),
                 parsed)
        if parsed.errors or parsed.general_errors:
            error = parsed.errors.get(input_id) or next(iter(parsed.errors.values()), None) or \
                parsed.general_errors[0]
    if error:
        return render_review(a, 400, ["Chưa lưu điều chỉnh: " + error], {input_id: error}, typed)
    if _stale(a):
        return render_review(a, 409, [MSG_STALE], typed=typed)
    session = get_session()
    existing = next((c for c in a.corrections if c.input_id == input_id), None)
    old_team = existing.team_value if existing else (a.values or {}).get(input_id)
    if existing is None:
        a.corrections.append(Correction(
            input_id=input_id, commune_value=(a.values or {}).get(input_id), team_value=value,
            reason=reason, evidence=evidence, user_id=current_user.id, created_at=utcnow()))
    else:
        existing.team_value, existing.reason, existing.evidence = value, reason, evidence
        existing.user_id, existing.created_at = current_user.id, utcnow()
    note = reason + (f" (Minh chứng: {evidence})" if evidence else "")
    history.record(session, a, current_user.id, f"correction.{input_id}", old_team, value, note)
    a.updated_at = utcnow()
    conflict = _commit_or_conflict(a)
    if conflict is not None:
        return conflict
    flash("Đã lưu điều chỉnh.", "success")
    return redirect(url_for("review.show", assessment_id=a.id) + f"#in-{input_id}")


@bp.route("/<int:assessment_id>/transition", methods=["POST"])
@role_required(ROLE_REVIEWER)
def transition(assessment_id: int) -> Any:
    a = assessment_for(current_user, assessment_id)
    name = request.form.get("name", "")
    comment = nfc(request.form.get("comment"))
    try:
        t = check(name, a.state, current_user.role)
    except IllegalTransition as exc:
        return render_review(a, 409, [str(exc)])
    if _stale(a):
        return render_review(a, 409, [MSG_STALE])
    session = get_session()
    reason: str | None = comment or None
    if len(comment) > COMMENT_MAX:
        return render_review(a, 400, [MSG_COMMENT_TOO_LONG])
    if name == "return":
        if not comment:
            return render_review(a, 400, [MSG_COMMENT_REQUIRED])
        a.return_comment = comment
    elif name == "verify":
        values = verified_values(a)
        cs = criteria_of(a)
        missing = [d.label for d in cs.inputs if d.id not in values]
        result = _score(a, values)
        if missing or result is None:
            msg = "Chưa xác nhận được: số liệu chưa đủ hoặc chưa hợp lệ"
            msg += f" (thiếu {len(missing)} ô: {', '.join(missing[:5])}…)." if missing else "."
            return render_review(a, 400, [msg])
        a.verified_total = result.total
        a.verified_recognised = bool(result.recognised)
        history.record(session, a, current_user.id, "verified_total", None, result.total,
                       f"Kết quả thẩm định: {result.verdict}")
    elif name == "propose":
        if not a.verified_recognised:
            return render_review(a, 409, ["Chỉ lập tờ trình khi kết quả thẩm định là “Đạt”."])
    elif name in {"recognise", "not_recognise"}:
        number = nfc(request.form.get("decision_number"))
        signer = nfc(request.form.get("decision_signer"))
        date_text = (request.form.get("decision_date") or "").strip()
        errors = []
        if not number:
            errors.append("Phải ghi số quyết định.")
        elif len(number) > 60:
            errors.append("Số quyết định quá dài (tối đa 60 ký tự).")
        if not signer:
            errors.append("Phải ghi người ký quyết định.")
        elif len(signer) > 120:
            errors.append("Tên người ký quá dài (tối đa 120 ký tự).")
        try:
            decided = date.fromisoformat(date_text)
        except ValueError:
            decided = None
            errors.append("Ngày quyết định không hợp lệ (định dạng năm-tháng-ngày).")
        if name == "not_recognise" and a.state == "verified" and a.verified_recognised:
            errors.append("Kết quả thẩm định là “Đạt”: hãy lập tờ trình đề nghị công nhận.")
        if errors:
            return render_review(a, 400, errors)
        a.decision_number, a.decision_date, a.decision_signer = number[:60], decided, signer[:120]
        decision = f"Số {a.decision_number}, ngày {decided:%d/%m/%Y}, người ký: {a.decision_signer}"
        history.record(session, a, current_user.id, "decision", None, decision, reason)
    history.record(session, a, current_user.id, "state", a.state, t.target, reason)
    a.state = t.target
    a.updated_at = utcnow()
    if name == "return":
        # Back in the commune's hands: it follows the version in force, as drafts do.
        follow_in_force(session, a, current_user.id)
    conflict = _commit_or_conflict(a)
    if conflict is not None:
        return conflict
    flash(f"Đã thực hiện: {t.label}.", "success")
    return redirect(url_for("review.show", assessment_id=a.id))
