"""Commune flags as data: the yes/no facts of a commune's profile that a link table reads (for example the
2021–2025 NTM region override), declared in that table's YAML under `commune_flags`.

Nothing in Python names a particular flag: the assessment validator, the spreadsheets and the web app's form,
storage and unit sheet are all generated from the declarations gathered here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Protocol

from pydantic import BaseModel, ConfigDict, Field

# The fixed fields of the `commune` block of an assessment; a flag may not take one of these names.
BASE_FIELDS = ("code", "name", "district", "province", "type", "region")

FlagId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]


class CommuneFlag(BaseModel):
    """One `commune_flags` entry of a link table, as written in the YAML."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: FlagId
    label: str = Field(min_length=1, max_length=200)  # the form's checkbox, in Vietnamese
    short: str | None = Field(default=None, min_length=1, max_length=60)  # a spreadsheet column header
    help: str = ""


class _Declaring(Protocol):
    """What a table that declares flags offers (engine/ntm/models.py:NtmTable)."""

    @property
    def id(self) -> str: ...
    @property
    def effective_from(self) -> date: ...
    @property
    def effective_to(self) -> date | None: ...
    @property
    def commune_flags(self) -> list[CommuneFlag]: ...


@dataclass(frozen=True)
class DeclaredFlag:
    """A flag with the periods of the tables that read it: what the form, the sheets and validation use."""

    id: str
    label: str
    short: str
    help: str
    periods: tuple[tuple[date, date | None], ...]  # (effective_from, effective_to) of each declaring table
    tables: tuple[str, ...]

    def in_force(self, period: int) -> bool:
        day = date(period, 12, 31)
        return any(start <= day and (end is None or day <= end) for start, end in self.periods)

    @property
    def period_text(self) -> str:
        """"2021–2025", "từ 2026": when the tables that read the flag are in force."""
        parts = []
        for start, end in self.periods:
            if end is None:
                parts.append(f"từ {start.year}")
            elif start.year == end.year:
                parts.append(str(start.year))
            else:
                parts.append(f"{start.year}–{end.year}")
        return ", ".join(parts)


def declared_flags(tables: Iterable[_Declaring]) -> tuple[DeclaredFlag, ...]:
    """Every flag the tables declare, once per id, in the order first met (tables oldest first). A flag read
    by several tables keeps the wording of the most recent one and lists every table's period."""
    ordered = sorted(tables, key=lambda t: t.effective_from)
    by_id: dict[str, tuple[CommuneFlag, list[tuple[date, date | None]], list[str]]] = {}
    for table in ordered:
        for flag in table.commune_flags:
            _, periods, ids = by_id.get(flag.id, (flag, [], []))
            by_id[flag.id] = (flag, [*periods, (table.effective_from, table.effective_to)], [*ids, table.id])
    return tuple(
        DeclaredFlag(id=flag.id, label=flag.label, short=flag.short or flag.label, help=flag.help,
                     periods=tuple(periods), tables=tuple(ids))
        for flag, periods, ids in by_id.values()
    )
