"""The district team: queue, per-item accept or correct, return, verify, record the decision."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask import session as web_session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from engine.cells import parse_id
from engine.states import REVIEWABLE_STATES, STATE_LABELS, VERIFIED_STATES, WAITING_STATES

from .auth import assessment_for, communes_for_reviewer, load_team_rows, role_required
from .db import commit, get_session
from .form_values import nfc
from .fragments import fragment
from .messages import MSG_NOT_REVIEWING, MSG_STALE
from .models import ROLE_REVIEWER, Assessment
from .services import review as reviewing
from .services.errors import FieldRefused, Refused, Stale
from .services.figures import score_values, verified_values
from .services.review import (
    accept_items,
    accept_remaining,
    parse_proposal_ref,
    progress,
    set_proposal_ref,
    verified_on,
)
from .units import search, visible_states
from .versions import criteria_of, version_note
from .workflow import TRANSITIONS, period_with_work

bp = Blueprint("review", __name__, url_prefix="/review")


@bp.route("/")
@role_required(ROLE_REVIEWER)
def queue() -> Any:
    session = get_session()
    # (period, state) of what the team sees, each year under that year's scope (a district before 2025,
    # a province after).
    seen = visible_states(current_user)
    periods = sorted({p for p, _s in seen}, reverse=True)
    period_text = request.args.get("period", "")
    if period_text:
        period = parse_id(period_text)
        if period is None or not 2000 <= period <= 2100:
            abort(404)
    else:
        period = period_with_work(seen)
    waiting = _waiting_by_period(seen)
    state = request.args.get("state", "")
    if state and state not in STATE_LABELS:
        state = ""
    q = nfc(request.args.get("q"))[:100]
    rows: list[dict[str, Any]] = []
    if period is not None:
        # The communes under the reviewer's unit that year, in Vietnamese order, searched without diacritics.
        communes = search(communes_for_reviewer(current_user, period), q)
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
    return render_template("review/queue.html", rows=rows, periods=periods, period=period, state=state, q=q,
                           states=STATE_LABELS, chart=_totals_chart(rows), waiting=waiting)


def _waiting_by_period(seen: list[tuple[int, str]]) -> dict[int, int]:
    """How many records wait for the team in each year, so another year's waiting work is never hidden."""
    out: dict[int, int] = {}
    for p, s in seen:
        if s in WAITING_STATES:
            out[p] = out.get(p, 0) + 1
    return dict(sorted(out.items(), reverse=True))


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
        except KeyError:  # a commune type the set does not know: no bar rather than a broken page
            continue
        # A draft's figures are still the commune's own work in progress: no bar for it.
        total = None if a.state == "draft" else (
            a.verified_total if a.verified_total is not None else a.self_total)
        bars.append(TotalBar(label=row["commune"].name, total=total, threshold=threshold,
                             recognised=a.verified_recognised))
    # The chart escapes every label itself.
    return Markup(totals_chart(bars)) if bars else None


_LAYOUTS: dict[str, list[dict[str, Any]]] = {}


def layout(cs: Any) -> list[dict[str, Any]]:
    """The page's criteria, each with its items and each item's inputs in the form's order (the whole before
    its parts). Worked out once per criteria version, like the form's sections."""
    key = cs.content_hash
    found = _LAYOUTS.get(key) if key else None
    if found is None:
        inputs = {d.id: d for d in cs.inputs}
        rank = {d.id: n for n, d in enumerate(cs.inputs)}
        found = [
            {"crit": crit, "item_list": [
                {"item": item, "inputs": [inputs[i] for i in sorted(item.inputs, key=lambda i: rank.get(i, 0))
                                          if i in inputs]}
                for item in cs.items if item.criterion == crit.id]}
            for crit in cs.criteria
        ]
        if key:
            _LAYOUTS[key] = found
    return found


def _pts(r: Any) -> str:
    return f"{int(r.points)}/{int(r.max)}" if r else "—"  # points are integers: nothing to escape


