"""Criteria versions in the web app: the defaults of a fresh install, upload checked as `cfc criteria check`
(every problem listed, nothing stored), the impact preview on the demo, activation (drafts and returned
records move, with history; verified records keep their version), the band entry form, the source in the
PDF."""

from __future__ import annotations

import hashlib
import io
import re
from html import unescape
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import func, select, update

from engine import Engine
from engine.criteria import load_criteria_bytes
from engine.io.catalog import Catalog
from webform.db import get_session
from webform.models import Assessment, CriteriaVersion, User

from .conftest import IA_TOI, assessment_of, engine_total, example_values, form_data, history_of, logged_in
from .test_review import accept_rest, act, submit

ROOT = Path(__file__).resolve().parents[2]
SET_NAME = "Tiêu chuẩn xã, phường, thị trấn phù hợp với trẻ em"
VERSION_NOTE = ("Chấm theo bộ tiêu chí Tiêu chuẩn xã, phường, thị trấn phù hợp với trẻ em "
                "(Quyết định số 06/QĐ-TTg)")
DEFAULT = (ROOT / "criteria" / "qd06-2019.yaml").read_bytes()
DEFAULT_HASH = hashlib.sha256(DEFAULT).hexdigest()
# The reform of tests/test_criteria_diff.py: band edges moved, the mountain-commune threshold raised to 850.
REFORM = [
    (b"          - {at_least: 98, points: 40}\n          - {at_least: 95, points: 25}",
     b"          - {at_least: 99, points: 45}\n          - {at_least: 96.5, points: 25}"),
    (b"          - {at_least: 95, points: 30}\n          - {at_least: 90, points: 20}\n"
     b"          - {at_least: 85, points: 10}",
     b"          - {at_least: 97, points: 30}\n          - {at_least: 92, points: 25}\n"
     b"          - {at_least: 80, points: 10}"),
    (b"at_least: 95, points: 50, status: confirmed", b"at_least: 99, points: 50, status: confirmed"),
    (b"    threshold: 800", b"    threshold: 850"),
]


def reformed() -> bytes:
    raw = DEFAULT
    for old, new in REFORM:
        assert raw.count(old) == 1
        raw = raw.replace(old, new)
    return raw


def text_of(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))).strip()


def change_rows(html: str) -> list[list[str]]:
    """The side-by-side table of differences: [where, what, version in force, new version] per row."""
    table = re.search(r'<table class="list side-by-side" id="changes">(.*?)</table>', html, re.S).group(1)
    return [[text_of(td) for td in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
            for tr in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]]


def upload(admin: FlaskClient, raw: bytes, name: str = "bang-diem.yaml", note: str = "") -> object:
    return admin.post("/admin/criteria/upload", data={"file": (io.BytesIO(raw), name), "note": note},
                      content_type="multipart/form-data")


def version_count(app: Flask) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(CriteriaVersion))


def demo_figures(app: Flask, officer: FlaskClient) -> None:
    """Ia Tơi submitted with the example figures; Ia Đal and Ia Dom saved as drafts with theirs."""
    submit(app, officer)
    with app.app_context():  # Ia Dom's account is closed since its merge (01/07/2025); open it for 2022
        get_session().execute(update(User).where(User.username == "xa-iadom").values(active=True))
        get_session().commit()
    for code, user, name in (("23535", "xa-iadal", "ia-dal-2022.yaml"),
                             ("23537", "xa-iadom", "ia-dom-2022.yaml")):
        a = assessment_of(app, code)
        r = logged_in(app, user).post(f"/assessment/{a.id}", data=form_data(example_values(name), a.version))
        assert r.status_code == 302


def new_version(app: Flask, admin: FlaskClient, raw: bytes) -> int:
    r = upload(admin, raw)
    assert r.status_code == 302, text_of(r.text)[:600]
    return int(r.headers["Location"].rsplit("/", 1)[1])


