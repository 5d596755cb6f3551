"""The commune officer's self-assessment: the generated form, live score, save draft, submit."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engine.cells import parse_id
from engine.states import EDITABLE_STATES, VERIFIED_STATES

from .auth import assessment_for, load_team_rows, role_required
from .db import get_session, write_lock
from .drafts import create_draft
from .engines import score_or_none
from .form_values import ParsedForm, raw_from_values, scorable
from .fragments import fragment, macro, score_panel
from .messages import MSG_CONFLICT, MSG_HAS_ERRORS, MSG_NO_CRITERIA
from .models import ROLE_COMMUNE, Assessment, Commune, HistoryEntry
from .services import self_assessment
from .services.errors import Refused, Stale
from .services.figures import score_values
from .services.self_assessment import typed_figures
from .versions import criteria_of, in_force, version_note

bp = Blueprint("assessment", __name__, url_prefix="/assessment")

ACTIONS = {"save", "submit", "preview"}


_SECTIONS: dict[str, list[dict[str, Any]]] = {}


def sections(cs: Any) -> list[dict[str, Any]]:
    """Form sections in criteria order; each input appears once, in the first section that reads it.
    Worked out once per criteria version (a set never changes once loaded; the pages only read this)."""
    key = cs.content_hash
    if not key:  # a set built in memory, not from bytes: nothing names it
        return _sections(cs)
    found = _SECTIONS.get(key)
    if found is None:
        found = _SECTIONS[key] = _sections(cs)
    return found


def _sections(cs: Any) -> list[dict[str, Any]]:
    seen: set[str] = set()
    out: list[dict[str, Any]] = []

    def take(inputs: list[Any]) -> list[Any]:
        fresh = [d for d in inputs if d.id not in seen]
        seen.update(d.id for d in fresh)
        return fresh

    out.append({"id": "general", "title": "Thông tin chung", "max": None, "inputs": take(cs.general_inputs)})
    for crit in cs.criteria:
        out.append(
            {
                "id": crit.id,
                "title": f"Tiêu chí {crit.id}. {crit.name}",
                "max": crit.max,
                "inputs": take(cs.inputs_for_criterion(crit.id)),
                "item_list": [i for i in cs.items if i.criterion == crit.id],
            }
        )
    # Any input no section claimed still gets a place, so nothing in the YAML is unreachable.
    rest = take(list(cs.inputs))
    if rest:
        out.append({"id": "other", "title": "Số liệu khác", "max": None, "inputs": rest})
    return out


def section_html(cs: Any, parsed: ParsedForm, editable: bool, crit_points: dict[str, str],
                 changed: set[str], corrections: dict[str, Any]) -> Markup:
    """The form's sections: their markup rendered once per criteria version (webform/fragments.py), the
    record's figures, errors and marks filled in."""
    secs = sections(cs)
    frag = fragment("assessment/_sections.html", cs.content_hash, (editable,), sections=secs,
                    editable=editable)
    return frag.fill(section_slots(secs, parsed, crit_points, changed, corrections))


def section_slots(secs: list[dict[str, Any]], parsed: ParsedForm, crit_points: dict[str, str],
                  changed: set[str], corrections: dict[str, Any]) -> dict[str, str]:
    """The slots of assessment/_sections.html: what the template wrote there when it was rendered whole."""
    raw, errors, sources = parsed.raw, parsed.errors, parsed.sources
    team = macro("assessment/_team_value.html", "team_value") if corrections else None
    out: dict[str, str] = {}
    for s in secs:
        if s["max"]:
            out[f"badge|{s['id']}"] = escape(crit_points.get(s["id"]) or f"?/{s['max']}")
        for d in s["inputs"]:
            i = d.id
            err = errors.get(i)
            out[f"cls|{i}"] = (" has-error" if err else "") + (" changed" if i in changed else "")
            if d.type == "bool":
                typed = raw.get(i)
                out[f"co|{i}"] = "checked" if typed == "co" else ""
                out[f"khong|{i}"] = "checked" if typed == "khong" else ""
                out[f"none|{i}"] = "checked" if raw.get(i, "") not in ("co", "khong") else ""
                out[f"inv|{i}"] = ' aria-invalid="true"' if err else ""
            else:
                out[f"value|{i}"] = escape(raw.get(i, ""))
                out[f"inv0|{i}"] = 'aria-invalid="true"' if err else ""
            out[f"err|{i}"] = escape(err or "")
            c = corrections.get(i)
            out[f"team|{i}"] = team(d, c) if c and team is not None else ""
            out[f"src|{i}"] = escape(sources.get(i, ""))
    return out


