"""Start-up: configuration, migrations, WAL, seeding, the engine built once, the engine-crash workaround."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, inspect, text

from webform import create_app
from webform.migrate import downgrade, upgrade
from webform.seed import SeedRefused, seed_demo

from .conftest import IA_TOI, PG_URL, example_values, fresh_database_url, make_app


def test_seed_creates_the_ia_hdrai_demo_and_is_idempotent(app: Flask):
    from sqlalchemy import func, select

    from webform.db import get_session
    from webform.models import Assessment, User

    with app.app_context():
        accounts = seed_demo(app)  # second run (the fixture ran it once)
        session = get_session()
        assert {u for u, _, _ in accounts} == {"xa-iatoi", "xa-iadal", "xa-iadom", "thamdinh", "thamdinh-qn",
                                               "quantri"}
        assert session.scalar(select(func.count()).select_from(User)) == 6
        from webform.units import find_commune

        communes = {code: find_commune(code, date(2022, 12, 31)) for code in ("23538", "23535", "23537")}
        assert communes["23535"].name == "Xã Ia Đal"
        assert all(
            c.profile(2022)["district"] == "Huyện Ia H'Drai"
            and c.profile(2022)["province"] == "Tỉnh Kon Tum"
            and c.type == "mien_nui_dbkk"
            and c.region == "tay_nguyen"
            for c in communes.values()
        )
        # 2026: no district, Tỉnh Quảng Ngãi; Ia Dom has ended.
        assert communes["23538"].profile(2026)["district"] == ""
        assert communes["23538"].profile(2026)["province"] == "Tỉnh Quảng Ngãi"
        assert communes["23537"].valid_to == date(2025, 6, 30)
        assert not session.scalar(select(User).where(User.username == "xa-iadom")).active
        assert session.scalar(select(func.count()).select_from(Assessment)) == 5  # 3 in 2022, 2 in 2026


def test_seed_is_refused_in_production(_template_db: str, tmp_path: Path):
    app = make_app(fresh_database_url(_template_db, tmp_path), tmp_path, ENV_NAME="production")
    with app.app_context(), pytest.raises(SeedRefused):
        seed_demo(app)
    app.extensions["cfc_db"].dispose()


def test_production_requires_a_secret_key(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("CFC_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.sqlite3'}")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_configuration_comes_from_the_environment(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite3'}")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("CFC_LOGIN_MAX_ATTEMPTS", "3")
    app = create_app()
    assert app.config["DATABASE_URL"].endswith("env.sqlite3")
    assert app.config["SECRET_KEY"] == "from-env" and app.config["LOGIN_MAX_ATTEMPTS"] == 3
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    app.extensions["cfc_db"].dispose()


def test_engine_is_built_once_per_process(app: Flask, tmp_path: Path):
    other = make_app(app.config["DATABASE_URL"], tmp_path)
    assert other.extensions["cfc_scoring"] is app.extensions["cfc_scoring"]
    other.extensions["cfc_db"].dispose()


@pytest.mark.skipif(bool(PG_URL), reason="SQLite file specifics")
def test_sqlite_file_is_created_on_first_start_in_wal_mode(tmp_path: Path):
    db = tmp_path / "new.sqlite3"
    url = f"sqlite:///{db}"
    upgrade(url)
    assert db.exists()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "x"})
    with app.extensions["cfc_db"].connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    app.extensions["cfc_db"].dispose()


def _single_head() -> str:
    """The one head of the migration scripts (several heads would be a merge left unfinished)."""
    from alembic.script import ScriptDirectory

    from webform.migrate import alembic_config

    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, heads
    return heads[0]


@pytest.mark.skipif(bool(PG_URL), reason="runs on its own SQLite file")
def test_migrations_upgrade_downgrade_and_keep_data(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    upgrade(url)
    engine = create_engine(url)
    assert {"communes", "users", "assessments", "corrections", "item_reviews", "history"} <= set(
        inspect(engine).get_table_names()
    )
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO communes (code, name, level, kind, type, region, "
                "ntm_tdmnpb_override) VALUES ('11111', 'Xã A', 'xa', 'Xã', 'con_lai', 'dbsh', 0)"
            )
        )
    upgrade(url)  # running again is a no-op and loses nothing
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM communes")).scalar() == "Xã A"
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == _single_head()
        assert "criteria_versions" in inspect(engine).get_table_names()
    engine.dispose()
    downgrade(url, "base")
    engine = create_engine(url)
    assert "communes" not in inspect(engine).get_table_names()
    engine.dispose()
    upgrade(url)


def test_web_scores_are_the_engines(app: Flask):
    """The web layer's cached scoring returns exactly what the engine computes."""
    from webform.engines import make_assessment, score_or_none

    scoring = app.extensions["cfc_scoring"]
    eng = scoring.engine(scoring.for_period(2022).id)
    profile = IA_TOI
    for name in ("ia-toi-2022.yaml", "ia-dal-2022.yaml", "ia-dom-2022.yaml"):
        values = example_values(name)
        for vals in (values, {k: values[k] for k in list(values)[:10]}, {}, {"c3_abused": 5}):
            doc = make_assessment(profile, 2022, vals)
            assert score_or_none(eng, doc).model_dump() == eng.score(doc).model_dump()
            assert score_or_none(eng, doc).model_dump() == eng.score(doc).model_dump()  # cached: same
    assert score_or_none(eng, make_assessment(profile, 2022, {"c2_births": -1})) is None


