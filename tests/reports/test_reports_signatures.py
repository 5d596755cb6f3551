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
    runs = _positions(reader.pages[last])
    width = float(reader.pages[last].mediabox.width)
    commune_x, commune_y = _where(runs, "ĐẠI DIỆN UBND XÃ IA TƠI")
    team_x, team_y = _where(runs, "TỔ THẨM ĐỊNH CẤP HUYỆN")
    members_x, members_y = _where(runs, "CÁC THÀNH VIÊN TỔ THẨM ĐỊNH CẤP HUYỆN")
    # The commune signs in its own (left) column, the team's leader in the right one, under their labels.
    chair_x, chair_y = _where(runs, CHAIRMAN)
    leader_x, leader_y = _where(runs, LEADER)
    assert chair_x < width / 2 < leader_x and commune_x < width / 2 < team_x
    assert chair_y < commune_y and leader_y < team_y
    # The other members sign under a heading of their own, below the first row: no member in the
    # chairman's column without that heading between them, no role line straight under a name.
    for name in MEMBERS:
        _x, y = _where(runs, name)
        assert y < members_y < min(chair_y, leader_y)
    assert "THÀNH VIÊN" not in text.split(LEADER, 1)[1].split("CÁC THÀNH VIÊN", 1)[0]


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
    path = OUT / "signatures-proposal.pdf"
    path.write_bytes(proposal_pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(out / "proposal")], check=True)
    assert len(list(out.glob("proposal-*.png"))) == len(PdfReader(str(path)).pages)
