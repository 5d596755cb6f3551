"""The score annex and the annexes after it laid out as two documents (Part.pieces, for the PDF pool): joined,
they are the whole annex, page by page (same text, same page images), numbered on from the first piece."""

from __future__ import annotations

import io
import subprocess
from dataclasses import replace
from pathlib import Path

from PIL import Image, ImageChops
from pypdf import PdfReader

import reports
from reports import pdfjoin, pool
from reports.render import Part, PdfFile, _write
from reports.views import AnnexSection

from .conftest import OUT, pdf_pages, require_tool

# Two annexes after the score annex (each begins on a page of its own): the second piece holds both.
EXTRA = [AnnexSection(title="LIÊN HỆ VỚI TIÊU CHÍ NÔNG THÔN MỚI", columns=["Chỉ tiêu", "Trạng thái"],
                      rows=[["15.3", "Đạt"], ["6.2", "Cần xem xét"]], note="Số liệu tham khảo."),
         AnnexSection(title="DANH MỤC TÀI LIỆU KÈM THEO", columns=["TT", "Tài liệu"],
                      rows=[[1, "Biên bản họp tổ thẩm định"], [2, "Báo cáo tự đánh giá của xã"]])]


def _file(cs, toi_doc, review, toi_results, annexes=EXTRA) -> PdfFile:
    rs, rv = toi_results
    corrections = [{"field": c["field"], "verified_value": c["value"], "reason": c["reason"],
                    "evidence": c["evidence"]} for c in review["corrections"]]
    box: dict[str, PdfFile] = {}

    def keep(f: PdfFile) -> bytes:
        box["f"] = f
        return b""

    reports.render_proposal(rs, rv, corrections, None, criteria_set=cs, assessment=toi_doc,
                            review_date=review["date"], document_date=review["document_date"],
                            annexes=annexes, renderer=keep)
    return box["f"]


def _pdf(part: Part) -> bytes:
    return _write([part.render()], part.title)


def _pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def _images(pdf: bytes, name: str) -> list[Image.Image]:
    require_tool("pdftoppm")
    out = OUT / "pieces"
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob(f"{name}-*.png"):
        old.unlink()
    path = out / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(out / name)], check=True)
    return [Image.open(p).convert("RGB") for p in sorted(out.glob(f"{name}-*.png"), key=_page_number)]


def _page_number(p: Path) -> int:
    return int(p.stem.rsplit("-", 1)[1])


def test_annex_pieces_joined_are_the_whole_annex(cs, toi_doc, review, toi_results):
    annex = _file(cs, toi_doc, review, toi_results).parts[-1]
    assert annex.template == "annex_scores.html" and annex.piece_key() is not None
    whole = _pdf(annex)
    scores, _ = annex.pieces(0)
    first = _pdf(scores)
    n = _pages(first)
    rest_part = annex.pieces(n)[1]
    assert rest_part.first_page == n + 1
    rest = _pdf(rest_part)
    joined = pdfjoin.join([first, rest])
    assert _pages(first) + _pages(rest) == _pages(whole) == _pages(joined) >= 3
    whole_text, joined_text = pdf_pages(whole, "annex-whole"), pdf_pages(joined, "annex-pieces")
    assert joined_text == whole_text
    assert "Phụ lục II " in joined_text[n] and "Phụ lục III " in joined_text[n + 1]
    # The second piece's first page carries its number, as that page does in the whole annex: unnumbered
    # (a document's first page), it would read otherwise.
    unnumbered = pdf_pages(_pdf(replace(rest_part, first_page=1)), "annex-rest-unnumbered")
    assert unnumbered[0] != joined_text[n] and sorted(unnumbered[0].split() + [str(n + 1)]) == sorted(
        joined_text[n].split())
    for a, b in zip(_images(whole, "whole"), _images(joined, "joined"), strict=True):
        assert a.size == b.size and ImageChops.difference(a, b).getbbox() is None


def test_only_a_whole_annex_with_annexes_after_it_has_pieces(cs, toi_doc, review, toi_results):
    assert _file(cs, toi_doc, review, toi_results, annexes=[]).parts[-1].piece_key() is None
    f = _file(cs, toi_doc, review, toi_results)
    to_trinh, bien_ban, annex = f.parts
    assert to_trinh.piece_key() is None and bien_ban.piece_key() is None
    assert to_trinh.pieces(3) == [to_trinh]
    no_extra = replace(annex, context={**annex.context, "extra_annexes": []})
    assert no_extra.piece_key() is None
    scores, _rest = annex.pieces(4)
    assert scores.piece_key() is None  # a piece is never cut again
    # The pool splits it from SPLIT_FROM processes on (with one, no share of the split file is shorter).
    assert [j.kind for j in pool._jobs(f)] == ["to_trinh.html", "bien_ban.html", "annex_scores.html/scores",
                                               "annex_scores.html/extra"]
    assert [j.kind for j in pool._jobs(f, split=False)] == ["to_trinh.html", "bien_ban.html",
                                                            "annex_scores.html"]
    assert pool.SPLIT_FROM == 2


def test_schedule_gives_the_pool_the_longest_and_the_request_process_the_rest(monkeypatch):
    monkeypatch.setattr(pool, "_COST", {"a": 0.6, "b": 0.5, "c": 0.15, "d": 0.1})
    part = Part("x.html", {}, "", False, "x")
    jobs = [pool._Job(part, ("", "", ""), kind) for kind in ("d", "b", "a", "c")]
    local, pooled = pool._schedule(jobs, 2)
    assert [jobs[i].kind for i in pooled] == ["a", "b"]  # longest first, one per process
    assert sorted(jobs[i].kind for i in local) == ["c", "d"] and local == sorted(local)
    local, pooled = pool._schedule(jobs, 1)
    assert sorted(local + pooled) == [0, 1, 2, 3]
    assert abs(sum(pool._COST[jobs[i].kind] for i in local) + pool._JOIN_COST
               - sum(pool._COST[jobs[i].kind] for i in pooled)) <= 0.2