def review_slots(a: Assessment, groups: list[dict[str, Any]], self_result: Any, v_result: Any,
                 corrections: dict[str, Any], reviewing: bool, notice: dict[str, Any],
                 typed: dict[str, dict[str, str]], correction_errors: dict[str, str]) -> dict[str, Any]:
    """The slots of review/_groups.html: the commune's and the team's points, whether the team has accepted
    or corrected each item, each input's figure, source and correction, and the forms' typed values."""
    from .templating import yesno_vi

    def esc(text: Any) -> str:  # most of the typed values are empty: nothing to escape
        return escape(text) if text else ""

    self_items = {i.id: i for i in self_result.items} if self_result else {}
    v_items = {i.id: i for i in v_result.items} if v_result else {}
    self_crit = {c.id: c for c in self_result.criteria} if self_result else {}
    v_crit = {c.id: c for c in v_result.criteria} if v_result else {}
    accepted = {r.item_id for r in a.item_reviews}
    values, sources = a.values or {}, a.sources or {}
    anchor = notice.get("anchor")
    out: dict[str, Any] = {"notice|": escape(notice.get("text", ""))}
    if reviewing:
        out["token|"] = escape(generate_csrf())
        out["version|"] = escape(a.version)
        out["correct_url|"] = escape(url_for("review.correct", assessment_id=a.id))
        out["accept_url|"] = escape(url_for("review.accept", assessment_id=a.id))
    done: set[str] = set()
    for g in groups:
        cid = g["crit"].id
        out[f"cs|{cid}"] = _pts(self_crit.get(cid))
        out[f"cv|{cid}"] = _pts(v_crit.get(cid))
        for it in g["item_list"]:
            item = it["item"]
            iid = item.id
            verified = v_items.get(iid)
            corrected = any(i in corrections for i in item.inputs)
            is_accepted = iid in accepted
            out[f"is|{iid}"] = _pts(self_items.get(iid))
            out[f"iv|{iid}"] = _pts(verified)
            out[f"?corrected|{iid}"] = corrected
            out[f"?accepted|{iid}"] = is_accepted and not corrected
            out[f"?expl|{iid}"] = bool(verified and verified.explanation)
            if verified:
                out[f"expl|{iid}"] = escape(verified.explanation)
            out[f"?accept|{iid}"] = not is_accepted and not corrected
            here = anchor == f"item-{iid}"
            out[f"nhidden|{iid}"] = "" if here else "hidden"
            out[f"ntext|{iid}"] = escape(notice.get("text", "")) if here else ""
            for d in it["inputs"]:
                i = d.id
                if i in done:  # an input read by several items reads the same in each
                    continue
                done.add(i)
                out[f"?notice|{i}"] = anchor == f"in-{i}"
                source = sources.get(i)
                out[f"?source|{i}"] = bool(source)
                if source:
                    out[f"source|{i}"] = escape(source)
                out[f"xa|{i}"] = escape(yesno_vi(values.get(i)))
                c = corrections.get(i)
                out[f"?c|{i}"] = bool(c)
                if c:
                    out[f"team|{i}"] = escape(yesno_vi(c.team_value))
                    out[f"reason|{i}"] = escape(c.reason)
                    out[f"?evidence|{i}"] = bool(c.evidence)
                    out[f"evidence|{i}"] = escape(c.evidence)
                if reviewing:
                    t = typed.get(i, {})
                    error = correction_errors.get(i)
                    out[f"open|{i}"] = "open" if error else ""
                    out[f"sco|{i}"] = "selected" if t.get("value") == "co" else ""
                    out[f"skhong|{i}"] = "selected" if t.get("value") == "khong" else ""
                    out[f"tvalue|{i}"] = esc(t.get("value"))
                    out[f"treason|{i}"] = esc(t.get("reason"))
                    out[f"tevidence|{i}"] = esc(t.get("evidence"))
                    out[f"?cerr|{i}"] = bool(error)
                    if error:
                        out[f"cerr|{i}"] = escape(error)
    return out


