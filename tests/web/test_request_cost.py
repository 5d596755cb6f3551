"""What was made cheaper per request (issue 13) still does what it did: a draft's save written in two
statements stores exactly what the unit-of-work path stored, refuses a save that lost the race and stores
nothing of it; the score panel kept per result reads as a fresh render and never keeps a typing error;
addresses built once per process follow the script root; the session cookie's serializer follows the key."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from webform import fragments, history
from webform.db import commit, get_session, write_lock
from webform.models import Assessment, Commune, HistoryEntry, User
from webform.services import self_assessment
from webform.services.errors import Stale

from .conftest import IA_TOI as IA_TOI_PROFILE
from .conftest import PASSWORD, assessment_of, example_values, form_data, history_of

IA_TOI, IA_DAL = "23538", "23535"


def _record(session: Session, code: str) -> Assessment:
    return session.scalar(select(Assessment).join(Commune).where(Commune.code == code,
                                                                  Assessment.period == 2022))


def _rows(session: Session, a: Assessment, after: int) -> list[tuple[Any, ...]]:
    return [(e.user_id, e.field, e.old_value, e.new_value, e.reason) for e in session.scalars(
        select(HistoryEntry).where(HistoryEntry.assessment_id == a.id, HistoryEntry.id > after)
        .order_by(HistoryEntry.id))]


def _last_id(session: Session) -> int:
    return session.scalar(select(HistoryEntry.id).order_by(HistoryEntry.id.desc()).limit(1)) or 0


def test_a_draft_save_stores_what_the_unit_of_work_stored(app: Flask):
    """The same change written both ways, on two drafts that start alike: the same rows, texts and order."""
    start, sources = example_values(), {"c2_births": "Sổ hộ tịch", "children_under16": "Báo cáo năm"}
    new = dict(start, children_under16=start["children_under16"] + 7, c2_births=start["c2_births"] - 1)
    flag = next(k for k, v in start.items() if isinstance(v, bool))
    new[flag] = not start[flag]  # a Có/Không answer changes too: its history text is "Có"/"Không"
    gone = next(k for k, v in start.items()
                if not isinstance(v, bool) and k not in ("children_under16", "c2_births"))
    del new[gone]  # a figure cleared: its row says what it was, and nothing after
    new_sources = {"c2_births": "Sổ đăng ký khai sinh", "c3_x": "mới"}
    order = list(start)
    with app.app_context():
        session = get_session()
        uid = session.scalar(select(User.id).where(User.username == "xa-iatoi"))
        toi, dal = _record(session, IA_TOI), _record(session, IA_DAL)
        for a in (toi, dal):
            a.values, a.sources = dict(start), dict(sources)
        commit(session)
        mark = _last_id(session)
        versions = (dal.version, toi.version)
        history.store_figures(session, toi, uid, dict(new), 900, order, sources=dict(new_sources))
        commit(session)
        with write_lock(session):
            assert history.save_figures(session, dal, uid, dict(new), 900, order, dict(new_sources))
            session.commit()
        # The record in memory reads as stored, and is not left marked as changed.
        assert (dal.values, dal.sources, dal.self_total) == (new, new_sources, 900)
        assert dal.version == versions[0] + 1
        assert not session.dirty
        ours, theirs = _rows(session, toi, mark), _rows(session, dal, mark)
        assert theirs == ours and len(ours) >= 4
        assert (uid, f"values.{flag}", "Có" if start[flag] else "Không", "Không" if start[flag] else "Có",
                None) in theirs
        assert (uid, f"values.{gone}", str(start[gone]), None, None) in theirs
        session.expire_all()
        toi, dal = _record(session, IA_TOI), _record(session, IA_DAL)
        assert (dal.values, dal.sources, dal.self_total) == (toi.values, toi.sources, toi.self_total)
        assert dal.version == versions[0] + 1 and toi.version == versions[1] + 1
        assert dal.updated_at is not None and dal.updated_at >= toi.updated_at


def test_a_draft_save_that_lost_the_race_is_refused_and_stores_nothing(app: Flask):
    """Read at version v; another save lands first (another process: its own session); this save is Stale
    from the UPDATE's own version check, and neither its figures nor a history row of it are stored."""
    with app.app_context():
        session = get_session()
        officer = session.scalar(select(User).where(User.username == "xa-iatoi"))
        a = _record(session, IA_TOI)
        seen = a.version
        typed = self_assessment.typed_figures(a, form_data(example_values(), seen))
        other = app.extensions["cfc_sessionmaker"]()
        try:
            theirs = other.get(Assessment, a.id)
            theirs.values = {"children_under16": 1234}
            other.commit()
        finally:
            other.close()
        mark = _last_id(session)
        with pytest.raises(Stale) as stale:
            self_assessment.save(session, a, officer, typed, seen)
        assert stale.value.current.version == seen + 1
        session.expire_all()
        a = _record(session, IA_TOI)
        assert (a.values, a.version) == ({"children_under16": 1234}, seen + 1)
        assert _rows(session, a, mark) == []


