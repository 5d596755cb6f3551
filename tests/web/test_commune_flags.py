"""Commune flags are data (issue 10.6): a flag declared in a link table's YAML appears in the administrator's
form, the unit spreadsheet, the self-assessment template and validation, and reaches the engine, with no
Python change; hostile values are refused in Vietnamese and nothing is stored; migration 0008 carries the
old column's values over and back; no Python file of the product names the 2021–2025 flag."""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import create_engine, inspect, select, text

from engine import Engine
from engine.io.catalog import Catalog
from engine.io.sheets import FIRST_ROW, ID_ROW, SHEET, read_workbook, template_workbook
from webform.seed import seed_demo

from .conftest import IA_TOI, PG_URL, example_values, fresh_database_url, logged_in, make_app

ROOT = Path(__file__).resolve().parents[2]
NEW = "xa_thu_nghiem"  # made up: no such flag exists anywhere in the product
NEW_LABEL = "Xã thí điểm dùng ngưỡng vùng Trung du và miền núi phía Bắc"
NEW_SHORT = "Xã thí điểm TDMNPB"
OLD = "ntm_tdmnpb_override"


def flagged_folder(folder: Path) -> Path:
    """criteria/ with one more flag declared in the 2021–2025 link table, which its region override now
    reads instead of the shipped one."""
    folder.mkdir()
    for path in (ROOT / "criteria").glob("*.yaml"):
        shutil.copyfile(path, folder / path.name)
    link = folder / "ntm-2021-2025.yaml"
    source = link.read_text(encoding="utf-8")
    declaration = (f"  - id: {NEW}\n    label: {NEW_LABEL}\n    short: {NEW_SHORT}\n"
                   "    help: Cờ thử nghiệm, chỉ có trong bài kiểm thử.\n\n# Xã đặc biệt khó khăn")
    source = source.replace("\n# Xã đặc biệt khó khăn", "\n" + declaration, 1)
    source = source.replace(f"  flag: {OLD}\n", f"  flag: {NEW}\n")
    assert NEW in source and f"flag: {NEW}" in source
    link.write_text(source, encoding="utf-8")
    return folder


@pytest.fixture
def flag_app(_template_db: str, tmp_path: Path) -> Iterator[Flask]:
    folder = flagged_folder(tmp_path / "criteria")
    app = make_app(fresh_database_url(_template_db, tmp_path), tmp_path, CRITERIA_DIR=str(folder))
    with app.app_context():
        seed_demo(app)
    yield app
    app.extensions["cfc_db"].dispose()


def flags_of(app: Flask, code: str) -> dict[str, bool]:
    from webform.units import find_commune

    with app.app_context():
        commune = find_commune(code)
        assert commune is not None
        return commune.flags


def commune_count(app: Flask) -> int:
    from webform.db import get_session
    from webform.models import Commune

    with app.app_context():
        return len(list(get_session().scalars(select(Commune.id))))


NEW_COMMUNE = {"code": "51999", "name": "Xã Thử Nghiệm", "parent": "51", "type": "mien_nui_dbkk",
               "region": "tay_nguyen"}


def _ids(ws: Any, row: int) -> list[Any]:
    return [ws.cell(row, c).value for c in range(1, ws.max_column + 1)]