def render_review(
    a: Assessment, status: int = 200, messages: list[str] | None = None,
    correction_errors: dict[str, str] | None = None, typed: dict[str, dict[str, str]] | None = None,
    notice: dict[str, str] | None = None, proposal_errors: list[str] | None = None,
) -> Any:
    if a.state == "draft":
        # The one place the review page is rendered, for GET and every POST alike: a draft never shows a
        # figure to the team, whatever route or message asked for it.
        return not_submitted(a, 200 if status == 200 else 409)
    load_team_rows(a)
    cs = criteria_of(a)
    self_result = score_values(a, a.values or {})
    v_values = verified_values(a)
    v_result = score_values(a, v_values)
    corrections = {c.input_id: c for c in a.corrections}
    reviewing = a.state in REVIEWABLE_STATES
    groups = layout(cs)
    notice = notice or {}
    groups_html = fragment("review/_groups.html", cs.content_hash, (reviewing,), layout=groups,
                           reviewing=reviewing).fill(
        review_slots(a, groups, self_result, v_result, corrections, reviewing, notice, typed or {},
                     correction_errors or {}))
    actions = [t for t in TRANSITIONS.values() if t.role == ROLE_REVIEWER and a.state in t.source]
    if a.state == "verified":
        # Only a verified "Đạt" goes on to a proposal; a "Không đạt" is closed by its decision.
        actions = [t for t in actions if (t.name == "propose") == bool(a.verified_recognised)]
    return render_template(
        "review/review.html", a=a, cs=cs, groups_html=groups_html, self_result=self_result,
        v_result=v_result, corrections=corrections, v_values=v_values, reviewing=reviewing,
        actions=actions, messages=messages or [], correction_errors=correction_errors or {},
        typed=typed or {}, sources=a.sources or {}, progress=progress(a), notice=notice,
        vnote=version_note(get_session(), a),
        proposal_errors=proposal_errors or [],
    ), status


@bp.route("/<int:assessment_id>")
@role_required(ROLE_REVIEWER)
def show(assessment_id: int) -> Any:
    a = assessment_for(current_user, assessment_id)
    # A message about one item is shown at that item, where the user is looking (see _notice_at).
    notice = web_session.pop(NOTICE_KEY, None)
    if not (isinstance(notice, dict) and notice.get("assessment") == a.id):
        notice = None
    return render_review(a, notice=notice)


NOTICE_KEY = "cfc_review_notice"


def _notice_at(a: Assessment, anchor: str, text: str) -> Any:
    """Redirect back to the item (anchor) with its confirmation shown there rather than at the page top."""
    web_session[NOTICE_KEY] = {"assessment": a.id, "anchor": anchor, "text": text}
    return redirect(url_for("review.show", assessment_id=a.id) + f"#{anchor}")


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
        return render_review(get_session().get(Assessment, a.id) or abort(404), 409, [MSG_STALE])
    return None


def _wants_json() -> bool:
    # review.js sends this header; a plain form post (no JavaScript) gets a page.
    return request.headers.get("X-Requested-With") == "fetch"


def _json_refusal(message: str, status: int) -> Any:
    return jsonify({"ok": False, "message": message}), status


@bp.route("/<int:assessment_id>/accept", methods=["POST"])
@role_required(ROLE_REVIEWER)
def accept(assessment_id: int) -> Any:
    a = assessment_for(current_user, assessment_id)
    cs = criteria_of(a)
    item_id = request.form.get("item_id", "")
    if item_id not in {i.id for i in cs.items}:
        abort(400)
    as_json = _wants_json()
    refusal = MSG_NOT_REVIEWING if a.state not in REVIEWABLE_STATES else MSG_STALE if _stale(a) else None
    if refusal is not None:
        return _json_refusal(refusal, 409) if as_json else render_review(a, 409, [refusal])
    accept_items(get_session(), a, current_user.id, [item_id])
    try:
        commit(get_session())
    except StaleDataError:
        get_session().rollback()
        if as_json:
            return _json_refusal(MSG_STALE, 409)
        return render_review(get_session().get(Assessment, a.id) or abort(404), 409, [MSG_STALE])
    message = f"Đã chấp nhận mục {item_id}."
    if as_json:
        p = progress(a)
        return jsonify({"ok": True, "item": item_id, "version": a.version, "message": message,
                        "progress": p.text, "decided": p.decided, "total": p.total,
                        "next": p.undecided[0].id if p.undecided else None})
    return _notice_at(a, f"item-{item_id}", message)


