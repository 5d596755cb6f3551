"""Random but valid assessments for a criteria set (wholes drawn before their parts)."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import strategies as st

from engine.criteria import CriteriaSet


def _ordered_inputs(cs: CriteriaSet) -> list:
    wholes = [i for i in cs.inputs if not i.part_of]
    parts = [i for i in cs.inputs if i.part_of]
    return wholes + parts


@st.composite
def assessments(draw: Any, cs: CriteriaSet, missing: bool = True) -> dict:
    values: dict[str, int | bool] = {}
    for inp in _ordered_inputs(cs):
        if missing and draw(st.integers(0, 19)) == 0:
            continue
        if inp.type == "bool":
            values[inp.id] = draw(st.booleans())
        elif inp.part_of:
            whole = values.get(inp.part_of)
            values[inp.id] = draw(st.integers(0, whole if whole is not None else 60))
        else:
            # small wholes hit band edges exactly often; a few large ones test big fractions
            values[inp.id] = draw(st.one_of(st.integers(0, 60), st.integers(0, 5000)))
    return {
        "commune": {"code": "23538", "name": "Xã Ia Tơi", "region": "tay_nguyen",
                    "type": draw(st.sampled_from([t.id for t in cs.tiers]))},
        "period": 2022,
        "values": values,
    }


def random_assessment(cs: CriteriaSet, rng: random.Random, missing: bool = False) -> dict:
    """The same shape, from a seeded generator (for threads and benchmarks)."""
    values: dict[str, int | bool] = {}
    for inp in _ordered_inputs(cs):
        if missing and rng.random() < 0.05:
            continue
        if inp.type == "bool":
            values[inp.id] = rng.random() < 0.8
        elif inp.part_of:
            whole = values.get(inp.part_of, 60)
            # mostly near the whole, as real coverage rates are
            values[inp.id] = max(0, whole - int(rng.expovariate(1 / max(1, whole * 0.08)))) \
                if rng.random() < 0.7 else rng.randint(0, whole)
        else:
            values[inp.id] = rng.randint(0, 3) if rng.random() < 0.3 else rng.randint(0, 2000)
    return {
        "commune": {"code": f"{rng.randint(0, 99999):05d}", "name": "Xã thử nghiệm",
                    "type": rng.choice([t.id for t in cs.tiers]), "region": "tay_nguyen"},
        "period": 2022,
        "values": values,
    }
