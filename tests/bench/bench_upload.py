"""Benchmark of spreadsheet uploads (issue 9.2): an ordinary filled template against hostile files, side by
side, each through the web app (Flask test client: the real route, parse, checks and transaction) in a fresh
process, so each line's peak RSS is its own.

Cases:
- template: the downloaded 2022 template with the reviewer's three communes filled in (the ordinary upload);
- 100k empty rows: the same file with 100,000 rows of empty cells and no <dimension> (the file of the issue,
  38 KiB zipped; it took 15–50 s and a 100 MB page before);
- 3 × 100k empty rows at once: three of those in three threads;
- far cell: a 1.4 KB file naming cell XFD1048576 (calamine would allocate 17 billion cells);
- 4,000 bad rows: every row with a decimal and a negative figure (the error list is capped).

Columns: wall time, the web process's peak RSS (after start-up, and the growth during the upload), the
reader child's peak RSS, the HTTP status and the size of the page. Run: `make bench` or
`python tests/bench/bench_upload.py`.
"""

from __future__ import annotations

import io
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

CASES = ["template", "100k empty rows", "3 × 100k empty rows", "far cell", "4,000 bad rows"]


def _rss_kib(field: str = "VmRSS") -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class _Sampler:
    """The web process's resident memory, sampled every 5 ms while the upload runs (its peak, not the
    high-water mark of start-up)."""

    def __init__(self) -> None:
        import threading

        self.peak = _rss_kib()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, _rss_kib())

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return max(self.peak, _rss_kib())


def _files(client) -> dict[str, bytes]:
    from openpyxl import load_workbook

    from engine.io.sheets import FIRST_ROW, ID_ROW, SHEET
    from tests.sheet_files import inline_row, minimal_xlsx, replace_sheet_xml
    from tests.web.conftest import example_values
    from tests.web.district_util import fill, row_of

    wb = load_workbook(io.BytesIO(client.get("/district/template.xlsx?period=2022").data))
    for code, name in (("23538", "ia-toi"), ("23535", "ia-dal"), ("23537", "ia-dom")):
        fill(wb, row_of(wb, code), example_values(f"{name}-2022.yaml"))
    buffer = io.BytesIO()
    wb.save(buffer)
    template = buffer.getvalue()
    # Rows without numbers, as some generators write them: 100,000 of them zip to a few KiB.
    empty = '<row><c t="inlineStr"><is><t></t></is></c></row>' * 100_000
    hostile = replace_sheet_xml(template, "xl/worksheets/sheet1.xml",
                                lambda xml: xml.replace("</sheetData>", empty + "</sheetData>")
                                .replace("<dimension ", "<dimensionx "))
    far = minimal_xlsx(SHEET, inline_row(1, ["x"]) + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    keys = ["commune.code", "period", "values.c2_births", "values.c3_abused"]
    bad = minimal_xlsx(SHEET, inline_row(ID_ROW, keys) + "".join(
        inline_row(n, ["23538", 2022, "14.2", -1]) for n in range(FIRST_ROW, FIRST_ROW + 4000)))
    return {"template": template, "100k empty rows": hostile, "3 × 100k empty rows": hostile,
            "far cell": far, "4,000 bad rows": bad}


def run_case(case: str) -> dict:
    """In a fresh process: start the app on a fresh SQLite database, upload, measure."""
    import threading

    from tests.web.conftest import make_app
    from webform.migrate import upgrade
    from webform.seed import seed_demo

    tmp = Path(tempfile.mkdtemp(prefix="cfc-bench-upload-"))
    url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    upgrade(url)
    app = make_app(url, tmp, TESTING=False)
    with app.app_context():
        seed_demo(app)
    client = app.test_client()
    client.post("/auth/login", data={"username": "thamdinh", "password": "demo2022"})
    data = _files(client)[case]
    copies = 3 if case.startswith("3 ×") else 1
    import engine.io.sheetfile as sheetfile

    base = _rss_kib()
    results: list = [None] * copies

    def one(i: int) -> None:
        c = app.test_client()
        c.post("/auth/login", data={"username": "thamdinh", "password": "demo2022"})
        r = c.post("/district/upload", data={"period": "2022", "file": (io.BytesIO(data), "so-lieu.xlsx")},
                   content_type="multipart/form-data")
        results[i] = (r.status_code, len(r.data))

    sampler = _Sampler()
    start = time.perf_counter()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(copies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    peak = sampler.stop()
    return {"case": case, "bytes": len(data), "seconds": wall, "base_kib": base, "peak_kib": peak,
            "child_kib": sheetfile.last_child_peak_kib, "status": [s for s, _ in results],
            "page": max(n for _, n in results)}


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--case":
        print(json.dumps(run_case(sys.argv[2])))
        return
    print("Tải bảng tính lên (upload benchmark): mỗi dòng một tiến trình mới")
    print(f"{'case':<22}{'file':>10}{'time':>9}{'web RSS':>10}{'growth':>9}{'reader':>9}{'status':>13}"
          f"{'page':>9}")
    for case in CASES:
        out = subprocess.run([sys.executable, __file__, "--case", case], capture_output=True, text=True,
                             cwd=ROOT, check=False)
        if out.returncode != 0:
            print(f"{case:<22} FAILED\n{out.stderr[-2000:]}")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{r['case']:<22}{r['bytes'] / 1024:>8.0f}KB{r['seconds']:>8.2f}s{r['peak_kib'] / 1024:>8.0f}MB"
              f"{(r['peak_kib'] - r['base_kib']) / 1024:>+8.0f}M{r['child_kib'] / 1024:>7.0f}MB"
              f"{','.join(map(str, r['status'])):>13}{r['page'] / 1024:>7.0f}KB")


if __name__ == "__main__":
    main()
