"""Units as data: the import against the libraries' data, scope by level and date, the demo accounts,
search and sort on Vietnamese names."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from .conftest import fresh_database_url, login, make_app


def _import(app: Flask, *args: str) -> str:
    r = app.test_cli_runner().invoke(args=["import-units", *args])
    assert r.exit_code == 0, r.output
    return r.output


def test_import_counts_mapping_and_idempotence(_template_db: str, tmp_path: Path):
    from vietnam_provinces import Ward

    from webform.db import get_session
    from webform.models import Commune, UnitSuccessor
    from webform.units import find_commune, units_under

    app = make_app(fresh_database_url(_template_db, tmp_path), tmp_path)
    with app.app_context():
        # (The SQLite template already holds province 51 with its legacy units.) A second run changes nothing.
        _import(app, "--province", "51", "--legacy")
        out = _import(app, "--province", "51", "--legacy")
        assert "Không có thay đổi" in out and "Không xóa đơn vị nào." in out
        assert "vietnam-provinces 2025.10.1" in out and "vietnamadminunits 1.0.4" in out
        session = get_session()
        qn = session.scalar(select(Commune).where(Commune.level == "tinh", Commune.code == "51"))
        now = units_under(qn, date(2026, 12, 31))
        expected = {f"{w.code.value:05d}" for w in Ward.iter_all() if w.province_code.value == 51}
        assert len(expected) == 96 and {c.code for c in now} == expected
        # 2022: Ia H'Drai's three communes were in Kon Tum, not in Quảng Ngãi.
        kon_tum = session.scalar(select(Commune).where(Commune.level == "tinh", Commune.code == "62"))
        before = {c.code for c in units_under(kon_tum, date(2022, 12, 31))}
        assert {"23535", "23537", "23538"} <= before
        assert not {"23535", "23537", "23538"} & {c.code for c in units_under(qn, date(2022, 12, 31))}
        assert units_under(kon_tum, date(2026, 12, 31)) == []
        # The Ia H'Drai mapping: new Ia Tơi from old Ia Dom and Ia Tơi (the same unit), new Ia Đal = old.
        toi = find_commune("23538", date(2026, 1, 1))
        assert toi is find_commune("23538", date(2022, 1, 1))
        links = session.scalars(select(UnitSuccessor).where(UnitSuccessor.successor_id == toi.id)).all()
        assert [(x.predecessor.code, x.predecessor.name, x.kind, x.on) for x in links] == [
            ("23537", "Xã Ia Dom", "merge", date(2025, 7, 1))]
        dal = find_commune("23535")
        assert dal.holds_on(date(2022, 1, 1)) and dal.holds_on(date(2026, 1, 1))
        assert session.scalar(select(func.count()).select_from(UnitSuccessor)
                              .where(UnitSuccessor.successor_id == dal.id)) == 0
        assert toi.profile(2022)["district"] == "Huyện Ia H'Drai" and toi.profile(2026)["district"] == ""
        # Kon Tum merged into Quảng Ngãi; some old communes were divided between several new ones.
        assert session.scalar(select(func.count()).select_from(UnitSuccessor).where(
            UnitSuccessor.predecessor_id == kon_tum.id, UnitSuccessor.successor_id == qn.id)) == 1
        assert session.scalar(select(func.count()).select_from(UnitSuccessor)
                              .where(UnitSuccessor.kind == "split")) > 0
    app.extensions["cfc_db"].dispose()


def test_import_one_province_of_the_current_list_and_bad_options(_template_db: str, tmp_path: Path):
    from vietnam_provinces import Ward

    from webform.db import get_session
    from webform.models import Commune

    app = make_app(fresh_database_url(_template_db, tmp_path), tmp_path)
    with app.app_context():
        out = _import(app, "--province", "96")
        n = sum(1 for w in Ward.iter_all() if w.province_code.value == 96)
        assert f"Đơn vị tạo mới: 1 tỉnh, {n} xã" in out
        assert "Không có thay đổi" in _import(app, "--province", "96")
        count = get_session().scalar(select(func.count()).select_from(Commune))
        r = app.test_cli_runner().invoke(args=["import-units", "--province", "99"])
        assert r.exit_code != 0 and "Không có tỉnh mã «99»" in r.output
        r = app.test_cli_runner().invoke(args=["import-units"])
        assert r.exit_code != 0 and "--province" in r.output
        assert get_session().scalar(select(func.count()).select_from(Commune)) == count
    app.extensions["cfc_db"].dispose()


def test_import_never_deletes_and_keeps_assessments(app: Flask):
    from webform.db import get_session
    from webform.models import Assessment

    with app.app_context():
        before = get_session().scalar(select(func.count()).select_from(Assessment))
        _import(app, "--province", "51", "--legacy")
        assert get_session().scalar(select(func.count()).select_from(Assessment)) == before


def test_the_same_reviewer_sees_the_right_communes_in_2022_and_2026(app: Flask):
    district, province = app.test_client(), app.test_client()
    assert login(district, "thamdinh").status_code == 302
    assert login(province, "thamdinh-qn").status_code == 302

    def queue_codes(client, period: int) -> set[str]:
        html = client.get(f"/review/?period={period}").text
        table = html.split('id="queue"')[1].split("</table>")[0]
        return {code for code in ("23535", "23537", "23538") if re.search(f"<td[^>]*>{code}</td>", table)}

    assert queue_codes(district, 2022) == {"23535", "23537", "23538"}
    assert queue_codes(district, 2026) == set()
    assert queue_codes(province, 2026) == {"23535", "23538"}
    assert queue_codes(province, 2022) == set()  # Ia H'Drai was in Kon Tum in 2022
    html = province.get("/review/?period=2026").text
    assert "Thẩm định cấp tỉnh — Tỉnh Quảng Ngãi" in html and "96 xã" in html
    assert "Thẩm định cấp huyện — Huyện Ia H&#39;Drai" in district.get("/review/?period=2022").text
    assert "Tổng hợp cấp tỉnh" in province.get("/district/?period=2026").text


def test_never_a_commune_outside_the_unit(app: Flask):
    from .conftest import assessment_of

    province, district = app.test_client(), app.test_client()
    login(province, "thamdinh-qn")
    login(district, "thamdinh")
    old = assessment_of(app, "23538", 2022)
    new = assessment_of(app, "23538", 2026)
    # The province team does not open the 2022 record of a Kon Tum commune, nor the district team 2026's.
    assert province.get(f"/review/{old.id}").status_code == 404
    assert district.get(f"/review/{new.id}").status_code == 404
    assert province.get(f"/review/{new.id}").status_code == 200  # a draft: "not submitted yet" page
    assert district.get(f"/review/{old.id}").status_code == 200


def test_demo_accounts(app: Flask):
    assert login(app.test_client(), "thamdinh-qn").location.endswith("/review/")
    assert login(app.test_client(), "thamdinh").location.endswith("/review/")
    assert login(app.test_client(), "xa-iatoi").status_code == 302
    assert login(app.test_client(), "xa-iadal").status_code == 302
    r = login(app.test_client(), "xa-iadom")  # deactivated after the merge
    assert r.status_code == 403 and "Tài khoản này đã bị khóa" in r.text


def test_ia_dom_history_reads_under_ia_toi(app: Flask):
    from .conftest import example_values
    from .district_util import store_values

    store_values(app, "23537", example_values("ia-dom-2022.yaml"), "submitted")
    officer = app.test_client()
    login(officer, "xa-iatoi")
    html = officer.get("/district/years/23538").text
    before = html.split('id="before"')[1]
    assert "Xã Ia Dom" in before and "23537" in before and "2022" in before
    province = app.test_client()
    login(province, "thamdinh-qn")
    assert "Xã Ia Dom" in province.get("/district/years/23538").text.split('id="before"')[1]


def test_search_without_diacritics_and_vietnamese_order():
    from types import SimpleNamespace

    from webform.units import fold, search, sort_key, sort_units

    assert fold("Xã Ia Tơi") == "xa ia toi" and fold("Đắk Lắk") == "dak lak"
    units = [SimpleNamespace(name=n, code=str(i)) for i, n in enumerate(
        ["Xã Ia Tơi", "Xã Ia Đal", "Xã Ia Dom", "Phường Ân Nhơn", "Xã An Hòa", "Xã Ăn Khê", "Xã Bình Sơn",
         "Xã Đăk Tô", "Xã Dục Nông", "Xã An Hoà"])]
    assert [u.name for u in search(units, "ia toi")] == ["Xã Ia Tơi"]
    assert [u.name for u in search(units, "IA")] == ["Xã Ia Tơi", "Xã Ia Đal", "Xã Ia Dom"]
    assert [u.name for u in search(units, "3")] == ["Phường Ân Nhơn"]
    names = [u.name for u in sort_units(units)]
    # a < ă < â < b < d < đ; the kind ("Xã", "Phường") does not count.
    assert names.index("Xã An Hòa") < names.index("Xã Ăn Khê") < names.index("Phường Ân Nhơn") \
        < names.index("Xã Bình Sơn") < names.index("Xã Dục Nông") < names.index("Xã Đăk Tô") \
        < names.index("Xã Ia Dom") < names.index("Xã Ia Đal") < names.index("Xã Ia Tơi")
    assert sort_key("ia dom") < sort_key("ia đal")  # d before đ


def test_overview_search_and_state_filter(app: Flask):
    province = app.test_client()
    login(province, "thamdinh-qn")
    html = province.get("/district/?period=2026&q=ia+toi").text
    table = html.split('id="communes"')[1].split("</table>")[0]
    assert "Xã Ia Tơi" in table and "Xã Ia Đal" not in table
    html = province.get("/district/?period=2026&state=none").text
    table = html.split('id="communes"')[1].split("</table>")[0]
    assert "Xã Ia Tơi" not in table and "(94 xã)" in html
    html = province.get("/review/?period=2026&q=IA+DAL").text
    assert "Xã Ia Đal" in html and "Xã Ia Tơi" not in html.split('id="queue"')[1]


def test_periodic_report_says_when_units_changed_between_the_periods(app: Flask):
    import io

    from openpyxl import load_workbook

    province = app.test_client()
    login(province, "thamdinh-qn")
    r = province.get("/district/report.xlsx?kind=year&year=2026")
    assert r.status_code == 200
    cells = [str(v) for row in load_workbook(io.BytesIO(r.data)).active.iter_rows(values_only=True)
             for v in row if v is not None]
    toi = [c for c in cells if "Xã Ia Dom (23537) trước 01/07/2025" in c]
    assert len(toi) == 1 and toi[0].startswith("Đơn vị thay đổi giữa hai kỳ")
    # Ia Tơi has its own 2022 record: compared with it, and the change is said; a new commune is not
    # compared with its predecessors' figures.
    assert "không so sánh" not in toi[0]
    assert any("không so sánh với số liệu của đơn vị cũ" in c for c in cells)
    assert not any("Đơn vị thay đổi" in c and "Ia Đal" in c for c in cells)  # Ia Đal did not change


def test_a_divided_commune_appears_under_each_successor_with_a_note(app: Flask):
    """Xã Trà Bùi (21142, Quảng Ngãi) was divided between Xã Cà Đam (21136) and Xã Tây Trà Bồng (21157)."""
    from webform.db import get_session
    from webform.models import Assessment
    from webform.units import find_commune

    with app.app_context():
        session = get_session()
        old = find_commune("21142", date(2022, 12, 31))
        assert old.name == "Xã Trà Bùi" and old.valid_to == date(2025, 6, 30)
        session.add(Assessment(commune_id=old.id, period=2022, criteria_set_id="qd06-2019",
                               state="recognised", values={}, sources={}))
        session.commit()
    province = app.test_client()
    login(province, "thamdinh-qn")
    for code, other in (("21136", "Xã Tây Trà Bồng"), ("21157", "Xã Cà Đam")):
        html = province.get(f"/district/years/{code}").text
        before = html.split('id="before"')[1]
        assert "Xã Trà Bùi" in before and "21142" in before
        assert f"Xã này được chia: hồ sơ cũng hiện dưới {other}" in before
        assert "Xã Trà Bùi (21142) trước 01/07/2025 (một phần, cùng " + other + ")" in html


def test_cli_attaches_a_reviewer_to_a_province(app: Flask):
    r = app.test_cli_runner().invoke(args=["create-user", "td-qn2", "--role", "reviewer", "--unit", "51",
                                           "--password", "matkhau-dai"])
    assert r.exit_code == 0, r.output
    c = app.test_client()
    assert login(c, "td-qn2", "matkhau-dai").status_code == 302
    assert "Thẩm định cấp tỉnh — Tỉnh Quảng Ngãi" in c.get("/review/?period=2026").text
    r = app.test_cli_runner().invoke(args=["create-user", "td-x", "--role", "reviewer", "--unit", "9",
                                           "--password", "matkhau-dai"])
    assert r.exit_code != 0 and "có trong danh mục" in r.output


def test_migration_carries_the_free_text_registry_over(tmp_path: Path):
    """A database of revision 0002 (free-text district, Ia Dom merged into Ia Tơi) upgraded to 0005: the
    district and province become units, the communes and the reviewer are attached to them, the merge becomes
    a successor link; the import then recognises the district by name and gives it its code."""
    from sqlalchemy import create_engine, text

    from webform.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    upgrade(url, "0002_commune_merges")
    engine = create_engine(url)
    with engine.begin() as conn:
        old = (("23538", "Xã Ia Tơi"), ("23535", "Xã Ia Đal"), ("23537", "Xã Ia Dom"))
        for n, (code, name) in enumerate(old, start=1):
            conn.execute(text("INSERT INTO communes (id, code, name, district, province, type, region, "
                              "ntm_tdmnpb_override) VALUES (:i, :c, :n, 'Huyện Ia H''Drai', 'Tỉnh Kon Tum', "
                              "'mien_nui_dbkk', 'tay_nguyen', 0)"), {"i": n, "c": code, "n": name})
        conn.execute(text("UPDATE communes SET successor_id = 1, merged_on = '2025-07-01' WHERE id = 3"))
        conn.execute(text("INSERT INTO users (username, password_hash, full_name, role, district, active) "
                          "VALUES ('td', 'x', 'T', 'reviewer', 'Huyện Ia H''Drai', 1)"))
        conn.execute(text("INSERT INTO assessments (commune_id, period, criteria_set_id, state, version, "
                          '"values", sources, created_at, updated_at) '
                          "VALUES (3, 2022, 'qd06-2019', 'draft', 1, '{}', '{}', "
                          "'2022-01-01', '2022-01-01')"))
    upgrade(url)
    engine.dispose()
    app = make_app(url, tmp_path)
    with app.app_context():
        from webform.db import get_session
        from webform.models import Commune, User
        from webform.units import find_commune, predecessors, units_under

        session = get_session()
        toi = find_commune("23538", date(2022, 12, 31))
        assert toi.profile(2022)["district"] == "Huyện Ia H'Drai"
        assert toi.profile(2022)["province"] == "Tỉnh Kon Tum"
        merged = [(p.unit.code, p.on, p.kind) for p in predecessors(toi)]
        assert merged == [("23537", date(2025, 7, 1), "merge")]
        reviewer = session.scalar(select(User).where(User.username == "td"))
        assert reviewer.unit.name == "Huyện Ia H'Drai" and reviewer.unit.level == "huyen"
        assert {c.code for c in units_under(reviewer.unit, date(2022, 12, 31))} == {"23535", "23537", "23538"}
        out = _import(app, "--province", "51", "--legacy")
        assert "Không xóa đơn vị nào." in out
        district = session.scalar(select(Commune).where(Commune.level == "huyen",
                                                        Commune.name == "Huyện Ia H'Drai"))
        assert district.code == "618" and reviewer.unit_id == district.id
        assert session.scalar(select(func.count()).select_from(Commune).where(
            Commune.level == "xa", Commune.code == "23538")) == 1  # one Ia Tơi, before and after the reform
        assert find_commune("23538", date(2026, 1, 1)).id == toi.id
        assert "Không có thay đổi" in _import(app, "--province", "51", "--legacy")
    app.extensions["cfc_db"].dispose()