def test_fresh_install_starts_from_the_files(app: Flask, admin: FlaskClient, officer: FlaskClient):
    page = text_of(admin.get("/admin/criteria/").text)
    # Named as officers know it; the code and hash stay beside it, in small print, for the administrator.
    assert f"{SET_NAME}, bản có hiệu lực từ 03/01/2019 qd06-2019 · {DEFAULT_HASH[:12]}" in page
    assert "Đang áp dụng" in page
    assert "Tệp mặc định (criteria/qd06-2019.yaml)" in page and "22/26" in page
    with app.app_context():
        v = get_session().scalar(select(CriteriaVersion))
        assert (v.content, v.content_hash) == (DEFAULT, DEFAULT_HASH)
        assert v.effective_from.isoformat() == "2019-01-03"
    assert assessment_of(app).criteria_hash == DEFAULT_HASH
    html = officer.get(f"/assessment/{assessment_of(app).id}").text
    note = text_of(html.split('id="version-note"', 1)[1].split("</p>", 1)[0])
    # The record names its version as an officer knows it, not by the internal code.
    assert f"{VERSION_NOTE}, phiên bản có hiệu lực từ 03/01/2019." in note and "qd06-2019" not in note
    # The legal table: every item with its bands, status and source.
    table = text_of(admin.get(f"/admin/criteria/{v.id}").text)
    assert "1.1 Có bố trí người làm công tác bảo vệ trẻ em cấp xã" in table
    assert "Nguồn: Quyết định số 06/QĐ-TTg ngày 03/01/2019, Tiêu chí 1" in table
    assert "≥ 100 % → 50 điểm ≥ 98 % → 40 điểm ≥ 95 % → 25 điểm ≥ 90 % → 10 điểm tạm tính" in table
    assert admin.get(f"/admin/criteria/{v.id}/yaml").data == DEFAULT


def test_only_the_administrator(app: Flask, officer: FlaskClient, reviewer: FlaskClient):
    assert officer.get("/admin/criteria/").status_code == 403
    assert reviewer.post("/admin/criteria/upload").status_code == 403


@pytest.mark.parametrize("raw, expected", [
    # Two problems the semantic check finds: each on its own line, with line number and path.
    (DEFAULT.replace(b"- {at_least: 100, points: 50}", b"- {at_least: 100, points: 55}", 1)
     .replace(b"effective_from: 2019-01-03", b"effective_from: 2019-01-03\neffective_to: 2018-01-01"),
     ["bang-diem.yaml:{l1}: criteria[1].max: tiêu chí 2 khai báo tối đa 50 điểm nhưng các mục cộng lại "
      "được 55 điểm", "bang-diem.yaml:{l2}: effective_to: ngày hết hiệu lực phải sau ngày có hiệu lực"]),
    (DEFAULT.replace(b"    threshold: 800", b"    threshold: -5")
     .replace(b"rule: yes_no", b"rule: yes_or_no", 1),
     ["bang-diem.yaml:{t}: tiers[2].threshold: phải lớn hơn hoặc bằng 0",
      "bang-diem.yaml:{r}: criteria[0].items[0].rule: giá trị không hợp lệ (cần một trong: 'yes_no', "
      "'rate_higher', 'rate_lower', 'count_higher' hoặc 'count_lower')"]),
    (b"kind: child_friendly_criteria\nid: [unclosed\n",
     ["bang-diem.yaml:3: YAML không hợp lệ: "]),
    (b"\xff\xfe not utf-8", ["bang-diem.yaml: Không đọc được tệp: không phải UTF-8 ("]),
    (b"", ["bang-diem.yaml: tệp trống"]),
])
def test_broken_upload_lists_every_problem_and_stores_nothing(app: Flask, admin: FlaskClient, raw, expected):
    before = version_count(app)
    r = upload(admin, raw, note="bảng điểm nhận ngày 01/12")
    assert r.status_code == 400
    lines = [text_of(li) for li in re.findall(r"<li class=\"problem\">(.*?)</li>", r.text, re.S)]
    text = raw.decode("utf-8", "replace")

    def line(needle: str, start: int = 0) -> int:
        return text[:text.index(needle, start)].count("\n") + 1

    subst = {}
    if "{l1}" in expected[0]:
        subst = {"l1": line("max: 50"), "l2": line("effective_to:")}
    if "{t}" in expected[0]:
        subst = {"t": line("threshold: -5"), "r": line("rule: yes_or_no")}
    want = [e.format(**subst) for e in expected]
    assert len(lines) == len(want)
    for got, exp in zip(lines, want, strict=True):
        assert got.startswith(exp), (got, exp)
    assert f"Chưa lưu: tệp có {len(want)} lỗi" in text_of(r.text)
    assert 'value="bảng điểm nhận ngày 01/12"' in r.text  # what was typed is still there
    assert version_count(app) == before