def test_a_flag_declared_in_yaml_reaches_form_sheets_validation_and_engine(flag_app: Flask):
    admin = logged_in(flag_app, "quantri")
    # 1. The administrator's form: one checkbox per declared flag, label and help from the YAML.
    page = admin.get("/admin/").get_data(as_text=True)
    assert f'name="flag_{NEW}"' in page and NEW_LABEL in page and "Cờ thử nghiệm" in page
    assert f'name="flag_{OLD}"' in page and "(Áp dụng: 2021–2025)" in page
    r = admin.post("/admin/communes", data={**NEW_COMMUNE, f"flag_{NEW}": "1"})
    assert r.status_code == 302, r.get_data(as_text=True)
    assert flags_of(flag_app, "51999") == {NEW: True}
    page = admin.get("/admin/").get_data(as_text=True)
    assert f"<th>{NEW_SHORT}</th>" in page  # the list of communes shows it too

    # 2. The unit spreadsheet: a Có/Không column of its own, read back and stored.
    wb = load_workbook(io.BytesIO(admin.get("/admin/units.xlsx?province=51").data))
    ws = wb["Đơn vị"]
    ids = _ids(ws, 2)
    assert ids[:5] == ["code", "name", "province", "type", "region"] and set(ids[5:]) == {OLD, NEW}
    col = ids.index(NEW) + 1
    assert ws.cell(3, col).value == f"{NEW_SHORT} (Có/Không)"
    row = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value == "23538")
    assert ws.cell(row, col).value == "Không"
    ws.cell(row, col, "Có")
    buf = io.BytesIO()
    wb.save(buf)
    r = admin.post("/admin/units", data={"file": (io.BytesIO(buf.getvalue()), "don-vi.xlsx")},
                   content_type="multipart/form-data")
    assert r.status_code == 200, r.get_data(as_text=True)
    assert flags_of(flag_app, "23538") == {NEW: True}

    # 3. The self-assessment template: a column, filled from the stored profile, read back as a boolean.
    reviewer = logged_in(flag_app, "thamdinh")
    r = reviewer.get("/district/template.xlsx?period=2022")
    assert r.status_code == 200
    twb = load_workbook(io.BytesIO(r.data))
    tws = twb[SHEET]
    keys = _ids(tws, ID_ROW)
    assert f"commune.{NEW}" in keys and f"commune.{OLD}" in keys
    trow = next(r for r in range(FIRST_ROW, tws.max_row + 1) if tws.cell(r, 1).value == "23538")
    assert tws.cell(trow, keys.index(f"commune.{NEW}") + 1).value == "Có"

    # 4. Validation and the engine: the flag is a strict boolean of the commune block, and the region
    #    override reads it by the id its table declares.
    scoring = flag_app.extensions["cfc_scoring"]
    eng = scoring.engine_for(scoring.for_period(2022))
    assert [f.id for f in eng.commune_flags] == [OLD, NEW]
    doc = {"commune": {**IA_TOI, NEW: True}, "period": 2022, "values": example_values()}
    stunting = next(s for s in eng.score(doc).ntm if s.indicator == "15.3")
    assert stunting.status == "chua_dat"
    assert "ngưỡng vùng Trung du và miền núi phía Bắc" in stunting.explanation
    doc["commune"][NEW] = False
    assert next(s for s in eng.score(doc).ntm if s.indicator == "15.3").status == "dat"
    doc["commune"][NEW] = "Có"
    assert [(e.field, e.message) for e in eng.validate(doc)] == [
        (f"commune.{NEW}", "Phải là true hoặc false.")]
    rows, errors = read_workbook(r.data, scoring.for_period(2022), eng.validate, flags=eng.commune_flags)
    assert not errors
    ia_toi = next(row for row in rows if row.document["commune"]["code"] == "23538")
    assert ia_toi.document["commune"][NEW] is True

    # The shipped catalog declares no such flag: there it stays an unknown key, refused as before.
    shipped = Catalog.load(ROOT / "criteria")
    plain = Engine(shipped.for_period(2022), shipped.ntm_tables)
    try:
        doc["commune"][NEW] = True
        assert [(e.field, e.message) for e in plain.validate(doc)] == [
            (f"commune.{NEW}", f"Mục «{NEW}» không có trong thông tin xã.")]
    finally:
        plain.close()


# ---------------------------------------------------------------- hostile input


@pytest.mark.parametrize(("extra", "field", "message"), [
    ({f"flag_{OLD}": "true"}, f"flag_{OLD}", "chỉ đánh dấu hoặc bỏ đánh dấu ô này"),
    ({f"flag_{OLD}": ["1", "1"]}, f"flag_{OLD}", "chỉ đánh dấu hoặc bỏ đánh dấu ô này"),
    ({f"flag_{OLD}": "0"}, f"flag_{OLD}", "chỉ đánh dấu hoặc bỏ đánh dấu ô này"),
    ({"flag_xa_ma": "1"}, "flags", "Cờ «xa_ma» không có trong bảng liên hệ nào đang áp dụng"),
], ids=["text", "twice", "zero", "unknown"])
def test_the_form_refuses_bad_flags_and_stores_nothing(app: Flask, admin: FlaskClient, extra: dict,
                                                       field: str, message: str):
    before = commune_count(app)
    r = admin.post("/admin/communes", data={**NEW_COMMUNE, **extra})
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and message in page
    assert 'value="Xã Thử Nghiệm"' in page  # what was typed is still there
    assert commune_count(app) == before


