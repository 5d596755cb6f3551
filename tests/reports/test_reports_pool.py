"""The warm process pool (reports/pool.py): the proposal file it renders reads exactly as the one rendered
in-process, page by page, and is still a tagged PDF/A with the file's metadata and bookmarks; a broken
pool falls back to rendering here; no pool process outlives the app process that started it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

import reports
from reports import pool

from .conftest import OUT, ROOT, pdf_pages, require_tool
from .test_reports_archive import _check_archive_pdf


def _render(cs, toi_doc, review, toi_results, renderer=None) -> bytes:
    rs, rv = toi_results
    corrections = [{"field": c["field"], "verified_value": c["value"], "reason": c["reason"],
                    "evidence": c["evidence"]} for c in review["corrections"]]
    return reports.render_proposal(rs, rv, corrections, None, criteria_set=cs, assessment=toi_doc,
                                   review_date=review["date"], document_date=review["document_date"],
                                   renderer=renderer)


@pytest.fixture(scope="module")
def warm_pool():
    p = pool.start(2)
    assert p is not None
    p.wait_ready()
    yield p
    pool.shutdown()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for every purpose but its exit status.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def _wait_gone(pids: list[int], seconds: float = 15.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        left = [p for p in pids if _alive(p)]
        if not left:
            return []
        time.sleep(0.1)
    return [p for p in pids if _alive(p)]


def test_pooled_proposal_reads_as_the_serial_one(warm_pool, cs, toi_doc, review, toi_results,
                                                 proposal_pdf):
    pooled = _render(cs, toi_doc, review, toi_results, renderer=warm_pool.render)
    serial_pages = pdf_pages(proposal_pdf, "proposal-serial")
    pooled_pages = pdf_pages(pooled, "proposal-pooled")
    assert len(pooled_pages) == len(serial_pages) >= 5
    assert pooled_pages == serial_pages
    # The bookmarks of the biên bản (its headings) are there, on the same pages.
    a, b = PdfReader(OUT / "proposal-serial.pdf"), PdfReader(OUT / "proposal-pooled.pdf")

    def marks(reader):
        out = []

        def walk(items):
            for item in items:
                if isinstance(item, list):
                    walk(item)
                else:
                    out.append((item.title, reader.get_destination_page_number(item)))
        walk(reader.outline)
        return out
    assert marks(b) == marks(a) and len(marks(a)) >= 5


def test_pooled_proposal_is_tagged_pdfa_with_the_file_metadata(warm_pool, cs, toi_doc, review,
                                                              toi_results):
    require_tool("pdfinfo")
    path = OUT / "archive-proposal-pooled.pdf"
    path.write_bytes(_render(cs, toi_doc, review, toi_results, renderer=warm_pool.render))
    _check_archive_pdf(path, "Phòng Lao động - Thương binh và Xã hội huyện Ia H'Drai",
                       "Hồ sơ đề nghị công nhận")
    reader = PdfReader(str(path))
    tree = reader.trailer["/Root"]["/StructTreeRoot"]
    # Every page finds its own structure: one ParentTree key per page, none used twice.
    keys = [int(p["/StructParents"]) for p in reader.pages]
    assert len(set(keys)) == len(keys)
    nums = tree["/ParentTree"]["/Nums"]
    assert set(keys) <= {int(k) for k in nums[::2]}
    assert int(tree["/ParentTreeNextKey"]) > max(keys)
    # One Document element holds the three documents' elements.
    top = tree["/K"]
    top = top[0] if isinstance(top, list) else top
    assert top.get_object()["/S"] == "/Document"


def test_a_killed_pool_process_falls_back_and_the_next_file_gets_a_new_pool(cs, toi_doc, review,
                                                                            toi_results, proposal_pdf):
    broken = pool.start(2)
    broken.wait_ready()
    victims = broken.pids()
    os.kill(victims[0], signal.SIGKILL)
    assert not _wait_gone(victims[:1])
    pdf = _render(cs, toi_doc, review, toi_results, renderer=pool.render_file)
    assert pdf_pages(pdf, "proposal-after-kill") == pdf_pages(proposal_pdf, "proposal-serial")
    assert pool.current() is not broken  # the broken pool was let go ...
    assert not _wait_gone(victims)  # ... with all its processes
    fresh = pool.start(2)
    fresh.wait_ready()
    assert fresh is not broken and not set(fresh.pids()) & set(victims)
    assert pdf_pages(fresh.render(pool.render_parts.__globals__["PdfFile"](
        *_parts(cs, toi_doc, review, toi_results))), "proposal-fresh-pool") == \
        pdf_pages(proposal_pdf, "proposal-serial")
    pool.shutdown()


def _parts(cs, toi_doc, review, toi_results):
    got = []
    _render(cs, toi_doc, review, toi_results,
            renderer=lambda f: got.append((f.parts, f.title, f.author, f.subject)) or b"")
    return got[0]


SCRIPT = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    from reports import pool

    if __name__ == "__main__":
        p = pool.start(2)
        p.wait_ready()
        import multiprocessing.forkserver as fs
        import multiprocessing.resource_tracker as rt
        others = [fs._forkserver._forkserver_pid, rt._resource_tracker._pid]
        print(" ".join(str(x) for x in p.pids() + others), flush=True)
        # Both wait for the test to have seen the processes alive: "exit" then returns (atexit runs),
        # "wait" is killed while it waits.
        sys.stdin.readline()
""")


