"""The criteria folder's kept plain data (engine/io/catalog.py): the same sets and tables as from the YAML,
checked in full every time, and any entry that is not exactly what its file gave is ignored."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from engine.criteria import CriteriaError
from engine.io import catalog as catalog_module
from engine.io.catalog import CACHE_DIR, Catalog
from engine.io.load import load_criteria_set
from tests.conftest import EXAMPLES

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A copy of the shipped criteria folder, with entries written (as when Python writes bytecode)."""
    for path in (ROOT / "criteria").glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.delenv("CFC_NO_CACHE", raising=False)
    return tmp_path


@pytest.fixture
def parses(monkeypatch):
    """The files the catalog parsed from their YAML (the others came from their entries)."""
    seen: list[str] = []
    real = catalog_module.load_yaml_bytes

    def counting(raw, file):
        seen.append(Path(file).name)
        return real(raw, file)

    monkeypatch.setattr(catalog_module, "load_yaml_bytes", counting)
    return seen


def entries(folder: Path) -> list[Path]:
    return sorted((folder / CACHE_DIR).glob("cfc-*.json"))


def test_entries_give_the_same_sets_and_tables(folder, parses):
    first = Catalog.load(folder)
    assert sorted(parses) == ["ntm-2021-2025.yaml", "ntm-2026-2030.yaml", "qd06-2019.yaml"]
    assert len(entries(folder)) == 3
    parses.clear()
    second = Catalog.load(folder)
    assert parses == []  # every file from its entry
    assert second == first and second.sets[0] is not first.sets[0]
    assert [cs.content_hash for cs in second.sets] == [cs.content_hash for cs in first.sets]
    assert second.sets[0].content_hash == load_criteria_set(folder / "qd06-2019.yaml").content_hash
    for entry in entries(folder):
        assert entry.stat().st_mode & 0o777 == 0o644
        kept = orjson.loads(entry.read_bytes())
        assert kept["format"] == catalog_module.CACHE_FORMAT and entry.name == f"cfc-{kept['sha256']}.json"


def test_an_edited_file_is_read_from_its_yaml(folder, parses):
    Catalog.load(folder)
    path = folder / "qd06-2019.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("threshold: 800", "threshold: 810"),
                    encoding="utf-8")
    parses.clear()
    catalog = Catalog.load(folder)
    # The set is new (its hash changed), the tables link to it and are checked anew against it.
    assert parses == ["qd06-2019.yaml"]
    assert 810 in [t.threshold for t in catalog.sets[0].tiers]
    assert len(entries(folder)) == 4


@pytest.mark.parametrize("spoil", ["garbage", "other format", "other hash", "invalid", "writable",
                                   "not a mapping"])
def test_a_spoilt_entry_is_ignored(folder, parses, spoil):
    """An entry is used only if it is readable JSON of this format, names the file's hash, is writable by
    its owner alone, and passes every check of the YAML; else the file is read from its YAML (same set)."""
    want = Catalog.load(folder)
    (entry,) = [e for e in entries(folder) if b'"child_friendly_criteria"' in e.read_bytes()]
    kept = orjson.loads(entry.read_bytes())
    if spoil == "garbage":
        entry.write_bytes(b"\x00{not json")
    elif spoil == "other format":
        entry.write_bytes(orjson.dumps({**kept, "format": 0}))
    elif spoil == "other hash":
        entry.write_bytes(orjson.dumps({**kept, "sha256": "0" * 64}))
    elif spoil == "invalid":  # the tiers no longer sum up as the checks want, say
        entry.write_bytes(orjson.dumps({**kept, "data": {**kept["data"], "total": 999}}))
    elif spoil == "not a mapping":
        entry.write_bytes(orjson.dumps({**kept, "data": [1, 2]}))
    elif spoil == "writable":  # anyone could have put anything there
        data = {**kept["data"], "name": "Bộ tiêu chí khác"}
        entry.write_bytes(orjson.dumps({**kept, "data": data}))
        os.chmod(entry, 0o666)
    parses.clear()
    got = Catalog.load(folder)
    assert parses == ["qd06-2019.yaml"]
    assert got == want and got.sets[0].content_hash == want.sets[0].content_hash


def test_nothing_is_written_without_bytecode_or_with_cfc_no_cache(folder, monkeypatch):
    monkeypatch.setenv("CFC_NO_CACHE", "1")
    Catalog.load(folder)
    assert entries(folder) == []
    monkeypatch.delenv("CFC_NO_CACHE")
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    Catalog.load(folder)
    assert entries(folder) == []


def test_a_read_only_folder_is_read_as_before(folder, parses):
    (folder / CACHE_DIR).write_text("a file where the folder would be", encoding="utf-8")
    assert Catalog.load(folder).sets[0].id == "qd06-2019"
    assert Catalog.load(folder).sets[0].id == "qd06-2019" and len(parses) == 6


def test_bad_files_keep_their_messages_with_lines(folder):
    """A file that fails its checks is never kept, and says what is wrong where, as before."""
    path = folder / "qd06-2019.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("total: 1000", "total: 999"), encoding="utf-8")
    with pytest.raises(CriteriaError) as err:
        Catalog.load(folder)
    line = text[:text.index("total: 1000")].count("\n") + 1
    assert f"{path}:{line}: total: tổng điểm khai báo là 999" in str(err.value)
    assert entries(folder) == []
    (folder / "latin1.yaml").write_bytes(b"kind: child_friendly_criteria\nname: X\xe3\n")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CriteriaError) as err:
        Catalog.load(folder)
    # (A file of another encoding in the folder used to end every command with a UnicodeDecodeError.)
    assert str(err.value).startswith(f"{folder / 'latin1.yaml'}: Không đọc được tệp: không phải UTF-8")


def test_cfc_score_prints_the_same_bytes_with_and_without_entries(tmp_path):
    """`cfc score` on the examples, once writing the entries of the shipped folder and once reading them."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "CFC_NO_CACHE")}
    files = [str(p) for p in sorted(EXAMPLES.glob("*.yaml"))]
    runs = []
    for extra in ({"CFC_NO_CACHE": "1"}, {}, {}):
        out = subprocess.run([sys.executable, "-m", "engine", "score", "--json", *files], capture_output=True,
                             text=True, env={**env, **extra}, timeout=120)
        assert out.returncode == 0 and out.stderr == ""
        runs.append(out.stdout)
    assert runs[0] == runs[1] == runs[2]
    assert [json.loads(line)["total"] for line in runs[0].splitlines()] == [650, 895, 845]
    assert entries(ROOT / "criteria")  # written by the second run, read by the third
