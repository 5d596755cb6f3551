"""Demo data for both worlds (never typed units: the registry comes from the official lists, see
webform/unit_import.py):

- 2022: Huyện Ia H'Drai (Tỉnh Kon Tum), its three communes, reviewer `thamdinh`, the 2022 self-assessments;
- 2026: Tỉnh Quảng Ngãi (which Kon Tum joined on 01/07/2025), reviewer `thamdinh-qn`, 2026 self-assessments
  for Xã Ia Tơi (23538, which includes the former Xã Ia Dom) and Xã Ia Đal (23535). Ia Dom has no 2026
  record; its officer account is deactivated and its history reads under Ia Tơi.

Empty self-assessments for the tests; with the figures of examples/ for `make run`.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.io.files import read_assessment

from . import history
from .auth import hash_password
from .config import PROJECT_ROOT
from .db import get_session
from .engines import make_assessment, score_or_none, scoring
from .models import LEVEL_COMMUNE, ROLE_ADMIN, ROLE_COMMUNE, ROLE_REVIEWER, Assessment, Commune, User
from .units import find_reviewing_unit, reference_date
from .versions import ensure_defaults, in_force

DEMO_PASSWORD = "demo2022"
DEMO_PERIOD = 2022
DEMO_PERIOD_NEW = 2026
DEMO_PROVINCE = "51"          # Tỉnh Quảng Ngãi (current list)
DEMO_DISTRICT = "618"         # Huyện Ia H'Drai (legacy list)
# The tier and region are not in any official list: the demo sets them for its three communes.
DEMO_PROFILE = {"type": "mien_nui_dbkk", "region": "tay_nguyen"}
COMMUNES = [("23538", "xa-iatoi"), ("23535", "xa-iadal"), ("23537", "xa-iadom")]
MERGED_AWAY = {"23537"}       # ended on 30/06/2025 (into Xã Ia Tơi): no 2026 record, account deactivated
# With figures: Ia Tơi has submitted hers in 2022 and 2026 (ready for review); the others are drafts.
SUBMITTED = {(DEMO_PERIOD, "23538"), (DEMO_PERIOD_NEW, "23538")}
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


def _combined(parts: list[dict]) -> dict:
    """A merged commune's demo figures: counts added, a yes only if every former commune said yes."""
    out: dict = {}
    for values in parts:
        for key, value in values.items():
            if isinstance(value, bool):
                out[key] = out.get(key, True) and value
            elif isinstance(value, int):
                out[key] = out.get(key, 0) + value
    return out


def ensure_registry() -> None:
    """The demo province and its former provinces from the official lists, once (idempotent import)."""
    from .unit_import import import_units

    session = get_session()
    ia_toi = session.scalar(select(Commune).where(Commune.level == LEVEL_COMMUNE, Commune.code == "23538",
                                                  Commune.valid_to.is_(None)))
    qn = find_reviewing_unit(DEMO_PROVINCE)
    if ia_toi is None or qn is None or not ia_toi.holds_on(reference_date(DEMO_PERIOD)) \
            or find_reviewing_unit(DEMO_DISTRICT) is None:
        import_units(session, province=DEMO_PROVINCE, legacy=True)


def _commune(code: str, period: int) -> Commune | None:
    on = reference_date(period)
    rows = get_session().scalars(select(Commune).where(Commune.level == LEVEL_COMMUNE, Commune.code == code))
    return next((c for c in rows if c.holds_on(on)), None)


