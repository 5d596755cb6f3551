"""All criteria sets in a folder, and which one is in force for an assessment's period."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.criteria import CriteriaError, CriteriaSet, Problem
from engine.io.load import kind_of, load_criteria_set, load_ntm_table
from engine.ntm.models import NtmTable, table_for_period

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
        paths = sorted(folder.glob("*.yaml"))
        for path in paths:
            if kind_of(path) != "child_friendly_criteria":
                continue
            try:
                sets.append(load_criteria_set(path))
            except CriteriaError as exc:
                problems.extend(exc.problems)
        tables = []
        for path in paths:
            if kind_of(path) != "ntm_link":
                continue
            try:
                tables.append(load_ntm_table(path, sets))
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

    def ntm_for_period(self, period: int) -> NtmTable | None:
        """The new-rural-development link table in force for the period, if any."""
        return table_for_period(self.ntm_tables, period)