def _last_change(a: Assessment) -> HistoryEntry | None:
    return get_session().scalar(
        select(HistoryEntry)
        .where(HistoryEntry.assessment_id == a.id)
        .order_by(HistoryEntry.id.desc())
        .limit(1)
    )


def render_form(
    a: Assessment,
    parsed: ParsedForm | None = None,
    status: int = 200,
    messages: list[str] | None = None,
    result: Any = None,
    version: int | None = None,
    changed: set[str] | None = None,
) -> Any:
    cs = criteria_of(a)
    clean = parsed is None  # the page shows what is stored, not what someone typed
    if parsed is None:
        parsed = ParsedForm(raw=raw_from_values(cs, a.values or {}), values=dict(a.values or {}),
                            sources=dict(a.sources or {}))
    if result is None:
        result = score_values(a, {k: v for k, v in parsed.values.items() if k not in parsed.errors})
    crit_points = {c.id: f"{c.points}/{c.max}" for c in result.criteria} if result is not None else {}
    editable = a.state in EDITABLE_STATES and current_user.role == ROLE_COMMUNE
    # Once verified, the commune sees each of the team's corrections beside its own figure.
    corrections = {c.input_id: c for c in load_team_rows(a).corrections} if a.state in VERIFIED_STATES else {}
    return (
        render_template(
            "assessment/form.html",
            a=a,
            cs=cs,
            section_html=section_html(cs, parsed, editable, crit_points, changed or set(), corrections),
            score_panel_html=score_panel(cs, result, parsed),
            parsed=parsed,
            result=result,
            editable=editable,
            messages=messages or [],
            version=a.version if version is None else version,
            clean=clean,
            vnote=version_note(get_session(), a),
            corrections=corrections,
        ),
        status,
    )


@bp.route("/")
@role_required(ROLE_COMMUNE)
def index() -> Any:
    rows = list(
        get_session().scalars(
            select(Assessment)
            .where(Assessment.commune_id == current_user.commune_id)
            .order_by(Assessment.period.desc())
        )
    )
    latest = rows[0] if rows else None
    return render_template("assessment/index.html", assessments=rows, latest=latest,
                           commune=current_user.commune)


@bp.route("/new", methods=["POST"])
@role_required(ROLE_COMMUNE)
def new() -> Any:
    period = parse_id((request.form.get("period") or "").strip())
    if period is None or not 2000 <= period <= 2100:
        flash("Năm đánh giá không hợp lệ.", "error")
        return redirect(url_for("assessment.index"))
    try:
        cs = in_force(period)
    except LookupError:  # no criteria set covers that year
        cs = None
    if cs is None:
        flash(MSG_NO_CRITERIA.format(period=period), "error")
        return redirect(url_for("assessment.index"))
    session = get_session()
    commune = session.get(Commune, current_user.commune_id)
    if commune is None:  # an officer's account always names its commune; a removed one has no record
        abort(404)
    try:
        with write_lock():  # the flush starts the write transaction: hold the writers' queue from there
            a, source = create_draft(session, commune, period, cs, current_user.id,
                                     copy_previous=request.form.get("copy") == "1")
            session.commit()
    except IntegrityError:
        session.rollback()
        flash(f"Xã đã có hồ sơ tự đánh giá năm {period}.", "error")
        return redirect(url_for("assessment.index"))
    if source is not None:
        flash(f"Đã tạo hồ sơ năm {period} với số liệu năm {source.period} làm bản nháp. Hãy cập nhật từng số "
              "liệu cho năm mới trước khi gửi thẩm định.", "success")
    elif request.form.get("copy") == "1":
        flash(f"Đã tạo hồ sơ năm {period}; không có hồ sơ năm trước đó để sao chép số liệu.", "warn")
    return redirect(url_for("assessment.edit", assessment_id=a.id))


@bp.route("/<int:assessment_id>", methods=["GET"])
@login_required
def edit(assessment_id: int) -> Any:
    a = assessment_for(current_user, assessment_id)
    if current_user.role != ROLE_COMMUNE:
        # The team works on the review page, which keeps the commune's and its own figures side by side.
        return redirect(url_for("review.show", assessment_id=a.id))
    return render_form(a)[0]