def test_the_same_checks_as_cfc_criteria_check(app: Flask, admin: FlaskClient, tmp_path):
    from click.testing import CliRunner

    from engine.cli.main import main

    raw = DEFAULT.replace(b"total: 1000", b"total: 990").replace(b"c1_officer\n", b"c1_offcer\n", 1)
    path = tmp_path / "bang-diem.yaml"
    path.write_bytes(raw)
    cli = CliRunner().invoke(main, ["criteria", "check", str(path)])
    assert cli.exit_code == 2
    r = upload(admin, raw)
    web = [text_of(li) for li in re.findall(r"<li class=\"problem\">(.*?)</li>", r.text, re.S)]
    # The same lines as the command prints (file name aside), the same count.
    assert [f"{tmp_path}/{w}" for w in web] == cli.stderr.splitlines()[:-1]
    assert cli.stderr.splitlines()[-1] == "3 lỗi." and "Chưa lưu: tệp có 3 lỗi" in text_of(r.text)


def test_impact_preview_on_the_demo(app: Flask, admin: FlaskClient, officer: FlaskClient):
    demo_figures(app, officer)
    vid = new_version(app, admin, reformed())
    page = admin.get(f"/admin/criteria/{vid}")
    text = text_of(page.text)
    assert "So sánh với phiên bản đang áp dụng, bản có hiệu lực từ 03/01/2019" in text
    new_hash = hashlib.sha256(reformed()).hexdigest()
    assert f"qd06-2019 · {DEFAULT_HASH[:12]} → qd06-2019 · {new_hash[:12]}" in text
    assert f"<title>{SET_NAME}, bản tải lên lúc " in page.text and ", chưa kích hoạt — " in page.text
    assert change_rows(page.text)[0] == [
        "Bộ tiêu chí", "điểm chuẩn «Xã, thị trấn thuộc miền núi, hải đảo; xã đặc biệt khó khăn»",
        "800", "850"]
    assert len(change_rows(page.text)) == 4 and "4 thay đổi." in text
    assert ("5 hồ sơ thuộc các năm phiên bản này sẽ áp dụng; 3 hồ sơ thay đổi điểm hoặc kết quả: 3 thay đổi "
            "tổng điểm, 0 thay đổi kết quả so với điểm chuẩn, 0 thay đổi kết luận.") in text
    rows = [text_of(tr) for tr in re.findall(r"<tr class=\"[a-z ]*\">(.*?)</tr>", page.text, re.S)]
    # What changes, never a figure: the administrator sees no score (README, "Who does what").
    assert rows == [
        # The 2026 demo drafts (empty: nothing to score) move, and nothing of theirs changes.
        "Xã Ia Tơi 2026 Nháp Không đổi Không đổi Không đổi — Chuyển sang phiên bản này",
        "Xã Ia Đal 2026 Nháp Không đổi Không đổi Không đổi — Chuyển sang phiên bản này",
        "Xã Ia Tơi 2022 Đã gửi Thay đổi Không đổi Không đổi 10.3 Giữ kết quả theo bản có hiệu lực từ "
        "03/01/2019",
        "Xã Ia Đal 2022 Nháp Thay đổi Không đổi Không đổi 10.3 Chuyển sang phiên bản này",
        "Xã Ia Dom 2022 Nháp Thay đổi Không đổi Không đổi 6.1, 10.3 Chuyển sang phiên bản này",
    ]
    impact = text_of(page.text[page.text.index('id="impact"'):page.text.index('id="activate"')])
    assert not re.search(r"\b(845|850|650|640|895|880|Đạt)\b", impact)
    # The changes the table reports are the engine's on the stored bytes (no web code): 845 → 850.
    cs = load_criteria_bytes(reformed(), "reform")
    eng = Engine(cs, flags=Catalog.load(ROOT / "criteria").commune_flags())
    assert eng.score({"commune": IA_TOI, "period": 2022, "values": example_values()}).total == 850
    assert engine_total(app, example_values()).total == 845
    # An effective date after the demo's years (2022 and 2026) covers no assessment of the demo.
    later = text_of(admin.get(f"/admin/criteria/{vid}?effective=01/01/2027").text)
    assert "Chưa có hồ sơ nào thuộc các năm phiên bản này sẽ áp dụng." in later


