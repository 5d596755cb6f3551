"""Reading an uploaded spreadsheet (.xlsx, .xls or .ods) with ONE reader, python-calamine, under limits.

calamine reads the three formats alike (numbers as numbers, text as text), so a template saved by Excel or by
LibreOffice gives the same rows. It holds a sheet as a dense grid, though: a tiny .xlsx naming cells A1 and
BZ100000 takes hundreds of MB, and one naming XFD1048576 aborts the process. So the parse runs in a
short-lived child process (engine/io/_sheet_reader.py) that caps its own address space and CPU time; a
hostile file costs that child, never the web worker. Only the first `max_rows` rows come back, with a count
of non-empty rows beyond them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import IO, Any

ACCEPTED = (".xlsx", ".xls", ".ods")
MSG_FORMATS = ("Chỉ nhận tệp bảng tính: Excel (.xlsx, .xls) hoặc LibreOffice/OpenOffice Calc (.ods). "
               "Hãy lưu tệp theo một trong các định dạng đó rồi tải lên lại.")
MSG_BROKEN = ("Không đọc được tệp: tệp không phải bảng tính .xlsx, .xls hoặc .ods hợp lệ (có thể tệp bị "
              "hỏng, tải về chưa hết hoặc có mật khẩu). Hãy mở tệp bằng Excel hoặc LibreOffice, lưu lại rồi "
              "tải lên.")
MSG_TOO_BIG = ("Tệp quá lớn để đọc (vùng dữ liệu quá rộng hoặc quá nhiều dòng, cột). Hãy dùng mẫu tải từ hệ "
               "thống, xóa các dòng, cột thừa ở cuối trang rồi tải lên lại.")
MSG_TOO_MANY_BYTES = "Tệp quá lớn (tối đa {mb} MB)."

MAX_FILE_BYTES = 16 * 1024 * 1024
# What the zip members of an .xlsx/.ods may expand to: several times the XML of a 5,000-row template.
MAX_UNZIPPED_BYTES = 64 * 1024 * 1024
# Several times what the child needs for a full 5,000-row template (`make bench`, bench_upload.py, prints it).
CHILD_MEMORY_BYTES = 192 * 1024 * 1024
CHILD_SECONDS = 20
_READER = Path(__file__).with_name("_sheet_reader.py")
# The reader child's peak resident memory (KiB) of the latest read, for the upload benchmark.
last_child_peak_kib = 0
_ZIP, _OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class SheetFileError(ValueError):
    """A file that cannot be read as a spreadsheet; `message` is the Vietnamese sentence for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Sheet:
    sheet_names: list[str]
    rows: list[list[Any]] | None  # None: the workbook has no sheet of that name
    beyond: int  # non-empty rows after the first max_rows


class DateCell(str):
    """A cell the office suite stored as a date or time (kept as its text, refused where a figure belongs)."""


def read_bytes(source: str | Path | IO[bytes] | bytes) -> tuple[bytes, str]:
    """The file's bytes and its name (for the extension check), refusing a file larger than MAX_FILE_BYTES."""
    if isinstance(source, bytes):
        return source, ""
    if isinstance(source, str | Path):
        path = Path(source)
        if path.stat().st_size > MAX_FILE_BYTES:
            raise SheetFileError(MSG_TOO_MANY_BYTES.format(mb=MAX_FILE_BYTES // 2**20))
        return path.read_bytes(), path.name
    data = source.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise SheetFileError(MSG_TOO_MANY_BYTES.format(mb=MAX_FILE_BYTES // 2**20))
    return data, str(getattr(source, "name", "") or "")


def check_name(filename: str) -> None:
    """Refuse a file whose name says it is not one of the accepted formats (a .csv, .docx, .pdf ...)."""
    suffix = Path(filename).suffix.lower()
    if filename and suffix not in ACCEPTED:
        raise SheetFileError(MSG_FORMATS)


def _check_content(data: bytes) -> None:
    if data.startswith(_OLE):
        return
    if not data.startswith(_ZIP):
        raise SheetFileError(MSG_BROKEN)
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:  # truncated or not a zip at all
        raise SheetFileError(MSG_BROKEN) from exc
    if sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES or len(members) > 10_000:
        raise SheetFileError(MSG_TOO_BIG)


def _peak_from(stderr: bytes) -> int:
    for line in stderr.decode("utf-8", "replace").splitlines():
        if line.startswith("peak_kib="):
            return int(line.split("=", 1)[1])
    return 0


def read_sheet(source: str | Path | IO[bytes] | bytes, sheet: str, max_rows: int,
               filename: str | None = None) -> Sheet:
    """The first `max_rows` rows of `sheet` (row 1 first; each row a list of cells from column A: int, float,
    str, bool, DateCell or None for blank), or `SheetFileError` with the Vietnamese reason."""
    data, name = read_bytes(source)
    check_name(filename if filename is not None else name)
    _check_content(data)
    try:
        done = subprocess.run(
            [sys.executable, "-I", str(_READER), sheet, str(max_rows), str(CHILD_MEMORY_BYTES),
             str(CHILD_SECONDS)],
            input=data, capture_output=True, timeout=CHILD_SECONDS + 5, check=False)
    except subprocess.TimeoutExpired as exc:
        raise SheetFileError(MSG_TOO_BIG) from exc
    global last_child_peak_kib
    last_child_peak_kib = _peak_from(done.stderr)
    if done.returncode != 0:  # killed by its memory or CPU limit, or calamine aborted on the file
        raise SheetFileError(MSG_TOO_BIG if done.returncode < 0 or b"memory" in done.stderr.lower()
                             else MSG_BROKEN)
    try:
        out = json.loads(done.stdout)
    except ValueError as exc:
        raise SheetFileError(MSG_BROKEN) from exc
    if "error" in out:
        raise SheetFileError(MSG_BROKEN)
    rows = out["rows"]
    if rows is not None:
        rows = [[DateCell(v["date"]) if isinstance(v, dict) else v for v in row] for row in rows]
    return Sheet(sheet_names=list(out["sheets"]), rows=rows, beyond=int(out.get("beyond", 0)))
