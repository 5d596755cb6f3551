"""All criteria sets in a folder, and which one is in force for an assessment's period.

Every `cfc` command that scores reads the whole folder first. Its files change once in years, so what their
YAML holds is kept beside them, like Python's bytecode: `<folder>/__pycache__/cfc-<sha256 of the file>.json`,
the file's plain data (never a pickle: only JSON, which cannot run anything). A file whose bytes hash to a
kept entry is not parsed again, but its data is still checked in full, by the same models and the same
semantic checks as the YAML (what the YAML parse costs, ≈ 20 ms of every start-up, is what is saved). An entry
is written only when its data, read back and checked, gives exactly the set or table the YAML gave; an entry
that is unreadable, of another format, writable by others than its owner, or that fails the checks is
ignored, and the file is read from its YAML, with the messages (and line numbers) of a YAML file. Nothing is
written when Python writes no bytecode (PYTHONDONTWRITEBYTECODE) or CFC_NO_CACHE is set, or where the folder
cannot be written.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from engine.criteria import CriteriaError, CriteriaSet, Problem, content_hash, parse_criteria_set
from engine.flags import DeclaredFlag, declared_flags
from engine.io.load import read_bytes
from engine.messages import CK_NOT_MAPPING
from engine.ntm.models import NtmTable, parse_ntm_table, table_for_period
from engine.yamlsource import SourceMap, YamlSyntaxError, load_yaml_bytes, parse_yaml

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "criteria"
CACHE_FORMAT = 1  # raised whenever what an entry holds changes meaning
CACHE_DIR = "__pycache__"


@dataclass(frozen=True)
class Catalog:
    sets: tuple[CriteriaSet, ...]
    ntm_tables: tuple[NtmTable, ...] = ()

    @classmethod
    def load(cls, folder: str | Path = DEFAULT_DIR) -> Catalog:
        """Every `kind: child_friendly_criteria` file in the folder, then every `kind: ntm_link` file (checked
        against the sets it links to); other kinds are skipped."""
        folder = Path(folder)
        sets, problems = [], []
        files = []
        for path in sorted(folder.glob("*.yaml")):
            try:
                raw = read_bytes(path)
                kind = _kind(raw, str(path))
            except YamlSyntaxError as exc:
                problems.append(Problem(exc.file, exc.line, "", exc.message))
                continue
            files.append((path, raw, kind))
        cache = _Cache(folder)
        for path, raw, kind in files:
            if kind != "child_friendly_criteria":
                continue
            try:
                sets.append(cache.criteria_set(path, raw))
            except CriteriaError as exc:
                problems.extend(exc.problems)
        by_id = {cs.id: cs for cs in sets}
        tables = []
        for path, raw, kind in files:
            if kind != "ntm_link":
                continue
            try:
                tables.append(cache.ntm_table(path, raw, by_id))
            except CriteriaError as exc:
                problems.extend(exc.problems)
        if problems:
            raise CriteriaError(problems)
        if not sets:
            raise CriteriaError([Problem(str(folder), None, "", "không có bộ tiêu chí nào trong thư mục")])
        return cls(tuple(sorted(sets, key=lambda s: s.effective_from)),
                   tuple(sorted(tables, key=lambda t: t.effective_from)))

    def get(self, set_id: str) -> CriteriaSet:
        for cs in self.sets:
            if cs.id == set_id:
                return cs
        raise KeyError(set_id)

    def for_period(self, period: int) -> CriteriaSet:
        """The set in force at the end of the period (assessments are made in November of the year)."""
        in_force = [cs for cs in self.sets if cs.in_force(period)]
        if not in_force:
            raise LookupError(f"Không có bộ tiêu chí nào có hiệu lực trong năm {period}.")
        return in_force[-1]

    def commune_flags(self) -> tuple[DeclaredFlag, ...]:
        """The commune flags the link tables declare (engine/flags.py), once per id."""
        return declared_flags(self.ntm_tables)

    def ntm_for_period(self, period: int) -> NtmTable | None:
        """The new-rural-development link table in force for the period, if any."""
        return table_for_period(self.ntm_tables, period)


def _kind(raw: bytes, file: str) -> str | None:
    """The document's top-level `kind:`, read from that one line, as engine.io.load.kind_of does."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlSyntaxError(file, None, f"Không đọc được tệp: không phải UTF-8 ({exc})") from None
    for line in text.splitlines():
        if line.startswith("kind:"):
            kind = parse_yaml(line, file)[0]
            return str(kind["kind"]) if isinstance(kind, dict) else None
    return None


