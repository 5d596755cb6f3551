"""Fixtures for the web app tests: a migrated database per test, the demo data, logged-in clients.

SQLite by default (a migrated template file copied per test); set TEST_DATABASE_URL to a PostgreSQL URL
(`make test-postgres` does) to run the same tests there (tables emptied per test).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from webform import create_app
from webform.migrate import upgrade
from webform.seed import ensure_registry, print_accounts, seed_demo

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
TABLES = ["pdf_cache", "login_attempts", "history", "item_reviews", "corrections", "assessments",
          "criteria_versions", "users", "unit_successors", "unit_parents", "communes"]
PASSWORD = "demo2022"
# The commune profile of the seeded Xã Ia Tơi, for scoring straight through the engine.
IA_TOI = {"code": "23538", "name": "Xã Ia Tơi", "district": "Huyện Ia H'Drai", "province": "Tỉnh Kon Tum",
          "type": "mien_nui_dbkk", "region": "tay_nguyen", "ntm_tdmnpb_override": False}


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    if PG_URL:
        upgrade(PG_URL)
        return PG_URL
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    url = f"sqlite:///{path}"
    upgrade(url)
    # The demo's units (Tỉnh Quảng Ngãi and its former provinces) imported once, not per test.
    app = make_app(url, path.parent)
    with app.app_context():
        ensure_registry()
    app.extensions["cfc_db"].dispose()
    return str(path)


def fresh_database_url(template: str, tmp_path: Path) -> str:
    if PG_URL:
        engine = create_engine(PG_URL)
        with engine.begin() as conn:
            # The history refuses TRUNCATE (migration 0003); a test reset of the throw-away cluster may.
            conn.execute(text("SET session_replication_role = replica"))
            conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return PG_URL
    db = tmp_path / "cfc.sqlite3"
    shutil.copyfile(template, db)
    return f"sqlite:///{db}"


def make_app(url: str, tmp_path: Path, **extra: Any) -> Flask:
    config = {
        "TESTING": True,
        "DATABASE_URL": url,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "PDF_RENDER_AHEAD": False,  # tests/web/test_pdf_cache.py turns it on where it is tested
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "ENV_NAME": "development",
    }
    config.update(extra)
    app = create_app(config)
    return app


@pytest.fixture
def app(_template_db: str, tmp_path: Path) -> Iterator[Flask]:
    app = make_app(fresh_database_url(_template_db, tmp_path), tmp_path)
    with app.app_context():
        seed_demo(app)
    yield app
    app.extensions["cfc_db"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> Any:
    return client.post("/auth/login", data={"username": username, "password": password})


def logged_in(app: Flask, username: str) -> FlaskClient:
    c = app.test_client()
    assert login(c, username).status_code == 302
    return c


@pytest.fixture
def officer(app: Flask) -> FlaskClient:
    return logged_in(app, "xa-iatoi")


@pytest.fixture
def other_officer(app: Flask) -> FlaskClient:
    return logged_in(app, "xa-iadal")


@pytest.fixture
def reviewer(app: Flask) -> FlaskClient:
    return logged_in(app, "thamdinh")


@pytest.fixture
def admin(app: Flask) -> FlaskClient:
    return logged_in(app, "quantri")


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def example_values(name: str = "ia-toi-2022.yaml") -> dict[str, Any]:
    import yaml

    return dict(yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))["values"])


def form_data(values: dict[str, Any], version: int, action: str = "save", **extra: str) -> dict[str, str]:
    """What the browser posts for these values (bools as the Có/Không radios). A submit is posted as from its
    confirmation page (confirmed=1); pass confirmed="" for the first step."""
    data = {"action": action, "version": str(version)}
    if action == "submit":
        data["confirmed"] = "1"
    for key, value in values.items():
        if isinstance(value, bool):
            data[f"v_{key}"] = "co" if value else "khong"
        else:
            data[f"v_{key}"] = str(value)
    data.update(extra)
    return data


def assessment_of(app: Flask, code: str = "23538", period: int = 2022) -> Any:
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from webform.db import get_session
    from webform.models import Assessment, Commune

    with app.app_context():
        session = get_session()
        return session.scalar(
            select(Assessment)
            .join(Commune)
            .where(Commune.code == code, Assessment.period == period)
            .options(selectinload(Assessment.corrections), selectinload(Assessment.item_reviews))
        )


def history_of(app: Flask, assessment_id: int) -> list[Any]:
    from sqlalchemy import select

    from webform.db import get_session
    from webform.models import HistoryEntry

    with app.app_context():
        return list(
            get_session().scalars(
                select(HistoryEntry)
                .where(HistoryEntry.assessment_id == assessment_id)
                .order_by(HistoryEntry.id)
            )
        )


def engine_total(app: Flask, values: dict[str, Any], commune: dict[str, Any] | None = None) -> Any:
    """The score straight from the engine (not through any web code), for comparison."""
    scoring = app.extensions["cfc_scoring"]
    eng = scoring.engine(scoring.for_period(2022).id)
    profile = commune or IA_TOI
    return eng.score({"commune": profile, "period": 2022, "values": values})


# --- the browser tests: live servers, one Chromium, signing in -----------------------------------------

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-output"
CHROMIUM = "/usr/bin/chromium"  # Debian's, never `playwright install`
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
# A start on a busy machine (migrations, seeding, forking workers) takes far longer than on a quiet one.
START_TIMEOUT = 180.0


class LiveServer(str):
    """The base URL of a served app (`server + "/path"` works), and how a user signs in to it."""

    log: Path

    def login(self, page: Any, username: str, password: str = PASSWORD) -> None:
        page.goto(self + "/auth/login")
        page.fill("#username", username)
        page.fill("#password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_server(tmp: Path, *options: str) -> Iterator[LiveServer]:
    """`python -m webform.serve` (as `make run` does) on a new SQLite file in `tmp`, stopped afterwards."""
    port = _free_port()
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp / 'e2e.sqlite3'}", SECRET_KEY="e2e-secret",
               CFC_ENV="development")
    log_path = tmp / "server.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "webform.serve", "--port", str(port), *options],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = LiveServer(f"http://127.0.0.1:{port}")
        base.log = log_path
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while True:
                try:
                    urllib.request.urlopen(base + "/auth/login", timeout=2)
                    break
                except OSError:
                    if proc.poll() is not None:
                        raise RuntimeError(log_path.read_text()) from None
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"server did not start:\n{log_path.read_text()}") from None
                    time.sleep(0.2)
            yield base
        finally:
            proc.terminate()
            try:  # gunicorn lets its workers finish (graceful_timeout 10 s), slower on a busy machine
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _seeded(path: Path, with_figures: bool) -> Path:
    """The database `webform.serve` builds before it serves: migrated, the demo accounts and communes."""
    url = f"sqlite:///{path}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "e2e-secret", "ENV_NAME": "development"})
    printed = io.StringIO()
    with app.app_context(), redirect_stdout(printed):
        print_accounts(seed_demo(app, with_figures=with_figures))
    app.extensions["cfc_db"].dispose()
    assert "xa-iatoi" in printed.getvalue() and PASSWORD in printed.getvalue()  # the demo accounts
    return path


# Seeding is half of a server's start-up: each demo database is built once per session and copied for each
# module. The modules cannot share one server: each moves the demo's records (Xã Ia Tơi's 2022 record from
# empty to submitted, or from submitted into review) to a state another module's assertions rule out.
@pytest.fixture(scope="session")
def _demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _seeded(tmp_path_factory.mktemp("demo-db") / "template.sqlite3", with_figures=True)


@pytest.fixture(scope="session")
def _empty_demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _seeded(tmp_path_factory.mktemp("empty-demo-db") / "template.sqlite3", with_figures=False)


def _serve_copy(template: Path, tmp: Path) -> Iterator[LiveServer]:
    shutil.copyfile(template, tmp / "e2e.sqlite3")
    with live_server(tmp, "--no-seed") as base:
        yield base


@pytest.fixture(scope="module")
def demo(_demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """`make run`'s demo (`webform.serve`): Ia Tơi submitted with the example figures, Ia Đal and Ia Dom
    drafts with theirs; a fresh copy for each module."""
    yield from _serve_copy(_demo_db, tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def server(_empty_demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The demo with empty self-assessments (`webform.serve --empty-demo`): the officer types every figure,
    as in a real first year; a fresh copy for each module."""
    yield from _serve_copy(_empty_demo_db, tmp_path_factory.mktemp("e2e"))


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for every browser test; each test opens its own contexts."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: run `make system-deps`")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()