def test_activation_moves_drafts_with_history_and_keeps_the_verified(app: Flask, admin: FlaskClient,
                                                                      officer: FlaskClient, reviewer):
    demo_figures(app, officer)
    aid = assessment_of(app).id
    assert act(app, reviewer, aid, "start_review").status_code == 302
    assert accept_rest(app, reviewer, aid).status_code == 302
    assert act(app, reviewer, aid, "verify").status_code == 302
    verified = assessment_of(app)
    assert (verified.state, verified.verified_total, verified.verified_recognised) == ("verified", 845, True)
    dal_before = assessment_of(app, "23535")
    vid = new_version(app, admin, reformed())

    refused = admin.post(f"/admin/criteria/{vid}/activate", data={"effective_from": "2019-01-03"})
    assert refused.status_code == 400
    assert "Đánh dấu ô xác nhận đã xem các thay đổi" in refused.text
    # The date is typed dd/mm/yyyy, as everywhere in the app: a day that does not exist is refused beside
    # its field, with what was typed still there, and nothing is activated.
    bad = admin.post(f"/admin/criteria/{vid}/activate", data={"effective_from": "31/02/2022", "confirm": "1"})
    assert bad.status_code == 400
    assert "Ngày có hiệu lực không hợp lệ (ví dụ: 01/01/2026)." in bad.text
    assert re.search(r'name="effective_from"[^>]*value="31/02/2022"', bad.text)
    with app.app_context():
        assert get_session().get(CriteriaVersion, vid).activated_at is None

    r = admin.post(f"/admin/criteria/{vid}/activate", data={"effective_from": "01/01/2022", "confirm": "1"})
    assert r.status_code == 302
    done = text_of(admin.get(r.headers["Location"]).text)
    assert "Đã kích hoạt phiên bản" in done and "4 hồ sơ nháp hoặc bị trả lại đã chuyển" in done
    new_hash = hashlib.sha256(reformed()).hexdigest()
    with app.app_context():
        v = get_session().get(CriteriaVersion, vid)
        assert (v.effective_from.isoformat(), v.activated_by is not None, v.content) == (
            "2022-01-01", True, reformed())

    # The verified record keeps its version and its score, and says so; its page shows the newer result.
    kept = assessment_of(app)
    assert (kept.criteria_hash, kept.verified_total, kept.verified_recognised) == (DEFAULT_HASH, 845, True)
    page = text_of(reviewer.get(f"/review/{aid}").text)
    assert f"{VERSION_NOTE}, phiên bản có hiệu lực từ 03/01/2019." in page
    assert ("Hồ sơ giữ kết quả theo phiên bản có hiệu lực từ 03/01/2019. Phiên bản đang có hiệu lực "
            "cho năm 2022 là phiên bản có hiệu lực từ 01/01/2022: theo phiên bản đó, tổng điểm 850, "
            "kết luận Đạt.") in page
    assert "Kết quả tạm tính: 22 mục" in page
    assert 'id="verified-total">845<' in reviewer.get(f"/review/{aid}").text

    # The drafts moved, with a history entry each; their totals are the new version's.
    dal = assessment_of(app, "23535")
    assert (dal.criteria_hash, dal.self_total, dal.version) == (new_hash, 640, dal_before.version + 1)
    entry = history_of(app, dal.id)[-1]
    assert (entry.field, entry.old_value, entry.new_value) == (
        "criteria_version", f"qd06-2019 · {DEFAULT_HASH[:12]}", f"qd06-2019 · {new_hash[:12]}")
    assert entry.reason == (f"Áp dụng bộ tiêu chí «{SET_NAME}», phiên bản có hiệu lực từ 01/01/2022; "
                            "tổng điểm tự đánh giá: 650 → 640")
    assert assessment_of(app, "23537").criteria_hash == new_hash
    history = text_of(logged_in(app, "xa-iadal").get(f"/assessment/{dal.id}/history").text)
    # The history names both versions by the day they took effect, never by their code.
    assert re.search(r"Phiên bản bộ tiêu chí Bản có hiệu lực từ 03/01/2019, kích hoạt ngày \d\d/\d\d/\d{4} "
                     r"Bản có hiệu lực từ 01/01/2022, kích hoạt ngày \d\d/\d\d/\d{4} "
                     f"Áp dụng bộ tiêu chí «{SET_NAME}»", history), history
    assert "qd06-2019" not in history
    # The moved draft's form names its new version.
    form = logged_in(app, "xa-iadal").get(f"/assessment/{dal.id}")
    assert f"{VERSION_NOTE}, phiên bản có hiệu lực từ 01/01/2022." in text_of(form.text)
    again = admin.post(f"/admin/criteria/{vid}/activate",
                       data={"effective_from": "2020-01-01", "confirm": "1"})
    assert again.status_code == 409 and "đã được kích hoạt" in again.text
    assert "Phiên bản bộ tiêu chí" in history  # the history page names the field
    listing = text_of(admin.get("/admin/criteria/").text)
    assert listing.count("Đang áp dụng") == 2  # the old one still governs 2019–2021