@bp.route("/<int:assessment_id>/accept-rest", methods=["POST"])
@role_required(ROLE_REVIEWER)
def accept_rest(assessment_id: int) -> Any:
    """"Chấp nhận các mục còn lại": a confirmation page listing the items first, then one entry per item."""
    a = assessment_for(current_user, assessment_id)
    if a.state not in REVIEWABLE_STATES:
        return render_review(a, 409, [MSG_NOT_REVIEWING])
    if _stale(a):
        return render_review(a, 409, [MSG_STALE])
    p = progress(a)
    if not p.undecided:
        flash("Không còn mục nào chưa xem.", "success")
        return redirect(url_for("review.show", assessment_id=a.id))
    if request.form.get("confirmed") != "1":
        return render_template(
            "review/confirm.html", a=a, title="Chấp nhận các mục còn lại",
            summary=[f"{p.text}. Tổ thẩm định sẽ chấp nhận {len(p.undecided)} mục còn lại đúng như xã tự "
                     "chấm điểm; mỗi mục được ghi vào lịch sử thay đổi."],
            items=p.undecided, action=url_for("review.accept_rest", assessment_id=a.id), fields={},
            button=f"Chấp nhận {len(p.undecided)} mục"), 200
    done = accept_remaining(get_session(), a, current_user.id)
    conflict = _commit_or_conflict(a)
    if conflict is not None:
        return conflict
    flash(f"Đã chấp nhận {len(done)} mục còn lại.", "success")
    return redirect(url_for("review.show", assessment_id=a.id) + "#actions-top")


@bp.route("/<int:assessment_id>/correct", methods=["POST"])
@role_required(ROLE_REVIEWER)
def correct(assessment_id: int) -> Any:
    a = assessment_for(current_user, assessment_id)
    input_id = request.form.get("input_id", "")
    if not criteria_of(a).has_input(input_id):
        abort(400)
    raw = request.form.get("value", "")
    reason = nfc(request.form.get("reason"))
    evidence = nfc(request.form.get("evidence"))
    typed = {input_id: {"value": raw, "reason": reason, "evidence": evidence}}
    try:
        label = reviewing.correct(get_session(), a, current_user, input_id, raw, reason, evidence,
                                  parse_id((request.form.get("version") or "").strip()))
    except FieldRefused as exc:
        return render_review(a, exc.status, exc.messages, {input_id: exc.error}, typed)
    except Stale as exc:
        return render_review(exc.current, 409, exc.messages, typed=typed)
    except Refused as exc:
        return render_review(a, exc.status, exc.messages)
    return _notice_at(a, f"in-{input_id}", f"Đã lưu điều chỉnh: {label}.")


@bp.route("/<int:assessment_id>/transition", methods=["POST"])
@role_required(ROLE_REVIEWER)
def transition(assessment_id: int) -> Any:
    a = assessment_for(current_user, assessment_id)
    try:
        outcome = reviewing.transition(
            get_session(), a, current_user, request.form.get("name", ""), request.form,
            parse_id((request.form.get("version") or "").strip()), request.form.get("confirmed") == "1")
    except Stale as exc:
        return render_review(exc.current, 409, exc.messages)
    except Refused as exc:
        return render_review(a, exc.status, exc.messages)
    t = outcome.planned.transition
    if not outcome.done:
        # Irreversible: say what will happen and ask once more (a page, so it works without JavaScript).
        return render_template(
            "review/confirm.html", a=a, title=t.label, summary=outcome.planned.summary, items=[],
            action=url_for("review.transition", assessment_id=a.id),
            fields={"name": t.name, **outcome.planned.fields}, button=t.label), 200
    if a.state in VERIFIED_STATES:
        from .documents import render_ahead  # the PDF side, loaded on the first proposal

        render_ahead(a.id)  # the proposal file exists from now on: have it ready before it is asked for
    flash(f"Đã thực hiện: {t.label}.", "success")
    return redirect(url_for("review.show", assessment_id=a.id))


@bp.route("/<int:assessment_id>/proposal-ref", methods=["POST"])
@role_required(ROLE_REVIEWER)
def proposal_ref(assessment_id: int) -> Any:
    """The tờ trình's number and date, entered (or corrected) once the office has registered it."""
    a = assessment_for(current_user, assessment_id)
    if a.state != "proposed":
        return render_review(a, 409, ["Số và ngày tờ trình chỉ ghi khi hồ sơ đã lập tờ trình."])
    form = request.form
    number, when, errors = parse_proposal_ref(form.get("proposal_number"), form.get("proposal_date"),
                                              verified_on(get_session(), a))
    if errors:
        return render_review(a, 400, proposal_errors=errors)
    if _stale(a):
        return render_review(a, 409, [MSG_STALE])
    changed = set_proposal_ref(get_session(), a, current_user.id, number, when)
    conflict = _commit_or_conflict(a)
    if conflict is not None:
        return conflict
    text = "Đã lưu số và ngày tờ trình." if changed else "Không có gì thay đổi."
    return _notice_at(a, "proposal-ref", text)
