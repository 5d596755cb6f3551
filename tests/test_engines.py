"""The one engine cache (engine/io/engines.py) that the CLI, the PDF records and the web app share: one
compiled engine per criteria version, keyed by content hash, chosen by period with the latest as fallback."""

from __future__ import annotations

import threading

from engine.io.engines import Engines
from engine.io.load import read_bytes
from tests.conftest import CRITERIA, EXAMPLES, ROOT


def test_one_engine_per_version_by_content_hash(ia_toi):
    engines = Engines(ROOT / "criteria")
    cs = engines.for_period(2022)
    eng = engines.for_document(ia_toi)
    assert eng.cs is cs and engines.engine_for(cs) is eng and engines.engine(cs.id) is eng
    # The same bytes loaded again (another object) are the same version: the same compiled engine.
    again = engines.from_bytes(read_bytes(CRITERIA), "again.yaml")
    assert again is cs and engines.by_hash(cs.content_hash) is cs
    # The folder's link tables are given to every engine, so that results carry their NTM statuses.
    assert engines.ntm_tables and engines.for_document(ia_toi).score(ia_toi).ntm


def test_period_fallback_is_the_latest_set(ia_toi):
    engines = Engines()
    latest = engines.latest()
    for period in (1990, 99999, "2022", None, 2.5):
        assert engines.set_for_document({**ia_toi, "period": period}) is latest
    assert engines.set_for_document([1, 2]) is latest
    valid, errors = engines.for_document({**ia_toi, "period": 1990}).validator.validate({**ia_toi,
                                                                                         "period": 1990})
    assert valid is None and any(e.field == "period" for e in errors)


def test_a_stored_version_not_in_the_folder_gets_its_own_engine(ia_toi):
    engines = Engines()
    raw = read_bytes(CRITERIA).replace(b"name: ", b"name:  ", 1)  # the same table, other bytes
    stored = engines.from_bytes(raw, "phiên bản 2")
    folder = engines.for_period(2022)
    assert stored is not folder and stored.content_hash != folder.content_hash
    assert engines.by_hash(stored.content_hash) is stored and engines.from_bytes(raw) is stored
    eng = engines.engine_for(stored)
    assert eng is not engines.engine_for(folder) and eng.cs is stored
    assert eng.score(ia_toi).criteria_hash == stored.content_hash
    assert engines.for_document(ia_toi).cs is folder  # the folder's set still scores by period


def test_threads_compile_a_version_once(ia_toi):
    engines = Engines()
    cs = engines.from_bytes(read_bytes(CRITERIA).replace(b"name: ", b"name:   ", 1))
    got, start = [], threading.Barrier(6)

    def one() -> None:
        start.wait()
        got.append(engines.engine_for(cs))

    threads = [threading.Thread(target=one) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 6 and len({id(e) for e in got}) == 1


def test_a_fixed_set_scores_every_document_and_files_as_cfc_score_does(ia_toi):
    from engine.io.load import load_criteria_set

    fixed = load_criteria_set(CRITERIA)
    engines = Engines(fixed=fixed)
    assert engines.set_for_document({**ia_toi, "period": 1990}) is fixed and engines.latest() is fixed
    result, errors = engines.score_file(str(EXAMPLES / "ia-toi-2022.yaml"))
    assert errors == [] and result.file.endswith("ia-toi-2022.yaml") and result.total == 845
    result, errors = engines.score_file(str(EXAMPLES / "no-such-file.yaml"))
    assert result is None and errors[0].field == "" and "Không đọc được tệp" in errors[0].message


def test_defaults_are_the_folder_files_with_their_bytes():
    engines = Engines.compiled(ROOT / "criteria")
    names = [name for name, _, _ in engines.defaults]
    assert "qd06-2019.yaml" in names
    for _, raw, cs in engines.defaults:
        assert engines.by_hash(cs.content_hash) is cs and raw
