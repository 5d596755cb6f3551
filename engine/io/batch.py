"""Collecting many assessments for `cfc batch`: the rows of a filled Excel template, or a folder of files."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.criteria import CriteriaSet
from engine.io.files import read_assessment
from engine.io.sheets import read_workbook
from engine.result import Result


@dataclass(frozen=True)
class Entry:
    name: str  # the file, or "Tự đánh giá!12" for a sheet row
    document: Any
    errors: list[Any] = field(default_factory=list)


def collect(source: Path, cs: CriteriaSet) -> list[Entry]:
    if source.is_dir():
        files = sorted(p for p in source.iterdir() if p.suffix.lower() in (".yaml", ".yml", ".json"))
        entries = []
        for path in files:
            doc, errors = read_assessment(path)
            entries.append(Entry(str(path), doc, list(errors)))
        return entries
    rows, cell_errors = read_workbook(source, cs)
    by_row: dict[int, list[Any]] = {}
    for error in cell_errors:
        by_row.setdefault(error.row, []).append(error)
    entries = [Entry(f"{row.sheet}!{row.row}", row.document, by_row.pop(row.row, []) or _unlisted(row))
               for row in rows]
    # Errors not tied to a commune row (a wrong file, an unknown column) make the whole file invalid.
    entries += [Entry(source.name, None, errs) for errs in by_row.values()]
    return entries


def _unlisted(row: Any) -> list[Any]:
    """A bad row whose errors fell past the listed ones ("và N lỗi khác") is still not scored."""
    if not row.bad:
        return []
    from engine.io.sheets import CellError

    return [CellError(row.sheet, row.row, "", "", "dòng có ô sai (xem các lỗi đã liệt kê của tệp)")]


def summary_lines(results: Sequence[Result], invalid: Sequence[tuple[str, list]], output: Path) -> list[str]:
    verdicts = Counter(r.recognised for r in results)
    lines = [
        f"Đã chấm: {len(results)} xã — đạt: {verdicts[True]}, không đạt: {verdicts[False]}.",
        f"Không chấm được: {len(invalid)}.",
    ]
    for name, problems in invalid[:20]:
        lines.append(f"  - {name}: " + "; ".join(str(getattr(p, 'message', p)) for p in problems[:3]))
    if len(invalid) > 20:
        lines.append(f"  ... và {len(invalid) - 20} mục khác (xem trang «Lỗi» của tệp kết quả).")
    lines.append(f"Kết quả: {output}")
    return lines