def seed_demo(app: Flask, with_figures: bool = False) -> list[tuple[str, str, str]]:
    """Create what is missing (idempotent); returns (username, password, role label) for printing.
    `with_figures` fills new assessments with the example figures (`make run`); tests start empty."""
    if app.config.get("ENV_NAME") == "production":
        raise SeedRefused(
            "Không tạo tài khoản mẫu khi CFC_ENV=production (demo accounts refused in production)."
        )
    ensure_registry()
    session = get_session()
    ensure_defaults()  # the files of criteria/ as the versions in force of a fresh install
    accounts: list[tuple[str, str, str]] = []

    def user(username: str, full_name: str, role: str, commune: Commune | None = None,
             unit: Commune | None = None, active: bool = True) -> None:
        existing = session.scalar(select(User).where(User.username == username))
        if existing is None:
            session.add(User(username=username, full_name=full_name, role=role, active=active,
                             password_hash=hash_password(DEMO_PASSWORD),
                             commune_id=commune.id if commune else None, unit_id=unit.id if unit else None))
        elif not active:
            existing.active = False
        label = full_name + ("" if active else " (đã khóa: xã đã sáp nhập)")
        accounts.append((username, DEMO_PASSWORD, label))

    examples = _example_values()
    for code, username in COMMUNES:
        commune = _commune(code, DEMO_PERIOD)
        if commune is None:
            continue
        for attr, value in DEMO_PROFILE.items():
            if not getattr(commune, attr):
                setattr(commune, attr, value)
        user(username, f"Cán bộ {commune.name}", ROLE_COMMUNE, commune=commune,
             active=code not in MERGED_AWAY)
        _assessment(session, commune, DEMO_PERIOD, examples.get(code) if with_figures else None)
        if code not in MERGED_AWAY and _commune(code, DEMO_PERIOD_NEW) is commune:
            values = None
            if with_figures:
                # Ia Tơi of 2026 includes the former Ia Dom: the demo adds their 2022 figures together.
                parts = [examples[c] for c in [code] + _merged_into(commune) if c in examples]
                values = _combined(parts) if parts else None
            _assessment(session, commune, DEMO_PERIOD_NEW, values)
    user("thamdinh", "Tổ thẩm định huyện Ia H'Drai", ROLE_REVIEWER, unit=find_reviewing_unit(DEMO_DISTRICT))
    user("thamdinh-qn", "Tổ thẩm định tỉnh Quảng Ngãi (demo)", ROLE_REVIEWER,
         unit=find_reviewing_unit(DEMO_PROVINCE))
    user("quantri", "Quản trị hệ thống", ROLE_ADMIN)
    session.commit()
    return accounts


def _merged_into(commune: Commune) -> list[str]:
    from .units import predecessors

    return [p.unit.code for p in predecessors(commune) if p.kind == "merge"]


def _assessment(session: Session, commune: Commune, period: int, values: dict | None) -> None:
    exists = session.scalar(select(Assessment).where(Assessment.commune_id == commune.id,
                                                     Assessment.period == period))
    if exists is not None:
        return
    try:
        cs = in_force(period)
    except LookupError:  # no criteria set covers that year: no demo record for it
        return
    a = Assessment(commune_id=commune.id, period=period, criteria_set_id=cs.id,
                   criteria_hash=cs.content_hash, state="draft", values={}, sources={})
    session.add(a)
    session.flush()
    history.record(session, a, None, "state", None, "draft", "Tạo hồ sơ mẫu")
    if not values:
        return
    eng = scoring().engine_for(cs)
    result = score_or_none(eng, make_assessment(commune.profile(period), period, values))
    if result is None:
        return
    history.store_figures(session, a, None, dict(values), result.total, [d.id for d in cs.inputs],
                          reason="Số liệu mẫu của bản trình diễn")
    if (period, commune.code) in SUBMITTED and not result.missing_inputs:
        history.record(session, a, None, "state", "draft", "submitted", "Hồ sơ mẫu đã gửi thẩm định")
        a.state = "submitted"


def print_accounts(accounts: list[tuple[str, str, str]]) -> None:
    print("Tài khoản mẫu (demo accounts):")
    for username, password, label in accounts:
        print(f"  {username:<12} {password:<10} {label}")
    print("  Năm 2022: Huyện Ia H'Drai, Tỉnh Kon Tum (thamdinh). Năm 2026: Tỉnh Quảng Ngãi (thamdinh-qn), "
          "đơn vị thẩm định cấp tỉnh là DEMO.")