def _unit_sheet(admin: FlaskClient) -> Any:
    return load_workbook(io.BytesIO(admin.get("/admin/units.xlsx?province=51").data))


def _post(admin: FlaskClient, wb: Any) -> Any:
    buf = io.BytesIO()
    wb.save(buf)
    return admin.post("/admin/units", data={"file": (io.BytesIO(buf.getvalue()), "don-vi.xlsx")},
                      content_type="multipart/form-data")


@pytest.mark.parametrize(("column_id", "cell", "message"), [
    (OLD, "Có lẽ", "phải là Có hoặc Không"),
    (OLD, "1", "phải là Có hoặc Không"),
    ("xa_ma", "Có", "Cột «xa_ma» không phải cờ của xã được khai báo trong bảng liên hệ"),
], ids=["maybe", "one", "unknown column"])
def test_the_unit_sheet_refuses_bad_flags_and_stores_nothing(app: Flask, admin: FlaskClient, column_id: str,
                                                             cell: str, message: str):
    wb = _unit_sheet(admin)
    ws = wb["Đơn vị"]
    rows = {ws.cell(r, 1).value: r for r in range(4, ws.max_row + 1)}
    ws.cell(2, 6, column_id)
    ws.cell(rows["23535"], 6, "Có")  # a good change beside the bad one: it must not be stored either
    ws.cell(rows["23538"], 6, cell)
    r = _post(admin, wb)
    assert r.status_code == 400 and message in r.get_data(as_text=True)
    assert flags_of(app, "23535") == {} and flags_of(app, "23538") == {}


def test_the_self_assessment_sheet_refuses_bad_or_unknown_flag_columns(criteria_set: Any, engine: Engine):
    wb = template_workbook(criteria_set, 2022, [dict(IA_TOI)], flags=engine.commune_flags)
    ws = wb[SHEET]
    keys = _ids(ws, ID_ROW)
    ws.cell(FIRST_ROW, keys.index(f"commune.{OLD}") + 1, "Có lẽ")
    ws.cell(ID_ROW, ws.max_column + 1, "commune.xa_ma")
    buf = io.BytesIO()
    wb.save(buf)
    rows, errors = read_workbook(buf.getvalue(), criteria_set, engine.validate, flags=engine.commune_flags)
    messages = [str(e) for e in errors]
    assert any("Cột «commune.xa_ma» không có trong bộ tiêu chí đang áp dụng" in m for m in messages)
    assert any("Xã ĐBKK áp dụng ngưỡng TDMNPB): phải là Có hoặc Không" in m for m in messages)
    assert all(row.bad for row in rows)


@pytest.mark.parametrize("value", ["true", 1, 0, None, [], {}, "Có"])
def test_the_file_refuses_a_flag_that_is_not_a_boolean(engine: Engine, ia_toi: dict, value: Any):
    ia_toi["commune"][OLD] = value
    assert [(e.field, e.message) for e in engine.validate(ia_toi)] == [
        (f"commune.{OLD}", "Phải là true hoặc false.")]


def test_the_file_format_is_unchanged(engine: Engine, ia_toi: dict):
    """`commune: {ntm_tdmnpb_override: true}` as in the README and the examples; a misspelt flag or a nested
    `flags:` mapping is refused as an unknown key, with the message it always had."""
    ia_toi["commune"][OLD] = True
    assert engine.validate(ia_toi) == []
    shipped = Catalog.load(ROOT / "criteria")
    linked = Engine(shipped.for_period(2022), shipped.ntm_tables)
    try:
        assert any("xã đặc biệt khó khăn" in s.explanation for s in linked.score(ia_toi).ntm)
    finally:
        linked.close()
    for key, value in (("ntm_tdmnpb_overide", True), ("flags", {OLD: True})):
        doc = {**ia_toi, "commune": {**ia_toi["commune"], key: value}}
        assert [(e.field, e.message) for e in engine.validate(doc)] == [
            (f"commune.{key}", f"Mục «{key}» không có trong thông tin xã.")]


