"""Child process of engine/io/sheetfile.py: parse one uploaded workbook with python-calamine, under limits.

Run by file path (`python -I engine/io/_sheet_reader.py SHEET MAX_ROWS MEMORY SECONDS`), the workbook's bytes
on stdin, one JSON object on stdout. It imports only the standard library and python-calamine, so it starts
quickly; it caps its own memory and time, because calamine holds a sheet as a dense grid and a tiny file
naming cell XFD1048576 would otherwise take the web worker down with it.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import resource
import sys


def _cell(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date | dt.time | dt.timedelta):
        return {"date": str(value)}  # tagged: a date in a figure's cell is an error, not a number
    if isinstance(value, float) and value != value:  # NaN is not JSON
        return {"date": "NaN"}
    if value == "":
        return None
    return value


def main() -> int:
    sheet_name, max_rows, memory, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    # Limits first, before a byte of the file is parsed.
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))
    data = sys.stdin.buffer.read()
    try:
        import python_calamine

        wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(wb.sheet_names)
        if sheet_name not in names:
            json.dump({"sheets": names, "rows": None}, sys.stdout)
            return 0
        sheet = wb.get_sheet_by_name(sheet_name)
    except Exception as exc:  # calamine raises its own kinds and ValueError/TypeError for broken files
        json.dump({"error": type(exc).__name__}, sys.stdout)
        return 0
    start = sheet.start or (0, 0)
    end = sheet.end or (0, 0)
    pad: list[object] = [None] * start[1]  # rows come without the empty columns left of the data
    kept: list[list[object]] = []
    late: list[int] = []  # indexes of non-empty rows that may lie past max_rows
    count = 0
    for index, row in enumerate(sheet.iter_rows()):
        count += 1
        if index < max_rows:
            kept.append(pad + [_cell(v) for v in row])
        elif row.count("") != len(row):  # C speed: 100,000 trailing empty rows take milliseconds
            late.append(index)
    # calamine yields rows from row 1 of the sheet (this version), or from the first row with data (older
    # ones): tell which by the count, so row numbers are the sheet's whatever the version.
    offset = 0 if count == end[0] + 1 else start[0]
    rows: list[list[object]] = [[] for _ in range(offset)] + kept
    beyond = sum(1 for i in late if i + offset >= max_rows)
    beyond += sum(1 for row in rows[max_rows:] if any(v is not None for v in row))
    rows = rows[:max_rows]
    # Trailing blank cells and rows carry nothing: not sent back, so 100,000 empty rows cost the web
    # process nothing.
    for cells in rows:
        while cells and cells[-1] is None:
            cells.pop()
    while rows and not rows[-1]:
        rows.pop()
    json.dump({"sheets": names, "rows": rows, "beyond": beyond}, sys.stdout, ensure_ascii=False)
    _report_peak()
    return 0


def _report_peak() -> None:
    # This process's own high-water mark (VmHWM is per address space, so it starts afresh at exec).
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    print(f"peak_kib={line.split()[1]}", file=sys.stderr)
    except OSError:
        pass


if __name__ == "__main__":
    sys.exit(main())
