"""The figures of a stored record and their scores: the commune's own, and the verified ones (the commune's
figures with the team's corrections laid over them; the commune's stay stored as they were sent)."""

from __future__ import annotations

from typing import Any

from ..engines import make_assessment, score_or_none
from ..models import Assessment
from ..versions import engine_of


def verified_values(a: Assessment) -> dict[str, Any]:
    """The commune's figures with the team's corrections laid over them (the commune's stay stored)."""
    values = dict(a.values or {})
    for c in a.corrections:
        values[c.input_id] = c.team_value
    return values


def score_values(a: Assessment, values: dict[str, Any]) -> Any:
    """These figures scored for the record's commune and year, under the record's criteria version; None
    when the engine refuses them."""
    return score_or_none(engine_of(a), make_assessment(a.commune.profile(a.period), a.period, values))


def self_result(a: Assessment) -> Any:
    return score_values(a, a.values or {})


def verified_result(a: Assessment) -> Any:
    return score_values(a, verified_values(a))