def test_two_browsers_saving_one_version_one_is_told_and_nothing_is_lost(app: Flask, officer: FlaskClient):
    second = app.test_client()
    assert second.post("/auth/login", data={"username": "xa-iatoi", "password": PASSWORD}).status_code == 302
    a = assessment_of(app)
    values = example_values()
    first = officer.post(f"/assessment/{a.id}", data=form_data(values, a.version))
    assert first.status_code == 302
    changed = dict(values, children_under16=values["children_under16"] + 5)
    late = second.post(f"/assessment/{a.id}", data=form_data(changed, a.version))
    assert late.status_code == 409 and "Chưa lưu" in late.text
    stored = assessment_of(app)
    assert (stored.values, stored.version) == (values, a.version + 1)
    fields = [e.field for e in history_of(app, a.id) if e.field.startswith("values.")]
    # One row per figure, and none of the late save.
    assert sorted(fields) == sorted(f"values.{k}" for k in values)
    page = officer.get(f"/assessment/{a.id}").text
    assert "Đã lưu nháp." in page and f'name="version" value="{a.version + 1}"' in page


def test_the_kept_score_panel_reads_as_a_fresh_render_and_never_keeps_typing_errors(
        app: Flask, officer: FlaskClient):
    a = assessment_of(app)
    assert officer.post(f"/assessment/{a.id}", data=form_data(example_values(), a.version)).status_code == 302
    kept_once = officer.get(f"/assessment/{a.id}").text
    kept = officer.get(f"/assessment/{a.id}").text
    fragments.clear()
    with app.app_context():
        app.jinja_env.auto_reload = True  # no fragment and no panel is kept: everything rendered afresh
    fresh = officer.get(f"/assessment/{a.id}").text
    with app.app_context():
        app.jinja_env.auto_reload = False
    panel = kept.split('<div id="score-body">', 1)[1].split("</aside>", 1)[0]
    assert "Tổng điểm:" in panel
    assert panel == fresh.split('<div id="score-body">', 1)[1].split("</aside>", 1)[0]
    assert panel == kept_once.split('<div id="score-body">', 1)[1].split("</aside>", 1)[0]
    # A typing error is shown in the panel of that page only.
    typo = form_data(example_values(), a.version + 1, action="preview", v_c2_births="mười")
    shown = officer.post(f"/assessment/{a.id}", data=typo)
    assert shown.status_code == 400 and "Chưa tính 1 ô có lỗi" in shown.text
    live = officer.post(f"/assessment/{a.id}/score", data=typo).get_json()
    assert "Chưa tính 1 ô có lỗi" in live["panel"]
    again = officer.get(f"/assessment/{a.id}").text
    assert "Chưa tính 1 ô có lỗi" not in again
    assert again.split('<div id="score-body">', 1)[1] == kept.split('<div id="score-body">', 1)[1]


def test_addresses_built_once_follow_the_script_root(app: Flask, officer: FlaskClient):
    a = assessment_of(app)
    plain = officer.get(f"/assessment/{a.id}").text
    mounted = officer.get(f"/assessment/{a.id}", base_url="http://localhost/cfc/").text
    again = officer.get(f"/assessment/{a.id}").text
    with app.test_request_context("/"):
        from flask import url_for

        css = url_for("static", filename="style.css")
        history_url = url_for("assessment.show_history", assessment_id=a.id)
    assert f'href="{css}"' in plain and f'href="{history_url}"' in plain
    assert f'href="/cfc{css}"' in mounted and f'href="/cfc{history_url}"' in mounted
    assert f'href="/cfc{css}"' not in again and f'href="{css}"' in again
    assert css.startswith("/static/style.css?v=")


def test_a_new_secret_key_ends_the_signed_sessions(app: Flask, officer: FlaskClient):
    a = assessment_of(app)
    assert officer.get(f"/assessment/{a.id}").status_code == 200
    app.secret_key = "another-secret"
    r = officer.get(f"/assessment/{a.id}")
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]


def test_the_score_cache_key_scores_what_the_engine_scores(app: Flask):
    """The figures are keyed by orjson's sorted JSON, or by json.dumps' for what orjson refuses (an integer
    beyond 64 bits): either way the result is the engine's own for those figures, and nothing raises."""
    from engine import InvalidAssessment
    from webform.engines import _key, score_or_none

    with app.app_context():
        scoring = app.extensions["cfc_scoring"]
        eng = scoring.engine(scoring.for_period(2022).id)
        doc = {"commune": dict(IA_TOI_PROFILE), "period": 2022, "values": example_values()}
        assert isinstance(_key(doc), bytes)
        assert score_or_none(eng, doc) == eng.score(doc)
        huge = {**doc, "values": {**doc["values"], "children_under16": 10**30}}
        assert isinstance(_key(huge), str)
        try:
            expected = eng.score(huge)
        except InvalidAssessment:
            expected = None
        assert score_or_none(eng, huge) == expected
