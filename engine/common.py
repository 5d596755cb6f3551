"""What the criteria models (engine/criteria.py) and the NTM link models (engine/ntm/models.py) share: the
frozen base model, the id patterns, the legal reference, the document header (kind, id, name, legal basis,
period in force) and the period-in-force test.

Both kinds of file are edited by hand and checked the same way, so they are read by the same pieces.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

Ident = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]  # an input, tier, region or flag id
ItemId = Annotated[str, Field(pattern=r"^\d+\.\d+$")]  # "8.2"
CriterionId = Annotated[str, Field(pattern=r"^\d+$")]  # "8"
DocumentId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]  # a criteria set or link table id

_Date = date  # LegalRef has a field named `date`, which would shadow the type inside the class body


class FrozenModel(BaseModel):
    """A model of a hand-edited file: unknown keys are mistakes (a misspelt field), values never change."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class LegalRef(FrozenModel):
    ref: str
    date: _Date
    issuer: str
    title: str


RefT = TypeVar("RefT", bound=LegalRef)


class DocumentHeader(FrozenModel, Generic[RefT]):
    """The fields a criteria set and a link table both open with, in this order (the order of the fields,
    of a dump and of the validation messages). Each document narrows `kind` to its own literal and chooses
    its legal reference: a link table may cite a document whose issue date is not yet verified."""

    kind: str
    id: DocumentId
    name: str
    legal_basis: list[RefT] = Field(min_length=1)
    effective_from: date
    effective_to: date | None = None

    def in_force(self, period: int) -> bool:
        # An assessment is judged by what is in force at the end of its year.
        return in_force(self.effective_from, self.effective_to, period)


def period_end(period: int) -> date:
    """The day an assessment period is judged on: assessments are made at the end of the year (November)."""
    return date(period, 12, 31)


def in_force(effective_from: date, effective_to: date | None, period: int) -> bool:
    """Whether a document effective from/to these dates is in force for an assessment period."""
    day = period_end(period)
    return effective_from <= day and (effective_to is None or day <= effective_to)
