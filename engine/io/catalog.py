"""All criteria sets in a folder, and which one is in force for an assessment's period.

Each file is read once: its kind is taken from the bytes read, and the same bytes are parsed (libyaml) and
checked. Nothing derived from a file is kept beside it: the content hash that records and PDFs carry is
always that of the bytes the rules were built from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from engine.criteria import CriteriaError, CriteriaSet, Problem, load_criteria_bytes
from engine.flags import DeclaredFlag, declared_flags
from engine.io.load import kind_of_bytes, read_bytes
from engine.ntm.models import NtmTable, parse_ntm_table, table_for_period
from engine.yamlsource import YamlSyntaxError, load_yaml_bytes

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "criteria"


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
                kind = kind_of_bytes(raw, str(path))
            except YamlSyntaxError as exc:
                problems.append(Problem(exc.file, exc.line, "", exc.message))
                continue
            files.append((path, raw, kind))
        for path, raw, kind in files:
            if kind != "child_friendly_criteria":
                continue
            try:
                sets.append(load_criteria_bytes(raw, str(path)))
            except CriteriaError as exc:
                problems.extend(exc.problems)
        by_id = {cs.id: cs for cs in sets}
        tables = []
        for path, raw, kind in files:
            if kind != "ntm_link":
                continue
            try:
                tables.append(_ntm_table(path, raw, by_id))
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


def _ntm_table(path: Path, raw: bytes, sets: Mapping[str, CriteriaSet]) -> NtmTable:
    """engine.io.load.load_ntm_table on bytes already read."""
    try:
        data, source = load_yaml_bytes(raw, str(path))
    except YamlSyntaxError as exc:
        raise CriteriaError([Problem(exc.file, exc.line, "", exc.message)]) from None
    return parse_ntm_table(data, source, sets)