def test_a_returned_record_moves_too(app: Flask, admin: FlaskClient, officer: FlaskClient, reviewer):
    aid = submit(app, officer)
    assert act(app, reviewer, aid, "start_review").status_code == 302
    assert act(app, reviewer, aid, "return", comment="Bổ sung minh chứng").status_code == 302
    vid = new_version(app, admin, reformed())
    assert admin.post(f"/admin/criteria/{vid}/activate",
                      data={"effective_from": "2019-01-03", "confirm": "1"}).status_code == 302
    a = assessment_of(app)
    new_hash = hashlib.sha256(reformed()).hexdigest()
    assert (a.state, a.criteria_hash, a.self_total) == ("returned", new_hash, 850)
    assert history_of(app, aid)[-1].field == "criteria_version"


def test_band_entry_form_yields_a_checked_version(app: Flask, admin: FlaskClient, officer: FlaskClient):
    demo_figures(app, officer)
    with app.app_context():
        base = get_session().scalar(select(CriteriaVersion)).id
    form = admin.get(f"/admin/criteria/{base}/items/2.1")
    assert form.status_code == 200
    assert 'name="t1" value="98"' in form.text and 'name="p1" value="40"' in form.text
    assert "Ngưỡng: tỷ lệ (%) tối thiểu (≥)" in text_of(form.text)
    rows = {"rows": "6", "if_none": "full", "status": "confirmed", "document": "Quyết định số 06/QĐ-TTg",
            "article": "Phụ lục, bảng điểm tiêu chí 2", "page": "12",
            "t0": "100", "p0": "50", "t1": "97,5", "p1": "40", "t2": "95", "p2": "25", "t3": "", "p3": "",
            "t4": "", "p4": "", "t5": "", "p5": ""}
    before = version_count(app)

    # Errors beside the fields, what was typed kept, nothing stored.
    bad = admin.post(f"/admin/criteria/{base}/items/2.1", data={**rows, "t1": "chín mươi", "document": ""})
    assert bad.status_code == 400
    assert "Phải là một số (ví dụ: 95 hoặc 96,5)." in bad.text and 'value="chín mươi"' in bad.text
    assert "Mục đã xác nhận phải ghi nguồn" in bad.text
    # A band that breaks the criterion's sum: the same check as an upload, every problem listed.
    over = admin.post(f"/admin/criteria/{base}/items/2.1", data={**rows, "p0": "60"})
    assert over.status_code == 400
    problems = [text_of(li) for li in re.findall(r"<li class=\"problem\">(.*?)</li>", over.text, re.S)]
    assert any("criteria[1].max: tiêu chí 2 khai báo tối đa 50 điểm nhưng các mục cộng lại được 60" in p
               for p in problems)
    assert version_count(app) == before

    ok = admin.post(f"/admin/criteria/{base}/items/2.1", data=rows)
    assert ok.status_code == 302
    vid = int(ok.headers["Location"].rsplit("/", 1)[1])
    page = text_of(admin.get(f"/admin/criteria/{vid}").text)
    assert change_rows(admin.get(f"/admin/criteria/{vid}").text) == [
        ["Mục 2.1", "trạng thái", "tạm tính", "đã xác nhận"],
        ["Mục 2.1", "nguồn", "—", "Quyết định số 06/QĐ-TTg, Phụ lục, bảng điểm tiêu chí 2, trang 12"],
        ["Mục 2.1", "mức điểm", "≥ 100 % → 50 điểm; ≥ 98 % → 40 điểm; ≥ 95 % → 25 điểm; ≥ 90 % → 10 điểm",
         "≥ 100 % → 50 điểm; ≥ 97,5 % → 40 điểm; ≥ 95 % → 25 điểm"],
    ]
    assert "Kết quả tạm tính: 21 mục" in page
    with app.app_context():
        v = get_session().get(CriteriaVersion, vid)
        raw, origin = v.content, v.origin
    # Only the item's block changed; the rest of the document is byte for byte the base.
    assert origin == "form" and raw.startswith(DEFAULT[:DEFAULT.index(b'      - id: "2.1"')])
    assert raw.endswith(DEFAULT[DEFAULT.index(b'  - id: "3"'):])
    cs = load_criteria_bytes(raw, "form")
    assert [b.points for b in cs.item("2.1").bands] == [50, 40, 25] and cs.item("2.1").source.page == "12"

    # Activated, a draft moves and counts 21 provisional items; the submitted Ia Tơi keeps 22.
    assert admin.post(f"/admin/criteria/{vid}/activate",
                      data={"effective_from": "2019-01-03", "confirm": "1"}).status_code == 302
    dal = logged_in(app, "xa-iadal").get(f"/assessment/{assessment_of(app, '23535').id}")
    assert "Kết quả tạm tính: 21 mục" in text_of(dal.text)
    assert "Kết quả tạm tính: 22 mục" in text_of(officer.get(f"/assessment/{assessment_of(app).id}").text)


