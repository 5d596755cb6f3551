from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from engine import Engine
from engine.io.load import load_criteria_set

ROOT = Path(__file__).resolve().parent.parent
CRITERIA = ROOT / "criteria" / "qd06-2019.yaml"
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def criteria_set():
    return load_criteria_set(CRITERIA)


@pytest.fixture(scope="session")
def engine(criteria_set):
    return Engine(criteria_set)


@pytest.fixture(scope="session")
def criteria_doc():
    return yaml.safe_load(CRITERIA.read_text(encoding="utf-8"))


@pytest.fixture
def ia_toi():
    """A fresh copy of the Ia Tơi example, safe to modify."""
    return copy.deepcopy(yaml.safe_load((EXAMPLES / "ia-toi-2022.yaml").read_text(encoding="utf-8")))


def commune(type_: str = "mien_nui_dbkk") -> dict:
    return {"code": "23538", "name": "Xã Ia Tơi", "district": "Huyện Ia H'Drai", "province": "Tỉnh Kon Tum",
            "type": type_, "region": "tay_nguyen", "ntm_tdmnpb_override": False}
