"""The criteria folder read by engine/io/catalog.py: each file read and parsed once, the same sets and tables
as loading each file alone, the same messages with their lines, and nothing written beside the files (the
content hash a record carries is always that of the bytes its rules were built from)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from engine.criteria import CriteriaError
from engine.io import catalog as catalog_module
from engine.io.catalog import Catalog
from engine.io.load import load_criteria_set, load_ntm_table

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A copy of the shipped criteria folder, in a process that would write bytecode."""
    for path in (ROOT / "criteria").glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    return tmp_path


def test_each_file_is_parsed_once_and_gives_what_it_gives_alone(folder, monkeypatch):
    seen: list[str] = []
    real = catalog_module.load_yaml_bytes

    def counting(raw, file):
        seen.append(Path(file).name)
        return real(raw, file)

    monkeypatch.setattr(catalog_module, "load_yaml_bytes", counting)
    original = catalog_module.load_criteria_bytes

    def counting_sets(raw, file):
        seen.append(Path(file).name)
        return original(raw, file)

    monkeypatch.setattr(catalog_module, "load_criteria_bytes", counting_sets)
    catalog = Catalog.load(folder)
    assert sorted(seen) == sorted(p.name for p in folder.glob("*.yaml"))
    alone = [load_criteria_set(folder / f"{cs.id}.yaml") for cs in catalog.sets]
    assert [(cs.id, cs.content_hash, cs) for cs in catalog.sets] == [
        (cs.id, cs.content_hash, cs) for cs in alone]
    assert catalog.ntm_tables and all(load_ntm_table(folder / f"{t.id}.yaml", catalog.sets) == t
                                      for t in catalog.ntm_tables)
    # Nothing is kept beside the files.
    shipped = sorted(p.name for p in (ROOT / "criteria").glob("*.yaml"))
    assert sorted(p.name for p in folder.iterdir()) == shipped


def test_bad_files_keep_their_messages_with_lines(folder):
    path = folder / "qd06-2019.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("total: 1000", "total: 999"), encoding="utf-8")
    with pytest.raises(CriteriaError) as err:
        Catalog.load(folder)
    line = text[:text.index("total: 1000")].count("\n") + 1
    assert f"{path}:{line}: total: tổng điểm khai báo là 999" in str(err.value)
    (folder / "latin1.yaml").write_bytes(b"kind: child_friendly_criteria\nname: X\xe3\n")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CriteriaError) as err:
        Catalog.load(folder)
    # (A file of another encoding in the folder used to end every command with a UnicodeDecodeError.)
    assert str(err.value).startswith(f"{folder / 'latin1.yaml'}: Không đọc được tệp: không phải UTF-8")