def test_the_score_annex_prints_the_source(app: Flask, officer: FlaskClient):
    aid = submit(app, officer)
    pdf = officer.get(f"/assessment/{aid}/self-assessment.pdf")
    assert pdf.status_code == 200
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    text = re.sub(r"\s+", " ", text)
    assert "Nguồn: Quyết định số 06/QĐ-TTg ngày 03/01/2019, Tiêu chí 1" in text


def test_impact_names_a_verdict_that_changes(app: Flask, admin: FlaskClient, officer: FlaskClient):
    demo_figures(app, officer)
    head, _, tail = reformed().rpartition(b"    threshold: 850\n")  # the mountain communes' (last) tier
    assert b"mien_nui_dbkk" in head[-200:]
    vid = new_version(app, admin, head + b"    threshold: 900\n" + tail)
    page = admin.get(f"/admin/criteria/{vid}")
    text = text_of(page.text)
    # Ia Tơi (850) and Ia Dom (880) fall below 900; only Ia Tơi's verdict changes (Ia Dom misses a figure).
    assert "3 thay đổi tổng điểm, 2 thay đổi kết quả so với điểm chuẩn, 1 thay đổi kết luận." in text
    rows = [text_of(tr) for tr in re.findall(r"<tr class=\"[a-z ]*\">(.*?)</tr>", page.text, re.S)]
    rows = [r for r in rows if " 2022 " in r]  # the 2026 demo drafts are empty: nothing of theirs changes
    assert rows[0].startswith("Xã Ia Tơi 2022 Đã gửi Thay đổi Thay đổi Thay đổi 10.3")
    assert rows[2].startswith("Xã Ia Dom 2022 Nháp Thay đổi Thay đổi Không đổi 6.1, 10.3")


def test_entry_form_keeps_the_rest_of_a_crlf_file_byte_for_byte():
    from webform.criteria_form import form_of, parse, replace_item

    raw = DEFAULT.replace(b"\n", b"\r\n")
    cs = load_criteria_bytes(raw, "crlf")
    item = cs.item("13.2")
    form = form_of(item)
    data = {"rows": str(len(form.rows)), "status": "provisional", "if_none": "zero"}
    for n, row in enumerate(form.rows):
        data.update({f"t{n}": row.threshold, f"p{n}": row.points, f"s{n}": row.status})
    data["t1"] = "72,25"
    typed, item_doc = parse(item, data)
    assert typed.errors == {} and item_doc["bands"][1] == {"at_least": 72.25, "points": 15}
    new = replace_item(raw, cs, "13.2", item_doc)
    start = raw.index(b'      - id: "13.2"')
    assert new[:start] == raw[:start] and b"\n" not in new.replace(b"\r\n", b"")
    bands = load_criteria_bytes(new, "new").item("13.2").bands
    assert [str(b.threshold) for b in bands] == ["80", "72.25", "60"]