def test_a_link_table_may_not_declare_a_fixed_field_or_a_flag_twice(tmp_path: Path):
    from engine.criteria import CriteriaError

    folder = flagged_folder(tmp_path / "criteria")
    link = folder / "ntm-2021-2025.yaml"
    source = link.read_text(encoding="utf-8").replace(f"  - id: {NEW}\n", "  - id: region\n", 1)
    source = source.replace(f"  flag: {NEW}\n", f"  flag: {OLD}\n")
    doc = yaml.safe_load(source)
    doc["commune_flags"].append(dict(doc["commune_flags"][0]))
    link.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(CriteriaError) as exc:
        Catalog.load(folder)
    text_ = str(exc.value)
    assert "«region» là một trường cố định của thông tin xã" in text_
    assert "commune_flags[2].id" in text_ and f"mã «{OLD}» bị trùng" in text_


# ---------------------------------------------------------------- migration 0008


@pytest.mark.skipif(bool(PG_URL), reason="runs on its own SQLite file")
def test_migration_0008_carries_the_flag_over_and_back(tmp_path: Path):
    from webform.migrate import downgrade, upgrade

    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    upgrade(url, "0007_criteria_versions")
    engine = create_engine(url)
    with engine.begin() as conn:
        for code, value in (("11111", 1), ("22222", 0), ("33333", 1)):
            conn.execute(text(f"INSERT INTO communes (code, name, level, kind, type, region, {OLD}) "
                              "VALUES (:c, 'Xã', 'xa', 'Xã', 'con_lai', 'dbsh', :v)"),
                         {"c": code, "v": value})
    upgrade(url, "0008_commune_flags")
    with engine.connect() as conn:
        assert OLD not in {c["name"] for c in inspect(conn).get_columns("communes")}
        rows = conn.execute(text("SELECT c.code, f.flag_id, f.value FROM commune_flags f "
                                 "JOIN communes c ON c.id = f.commune_id ORDER BY c.code")).all()
    assert [tuple(r) for r in rows] == [("11111", OLD, 1), ("33333", OLD, 1)]
    with engine.begin() as conn:  # a flag the old schema cannot hold, and 33333 set back to false
        conn.execute(text("INSERT INTO commune_flags (commune_id, flag_id, value) "
                          "SELECT id, 'xa_khac', 1 FROM communes WHERE code = '22222'"))
        conn.execute(text("UPDATE commune_flags SET value = 0 WHERE commune_id = "
                          "(SELECT id FROM communes WHERE code = '33333')"))
    engine.dispose()
    downgrade(url, "0007_criteria_versions")
    engine = create_engine(url)
    with engine.connect() as conn:
        assert "commune_flags" not in inspect(conn).get_table_names()
        back = conn.execute(text(f"SELECT code, {OLD} FROM communes ORDER BY code")).all()
    assert [tuple(r) for r in back] == [("11111", 1), ("22222", 0), ("33333", 0)]
    engine.dispose()


# ---------------------------------------------------------------- nothing in Python names the flag


def test_no_product_python_or_template_names_a_flag():
    """The rule of the house: a link-table flag lives in the criteria YAML only. Migrations are frozen
    records of past schemas and may name the column they drop."""
    pattern = re.compile(OLD)
    found = []
    for top in ("engine", "webform", "reports"):
        for path in (ROOT / top).rglob("*"):
            if path.suffix not in (".py", ".html", ".j2", ".txt") or "migrations" in path.parts:
                continue
            if pattern.search(path.read_text(encoding="utf-8")):
                found.append(str(path.relative_to(ROOT)))
    assert found == []


# ---------------------------------------------------------------- flag changes in the history

FLAG_LABEL = "Thông tin xã: Áp dụng ngưỡng vùng Trung du và miền núi phía Bắc"


def _record_ids(app: Flask, code: str) -> list[int]:
    from webform.db import get_session
    from webform.models import Assessment, Commune

    with app.app_context():
        return list(get_session().scalars(select(Assessment.id).join(Commune).where(Commune.code == code)
                                          .order_by(Assessment.id)))


def _flag_entries(app: Flask, aid: int) -> list[tuple[Any, ...]]:
    from .conftest import history_of

    return [(h.field, h.old_value, h.new_value, h.reason, h.user_id) for h in history_of(app, aid)
            if h.field.startswith("commune_flags.")]