class _Cache:
    """The kept plain data of one folder's files (see the module's docstring)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.writable = not sys.dont_write_bytecode and not os.environ.get("CFC_NO_CACHE")
        try:
            self.owner: int | None = folder.stat().st_uid
        except OSError:
            self.owner = None

    def criteria_set(self, path: Path, raw: bytes) -> CriteriaSet:
        key = content_hash(raw)

        def check(data: Any, source: SourceMap) -> CriteriaSet:
            # What load_criteria_bytes does once the YAML is parsed.
            if not isinstance(data, dict):
                raise CriteriaError([Problem(str(path), 1, "", CK_NOT_MAPPING)])
            cs = parse_criteria_set(data, source)
            cs._content_hash = key  # the hash of the verbatim bytes
            return cs

        return self._load(path, raw, key, check)

    def ntm_table(self, path: Path, raw: bytes, sets: dict[str, CriteriaSet]) -> NtmTable:
        # A table is checked against the sets it links to, so a kept entry is checked anew against them.
        return self._load(path, raw, content_hash(raw),
                          lambda data, source: parse_ntm_table(data, source, sets))

    def _load(self, path: Path, raw: bytes, key: str, check: Callable[[Any, SourceMap], Any]) -> Any:
        entry = self.folder / CACHE_DIR / f"cfc-{key}.json"
        no_lines = SourceMap(str(path), {})
        data = self._read(entry, key)
        if data is not None:
            with contextlib.suppress(CriteriaError):
                return check(data, no_lines)
        # From the YAML, with line numbers for the messages.
        try:
            data, source = load_yaml_bytes(raw, str(path))
        except YamlSyntaxError as exc:
            raise CriteriaError([Problem(exc.file, exc.line, "", exc.message)]) from None
        found = check(data, source)
        if self.writable:
            self._write(entry, key, data, lambda kept: bool(check(kept, no_lines) == found))
        return found

    def _read(self, entry: Path, key: str) -> Any:
        try:
            with open(entry, "rb") as f:
                st = os.fstat(f.fileno())
                # Written by whoever owns the folder, and by no one else.
                if st.st_mode & 0o022 or st.st_uid != self.owner or st.st_size > 16 * 1024 * 1024:
                    return None
                kept = orjson.loads(f.read())
        except (OSError, orjson.JSONDecodeError):
            return None
        if type(kept) is not dict or kept.get("format") != CACHE_FORMAT or kept.get("sha256") != key:
            return None
        return kept.get("data")

    def _write(self, entry: Path, key: str, data: Any, same: Callable[[Any], bool]) -> None:
        try:
            blob = orjson.dumps({"format": CACHE_FORMAT, "sha256": key, "data": data})
        except (TypeError, orjson.JSONEncodeError):
            return  # a value JSON cannot hold: the file is parsed every time
        try:
            if not same(orjson.loads(blob)["data"]):
                return  # read back, the data would not give what the YAML gave
        except CriteriaError:
            return
        tmp = None
        try:
            entry.parent.mkdir(exist_ok=True)
            # Whole or not at all: written beside, then renamed over (a reader never sees half an entry).
            with tempfile.NamedTemporaryFile(dir=entry.parent, prefix=".cfc-", delete=False) as f:
                tmp = f.name
                f.write(blob)
            os.chmod(tmp, 0o644)  # readable by everyone who reads the criteria, writable by its owner only
            os.replace(tmp, entry)
            tmp = None
        except OSError:
            pass  # a read-only install: the file is parsed every time
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