def test_a_record_returned_after_activation_moves_then(app: Flask, admin: FlaskClient, officer: FlaskClient,
                                                       reviewer):
    aid = submit(app, officer)
    assert act(app, reviewer, aid, "start_review").status_code == 302
    vid = new_version(app, admin, reformed())
    assert admin.post(f"/admin/criteria/{vid}/activate",
                      data={"effective_from": "2019-01-03", "confirm": "1"}).status_code == 302
    assert assessment_of(app).criteria_hash == DEFAULT_HASH  # under review: it keeps its version
    assert act(app, reviewer, aid, "return", comment="Bổ sung minh chứng").status_code == 302
    a = assessment_of(app)
    new_hash = hashlib.sha256(reformed()).hexdigest()
    assert (a.state, a.criteria_hash, a.self_total) == ("returned", new_hash, 850)
    fields = [(h.field, h.new_value) for h in history_of(app, aid)[-2:]]
    assert fields[0] == ("state", "returned") and fields[1][0] == "criteria_version"


def test_activation_on_a_worker_that_has_not_yet_registered_the_defaults(app: Flask, admin: FlaskClient):
    # Each worker process registers criteria/ once (ensure_defaults, in a session of its own that takes the
    # write lock). An activation that was a worker's first use of the versions waited for its own request's
    # lock and answered 500 ("database is locked") after the busy timeout.
    vid = new_version(app, admin, reformed())
    app.extensions.pop("cfc_versions_ready", None)
    r = admin.post(f"/admin/criteria/{vid}/activate", data={"effective_from": "01/01/2022", "confirm": "1"})
    assert r.status_code == 302
    with app.app_context():
        assert get_session().get(CriteriaVersion, vid).activated_at is not None


def test_activation_scores_the_moving_drafts_in_one_batch_as_one_by_one(app: Flask, admin: FlaskClient,
                                                                          officer: FlaskClient):
    # activate() scores every moving record of a version together (Engine.score_many); each total must be
    # the one the new version gives that record alone, and a record whose stored figures the new version
    # cannot score keeps no total, says so in its history, and does not stop the others from moving.
    demo_figures(app, officer)
    dom = assessment_of(app, "23537")
    with app.app_context():
        session = get_session()
        session.execute(update(Assessment).where(Assessment.id == dom.id)
                        .values(values={**dom.values, "children_under16": -5}))
        session.commit()
    vid = new_version(app, admin, reformed())
    r = admin.post(f"/admin/criteria/{vid}/activate", data={"effective_from": "01/01/2022", "confirm": "1"})
    assert r.status_code == 302
    flags = Catalog.load(ROOT / "criteria").commune_flags()
    eng = Engine(load_criteria_bytes(reformed(), "reform"), flags=flags)
    new_hash = hashlib.sha256(reformed()).hexdigest()
    with app.app_context():
        moved = get_session().scalars(select(Assessment).where(Assessment.criteria_hash == new_hash)).all()
        assert len(moved) == 4
        for a in moved:
            if a.id == dom.id:
                assert a.self_total is None
                continue
            alone = eng.score({"commune": a.commune.profile(a.period), "period": a.period,
                               "values": dict(a.values)}).total
            assert a.self_total == alone, a.commune.code
    entry = history_of(app, dom.id)[-1]
    assert entry.field == "criteria_version" and entry.reason.endswith("→ chưa tính được")


def test_the_first_request_of_a_worker_registers_the_default_files(app: Flask, admin: FlaskClient):
    # Whatever a worker's first request is, the default criteria files are registered before its session
    # can write (webform/__init__.py), so no later call of ensure_defaults() waits behind that session.
    app.extensions.pop("cfc_versions_ready", None)
    assert admin.get("/auth/login").status_code in (200, 302)
    assert app.extensions["cfc_versions_ready"] is True