def test_models_and_migrations_agree(app: Flask):
    """Every model change needs a migration: the migrated schema must equal the models' schema."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from webform.models import Base

    with app.extensions["cfc_db"].connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_cli_creates_the_first_administrator_and_refuses_bad_input(app: Flask):
    from .conftest import login

    runner = app.test_cli_runner()
    r = runner.invoke(args=["create-user", "admin2", "--password", "matkhau-dai"])
    assert r.exit_code == 0 and "Đã tạo tài khoản admin2" in r.output
    assert login(app.test_client(), "admin2", "matkhau-dai").location.endswith("/admin/")
    for args, message in (
        (["create-user", "admin2", "--password", "matkhau-dai"], "đã có"),
        (["create-user", "x", "--password", "matkhau-dai"], "Tên đăng nhập gồm"),
        (["create-user", "ngan", "--password", "123"], "tối thiểu"),
        (["create-user", "xa-moi", "--role", "commune", "--password", "matkhau-dai"], "gắn với một xã"),
        (["create-user", "td-moi", "--role", "reviewer", "--password", "matkhau-dai"], "đơn vị"),
    ):
        r = runner.invoke(args=args)
        assert r.exit_code != 0 and message in r.output, r.output
    r = runner.invoke(
        args=[
            "create-user",
            "xa-moi",
            "--role",
            "commune",
            "--commune-code",
            "23535",
            "--password",
            "matkhau-dai",
        ]
    )
    assert r.exit_code == 0


def test_cli_seed_demo_is_refused_in_production(_template_db: str, tmp_path: Path):
    app = make_app(fresh_database_url(_template_db, tmp_path), tmp_path, ENV_NAME="production")
    r = app.test_cli_runner().invoke(args=["seed-demo"])
    assert r.exit_code != 0 and "CFC_ENV=production" in r.output
    app.extensions["cfc_db"].dispose()


def test_make_run_seeds_the_example_figures(_template_db: str, tmp_path: Path):
    """`make run` seeds the figures of examples/: Ia Tơi submitted (845, to review), the others drafts."""
    from sqlalchemy import select

    from webform.db import get_session
    from webform.models import Assessment, Commune, HistoryEntry

    app = make_app(fresh_database_url(_template_db, tmp_path), tmp_path)
    try:
        with app.app_context():
            seed_demo(app, with_figures=True)
            session = get_session()
            rows = {c.code: a for a, c in session.execute(
                select(Assessment, Commune).join(Commune, Assessment.commune_id == Commune.id)
                .where(Assessment.period == 2022))}
            assert {code: (a.state, a.self_total) for code, a in rows.items()} == {
                "23538": ("submitted", 845), "23535": ("draft", 650), "23537": ("draft", 895)}
            new = {c.code: a for a, c in session.execute(
                select(Assessment, Commune).join(Commune, Assessment.commune_id == Commune.id)
                .where(Assessment.period == 2026))}
            # 2026: Ia Tơi (with the former Ia Dom) submitted, Ia Đal a draft, Ia Dom none.
            assert {code: a.state for code, a in new.items()} == {"23538": "submitted", "23535": "draft"}
            assert rows["23538"].values == example_values()
            reasons = {h.reason for h in session.scalars(
                select(HistoryEntry).where(HistoryEntry.assessment_id == rows["23538"].id))}
            assert "Số liệu mẫu của bản trình diễn" in reasons
            seed_demo(app, with_figures=True)  # idempotent: nothing is filled twice
            assert get_session().get(Assessment, rows["23538"].id).state == "submitted"
    finally:
        app.extensions["cfc_db"].dispose()