@pytest.mark.parametrize("how", ["exit", "killed"])
def test_no_pool_process_outlives_the_app_process(tmp_path, how):
    script = tmp_path / "app.py"
    script.write_text(SCRIPT.format(root=str(ROOT)), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script), "wait" if how == "killed" else "exit"],
                            stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True)
    pids = [int(x) for x in proc.stdout.readline().split()]
    assert len(pids) == 4 and all(_alive(p) for p in pids)
    if how == "killed":
        proc.kill()  # no atexit, no shutdown: the processes notice their parent has gone
    else:
        proc.stdin.write("\n")  # a normal exit
        proc.stdin.flush()
    proc.wait(timeout=60)
    assert _wait_gone(pids) == []


def test_a_pool_of_one_renders_the_annex_while_the_request_renders_the_rest(cs, toi_doc, review, toi_results,
                                                                             proposal_pdf):
    one = pool.RenderPool(1)
    try:
        one.wait_ready()
        pdf = _render(cs, toi_doc, review, toi_results, renderer=one.render)
        # The request process rendered two documents, the pool process one.
        assert len(one.last_cpu) == 1 and one.last_local_cpu > 0
    finally:
        one.shutdown()
    assert pdf_pages(pdf, "proposal-pool-of-one") == pdf_pages(proposal_pdf, "proposal-serial")


def test_a_wrong_guess_of_the_annex_pages_is_laid_out_again(monkeypatch, cs, toi_doc, review, toi_results):
    # The annexes after the score annex are laid out apart, numbered on from the score annex's page count
    # as guessed from the last file: a wrong guess (here 1 page) must never show as a wrong page number.
    from .test_reports_pieces import EXTRA

    rs, rv = toi_results
    corrections = [{"field": c["field"], "verified_value": c["value"], "reason": c["reason"],
                    "evidence": c["evidence"]} for c in review["corrections"]]
    captured: dict = {}

    def render(renderer):
        return reports.render_proposal(rs, rv, corrections, None, criteria_set=cs, assessment=toi_doc,
                                       review_date=review["date"], document_date=review["document_date"],
                                       annexes=EXTRA, renderer=renderer)

    monkeypatch.setattr(pool, "SPLIT_FROM", 1)  # a pool of one process, made to split (cheaper than two)
    one = pool.RenderPool(1)

    def keep(f):
        captured["f"] = f
        return one.render(f)

    try:
        one.wait_ready()
        serial = pdf_pages(render(None), "proposal-extra-serial")
        monkeypatch.setattr(pool, "_PAGE_GUESS", {})
        assert pdf_pages(render(keep), "proposal-extra-pooled") == serial  # no guess yet
        key = captured["f"].parts[-1].piece_key()
        learned = pool._PAGE_GUESS[key]
        assert learned > 1
        pool._PAGE_GUESS[key] = 1
        assert pdf_pages(render(keep), "proposal-extra-pooled-wrong-guess") == serial
        assert pool._PAGE_GUESS[key] == learned
        assert pdf_pages(render(keep), "proposal-extra-pooled-right-guess") == serial
    finally:
        one.shutdown()