@bp.route("/<int:assessment_id>", methods=["POST"])
@role_required(ROLE_COMMUNE)
def save(assessment_id: int) -> Any:
    a = assessment_for(current_user, assessment_id)
    action = request.form.get("action", "save")
    if action not in ACTIONS:
        abort(400)
    typed = typed_figures(a, request.form)
    parsed = typed.parsed
    form_version = _int(request.form.get("version"))
    if action == "preview":
        # "Tính điểm" without JavaScript: score what was typed, store nothing.
        return render_form(a, parsed, 400 if parsed.errors else 200,
                           [MSG_HAS_ERRORS] if parsed.errors else [], version=form_version)
    try:
        saved = self_assessment.save(get_session(), a, current_user, typed, form_version,
                                     submit=action == "submit",
                                     confirmed=request.form.get("confirmed") == "1")
    except Stale as exc:
        return _conflict(exc.current, parsed)
    except Refused as exc:
        return render_form(a, parsed, exc.status, exc.messages, version=form_version)
    if not saved.stored:
        # Sending cannot be undone by the commune: say what goes, plainly when it is "Không đạt", and ask
        # once more. A page of its own carrying what was typed, so it works without JavaScript.
        return render_template("assessment/confirm_submit.html", a=a, result=saved.result,
                               carried=_carried(request.form), version=form_version)
    flash("Đã gửi hồ sơ tự đánh giá cho tổ thẩm định." if saved.submitted else "Đã lưu nháp.", "success")
    return redirect(url_for("assessment.edit", assessment_id=a.id))


def _carried(form: Any) -> list[tuple[str, str]]:
    """The typed figures and sources, to post again from the confirmation page (nothing is stored yet)."""
    return [(k, form.get(k, "")) for k in form if k.startswith(("v_", "s_"))]


def _conflict(a: Assessment, parsed: ParsedForm) -> Any:
    last = _last_change(a)
    who = (last.user.full_name or last.user.username) if last and last.user else "người khác"
    from .templating import vn_datetime

    when = vn_datetime(last.at) if last else ""
    stored = a.values or {}
    changed = {k for k in set(stored) | set(parsed.values) if stored.get(k) != parsed.values.get(k)}
    return render_form(a, parsed, 409, [MSG_CONFLICT.format(who=who, when=when)], version=a.version,
                       changed=changed)


@bp.route("/<int:assessment_id>/score", methods=["POST"])
@role_required(ROLE_COMMUNE)
def live_score(assessment_id: int) -> Any:
    """Score what is typed so far, store nothing: the form calls this as the officer types."""
    a = assessment_for(current_user, assessment_id)
    typed = typed_figures(a, request.form)
    cs, parsed = typed.cs, typed.parsed
    result = score_or_none(typed.engine, scorable(typed.document, parsed))
    panel = score_panel(cs, result, parsed)
    crit = {c.id: f"{c.points}/{c.max}" for c in result.criteria} if result is not None else {}
    return jsonify({"panel": panel, "errors": parsed.errors, "criteria": crit,
                    "total": result.total if result is not None else None})


@bp.route("/<int:assessment_id>/history")
@login_required
def show_history(assessment_id: int) -> Any:
    a = assessment_for(current_user, assessment_id)
    if current_user.role != ROLE_COMMUNE and a.state == "draft":
        from .review import not_submitted

        return not_submitted(a)
    entries = list(
        get_session().scalars(
            select(HistoryEntry).where(HistoryEntry.assessment_id == a.id).order_by(HistoryEntry.id)
        )
    )
    cs = criteria_of(a)
    labels = {f"values.{d.id}": d.label for d in cs.inputs}
    labels.update({f"sources.{d.id}": f"Nguồn số liệu: {d.label}" for d in cs.inputs})
    labels.update({f"correction.{d.id}": f"Điều chỉnh: {d.label}" for d in cs.inputs})
    labels.update({f"item.{i.id}": f"Mục {i.id}" for i in cs.items})
    labels.update({"verified_total": "Điểm thẩm định", "decision": "Quyết định", "review": "Thẩm định",
                   "proposal": "Số, ngày tờ trình", "criteria_version": "Phiên bản bộ tiêu chí"})
    from .flags import history_labels

    labels.update(history_labels())
    from .versions import all_versions, version_name

    # A version is stored in the history by its code and hash; people read the day it took effect.
    # Two versions may take effect on the same day: the day each was activated tells them apart.
    versions = {v.label: version_name(v, with_activation=True) for v in all_versions(get_session())}
    return render_template("assessment/history.html", a=a, entries=entries, labels=labels, versions=versions)


def _int(text: str | None) -> int | None:
    return parse_id((text or "").strip())
