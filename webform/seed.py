"""Demo data for Ia H'Drai 2022: three communes, five accounts, the 2022 self-assessments (empty, or with the
figures of examples/ for `make run`, so the district team has something to review)."""

from __future__ import annotations

from datetime import date

from flask import Flask
from sqlalchemy import select

from engine.files import read_assessment

from . import history
from .auth import hash_password
from .config import PROJECT_ROOT
from .db import get_session
from .models import ROLE_ADMIN, ROLE_COMMUNE, ROLE_REVIEWER, Assessment, Commune, User
from .scoring import make_assessment, score_or_none, scoring
from .versions import ensure_defaults, in_force

DEMO_PASSWORD = "demo2022"
DEMO_PERIOD = 2022
DISTRICT = "Huyện Ia H'Drai"
COMMUNES = [
    ("23538", "Xã Ia Tơi", "xa-iatoi"),
    ("23535", "Xã Ia Đal", "xa-iadal"),
    ("23537", "Xã Ia Dom", "xa-iadom"),
]

MERGED = ("23537", "23538", date(2025, 7, 1))  # (predecessor, successor, date)
# With figures: Ia Tơi has submitted hers (ready for review); Ia Đal and Ia Dom are still drafts.
SUBMITTED = {"23538"}
EXAMPLES = PROJECT_ROOT / "examples"


class SeedRefused(RuntimeError):
    pass


def _example_values() -> dict[str, dict]:
    """The demo figures of examples/*.yaml, by commune code."""
    out = {}
    for path in sorted(EXAMPLES.glob("*-2022.yaml")):
        doc, errors = read_assessment(path)
        if not errors and isinstance(doc, dict):
            out[doc["commune"]["code"]] = doc["values"]
    return out


def seed_demo(app: Flask, with_figures: bool = False) -> list[tuple[str, str, str]]:
    """Create what is missing (idempotent); returns (username, password, role label) for printing.
    `with_figures` fills new 2022 assessments with the example figures (`make run`); tests start empty."""
    if app.config.get("ENV_NAME") == "production":
        raise SeedRefused(
            "Không tạo tài khoản mẫu khi CFC_ENV=production (demo accounts refused in production)."
        )
    session = get_session()
    ensure_defaults()
    cs = in_force(DEMO_PERIOD)
    accounts: list[tuple[str, str, str]] = []

    def user(username: str, full_name: str, role: str, commune: Commune | None = None,
             district: str | None = None) -> None:
        if session.scalar(select(User).where(User.username == username)) is None:
            session.add(User(username=username, full_name=full_name, role=role, active=True,
                             password_hash=hash_password(DEMO_PASSWORD),
                             commune_id=commune.id if commune else None, district=district))
        accounts.append((username, DEMO_PASSWORD, full_name))

    for code, name, username in COMMUNES:
        commune = session.scalar(select(Commune).where(Commune.code == code))
        if commune is None:
            commune = Commune(code=code, name=name, district=DISTRICT, province="Tỉnh Kon Tum",
                              type="mien_nui_dbkk", region="tay_nguyen", ntm_tdmnpb_override=False)
            session.add(commune)
            session.flush()
        user(username, f"Cán bộ {name}", ROLE_COMMUNE, commune=commune)
        exists = session.scalar(select(Assessment).where(Assessment.commune_id == commune.id,
                                                         Assessment.period == DEMO_PERIOD))
        if exists is None and cs is not None:
            a = Assessment(commune_id=commune.id, period=DEMO_PERIOD, criteria_set_id=cs.id,
                           criteria_hash=cs.content_hash, state="draft", values={}, sources={})
            session.add(a)
            session.flush()
            history.record(session, a, None, "state", None, "draft", "Tạo hồ sơ mẫu")
            if with_figures:
                _fill_demo(session, a, commune, cs)
    # Since 01/07/2025 Xã Ia Dom is part of Xã Ia Tơi (23538): the registry keeps both, with the merge.
    ia_dom = session.scalar(select(Commune).where(Commune.code == MERGED[0]))
    ia_toi = session.scalar(select(Commune).where(Commune.code == MERGED[1]))
    if ia_dom is not None and ia_toi is not None and ia_dom.successor_id is None:
        ia_dom.successor_id, ia_dom.merged_on = ia_toi.id, MERGED[2]
    user("thamdinh", "Tổ thẩm định huyện Ia H'Drai", ROLE_REVIEWER, district=DISTRICT)
    user("quantri", "Quản trị hệ thống", ROLE_ADMIN)
    session.commit()
    return accounts


def _fill_demo(session, a: Assessment, commune: Commune, cs) -> None:
    values = _example_values().get(commune.code)
    if not values:
        return
    result = score_or_none(scoring().engine_for(cs), make_assessment(commune.profile(), a.period, values))
    history.store_figures(session, a, None, dict(values), result.total if result is not None else None,
                          [d.id for d in cs.inputs], reason="Số liệu mẫu (examples/)")
    if commune.code in SUBMITTED and result is not None and not result.missing_inputs:
        history.record(session, a, None, "state", "draft", "submitted", "Hồ sơ mẫu đã gửi thẩm định")
        a.state = "submitted"


def print_accounts(accounts: list[tuple[str, str, str]]) -> None:
    print("Tài khoản mẫu (demo accounts):")
    for username, password, label in accounts:
        print(f"  {username:<10} {password:<10} {label}")
