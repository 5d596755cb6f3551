"""Signature blocks read right and never stand alone on a page (biên bản and self-assessment report)."""

from __future__ import annotations

import io
import subprocess

from pypdf import PdfReader

from reports import render_self_assessment

from .conftest import OUT, norm, require_tool

CHAIRMAN, LEADER, MEMBERS = "Rơ Mah Thuận", "Trần Thị Lan", ["Lê Văn Bình", "Phạm Thị Hoa"]


def _positions(page) -> list[tuple[str, float, float]]:
    """(text, x, y) of every text run of the page (y grows upwards, as in PDF)."""
    out: list[tuple[str, float, float]] = []

    def visit(text, cm, tm, _font, _size):
        if text.strip():
            out.append((norm(text), cm[4] + tm[4] * cm[0], cm[5] + tm[5] * cm[3]))

    page.extract_text(visitor_text=visit)
    return out


def _where(runs: list[tuple[str, float, float]], text: str) -> tuple[float, float]:
    hits = [(x, y) for t, x, y in runs if text in t]
    assert hits, f"{text!r} not on the page: {[t for t, _, _ in runs][-30:]}"
    return hits[0]


def test_bien_ban_signatures_are_labelled_columns_kept_with_the_conclusion(proposal_pdf: bytes):
    reader = PdfReader(io.BytesIO(proposal_pdf))
    pages = [norm(p.extract_text() or "") for p in reader.pages]
    last = next(i for i, t in enumerate(pages) if "Biên bản được lập thành 03 bản" in t)
    text = pages[last]
    # The team's conclusion, the closing sentence and every signature are on one page.
    assert "kết luận: xã Ia Tơi ĐẠT" in text
    for name in [CHAIRMAN, LEADER, *MEMBERS]:
        assert name in text
    # Review finding: the closing no longer leaves the page before it a third empty. For this record the
    # whole of section III (totals, conclusion, closing, signatures) is on one page with the tables before.
    assert "III. KẾT LUẬN" in text and "4. Điều kiện công nhận" in text
    runs = _positions(reader.pages[last])
    commune_x, commune_y = _where(runs, "ĐẠI DIỆN UBND")
    team_x, team_y = _where(runs, "TỔ THẨM ĐỊNH CẤP HUYỆN")
    chair_x, chair_y = _where(runs, CHAIRMAN)
    leader_x, leader_y = _where(runs, LEADER)
    # The commune signs in its own (left) column under its label; the team's leader and members sign to
    # its right, under the team's label, side by side on one row.
    assert commune_x < team_x and chair_y < commune_y and leader_y < team_y
    xs = [chair_x, leader_x]
    for name in MEMBERS:
        x, y = _where(runs, name)
        assert abs(y - leader_y) < 1 and y < team_y
        xs.append(x)
    assert xs == sorted(xs)
    # Each role line is above its own name (same column), never straight under another name.
    for role, name in [("Chủ tịch", CHAIRMAN), ("Tổ trưởng", LEADER)]:
        role_x, role_y = _where(runs, role)
        name_x, name_y = _where(runs, name)
        assert role_y > name_y and abs((role_x + len(role) * 3) - (name_x + len(name) * 3)) < 40
    assert "THÀNH VIÊN" not in text.split(LEADER, 1)[1]


def test_self_assessment_signature_is_not_alone_on_its_page(cs, toi_results, toi_doc):
    result_self, _ = toi_results
    pdf = render_self_assessment(result_self, criteria_set=cs, assessment=toi_doc, document_date="2022-11-20")
    reader = PdfReader(io.BytesIO(pdf))
    pages = [norm(p.extract_text() or "") for p in reader.pages]
    sign = next(i for i, t in enumerate(pages) if CHAIRMAN in t and "Nơi nhận" in t)
    assert "Tự đánh giá: xã Ia Tơi ĐẠT" in pages[sign]
    assert "(Kèm theo Phụ lục bảng điểm chi tiết.)" in pages[sign]


def test_the_pages_render(proposal_pdf: bytes):
    """Every page renders to PNG (test-output/reports/pages/), to be looked at."""
    require_tool("pdftoppm")
    out = OUT / "pages"
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("proposal-*.png"):  # an earlier run's pages (the record may since have fewer)
        old.unlink()
    path = OUT / "signatures-proposal.pdf"
    path.write_bytes(proposal_pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(out / "proposal")], check=True)
    assert len(list(out.glob("proposal-*.png"))) == len(PdfReader(str(path)).pages)