def _user_id(app: Flask, username: str) -> int:
    from webform.db import get_session
    from webform.models import User

    with app.app_context():
        return get_session().scalar(select(User.id).where(User.username == username))


def _set_in_unit_sheet(admin: FlaskClient, wb: Any, code: str, cell: str) -> None:
    ws = wb["Đơn vị"]
    col = _ids(ws, 2).index(OLD) + 1
    row = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value == code)
    ws.cell(row, col, cell)


def test_a_flag_changed_by_the_unit_sheet_is_in_the_history_of_each_record(app: Flask, admin: FlaskClient,
                                                                          officer: FlaskClient):
    records, others = _record_ids(app, "23538"), _record_ids(app, "23535")
    assert len(records) >= 2 and others  # Ia Tơi's 2022 and 2026 records; Ia Đal's
    quantri = _user_id(app, "quantri")
    wb = _unit_sheet(admin)
    _set_in_unit_sheet(admin, wb, "23538", "Có")
    assert _post(admin, wb).status_code == 200
    assert flags_of(app, "23538") == {OLD: True}
    reason = "Nhập từ bảng đơn vị «don-vi.xlsx»"
    for aid in records:  # who, when (the entry's time), old → new, why: on every record of the commune
        assert _flag_entries(app, aid) == [(f"commune_flags.{OLD}", "Không", "Có", reason, quantri)]
    assert all(_flag_entries(app, aid) == [] for aid in others)  # a commune left as it was: nothing

    # The same file again changes nothing, so records nothing; setting it back is a second entry.
    assert _post(admin, wb).status_code == 200
    assert len(_flag_entries(app, records[0])) == 1
    _set_in_unit_sheet(admin, wb, "23538", "Không")
    assert _post(admin, wb).status_code == 200
    assert [e[1:3] for e in _flag_entries(app, records[0])] == [("Không", "Có"), ("Có", "Không")]

    # Where the history is shown, in Vietnamese: the flag's label, Không → Có, who, why.
    page = officer.get(f"/assessment/{records[0]}/history")
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.get_data(as_text=True)))
    assert f"Quản trị hệ thống {FLAG_LABEL} Không Có {reason}" in text
    assert f"Quản trị hệ thống {FLAG_LABEL} Có Không {reason}" in text


def test_a_commune_created_with_a_flag_has_it_and_no_record_to_note_it_on(app: Flask, admin: FlaskClient):
    r = admin.post("/admin/communes", data={**NEW_COMMUNE, f"flag_{OLD}": "1"})
    assert r.status_code == 302, r.get_data(as_text=True)
    assert flags_of(app, "51999") == {OLD: True} and _record_ids(app, "51999") == []


def test_the_self_assessment_sheet_cannot_change_a_flag(app: Flask, reviewer: FlaskClient):
    """The flag is the administrator's: a sheet saying otherwise is refused beside its cell (not silently
    ignored), nothing of the file is stored and the history is unchanged; the stored value passes."""
    from .conftest import assessment_of, history_of
    from .district_util import download_template, fill, row_of, upload

    before = assessment_of(app, "23535")
    history_before = len(history_of(app, before.id))
    wb = download_template(reviewer)
    fill(wb, row_of(wb, "23535"), {"c2_births": 120, f"commune.{OLD}": True})
    r = upload(reviewer, wb)
    page = re.sub(r"\s+", " ", r.get_data(as_text=True))
    assert r.status_code == 400
    assert ("«Xã ĐBKK áp dụng ngưỡng TDMNPB» của Xã Ia Đal đang là «Không»; thông tin này do quản trị hệ "
            "thống đặt, không sửa qua bảng tự đánh giá.") in page
    after = assessment_of(app, "23535")
    assert (after.version, after.values) == (before.version, before.values)
    assert flags_of(app, "23535") == {} and len(history_of(app, before.id)) == history_before

    fill(wb, row_of(wb, "23535"), {f"commune.{OLD}": False})
    r = upload(reviewer, wb)
    assert r.status_code == 200, re.sub(r"\s+", " ", r.get_data(as_text=True))[-1500:]
    assert assessment_of(app, "23535").values["c2_births"] == 120
