"""The one cache of compiled engines: one Engine per criteria version, shared by the CLI, the PDF records
and the web app.

Building an Engine compiles its rules (and owns a rules host that must not be created repeatedly), so each
version is compiled once per process and kept, keyed by its content hash: the sets of the criteria folder,
and the stored versions the web app reads from its database (`from_bytes`, `engine_for`), which are in no
folder. Requests share one cache from several threads; one lock guards every insertion.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

from engine.assessment import FieldError
from engine.criteria import CriteriaError, CriteriaSet, content_hash, load_criteria_bytes
from engine.io.catalog import DEFAULT_DIR, Catalog
from engine.io.files import read_assessment
from engine.ntm.models import NtmTable
from engine.result import Result
from engine.scoring import Engine


class Engines:
    """The criteria folder's catalog, and one compiled engine per criteria version.

    `fixed` (a set given on the command line, `--criteria FILE`) scores every document under that set; the
    link tables still come from the folder (the engine keeps those that link to the fixed set's id).
    The catalog is read on first use, so that a command given a bad folder fails where it reads it.
    """

    def __init__(self, criteria_dir: str | Path | None = None, *, fixed: CriteriaSet | None = None) -> None:
        self.criteria_dir = Path(criteria_dir) if criteria_dir is not None else DEFAULT_DIR
        self.fixed = fixed
        self._lock = threading.Lock()
        self._catalog: Catalog | None = None
        self._engines: dict[str, Engine] = {}
        self._by_hash: dict[str, CriteriaSet] = {}
        self._defaults: list[tuple[str, bytes, CriteriaSet]] | None = None

    @classmethod
    def compiled(cls, criteria_dir: str | Path | None = None) -> Engines:
        """A cache with the folder read and every set of it compiled now (a server's start-up), so that no
        request waits for a compilation."""
        engines = cls(criteria_dir)
        for cs in engines.sets():
            engines.engine_for(cs)
        return engines

    # --- the folder ------------------------------------------------------------------------------------

    @property
    def catalog(self) -> Catalog:
        catalog = self._catalog
        if catalog is None:
            with self._lock:
                if self._catalog is None:
                    loaded = Catalog.load(self.criteria_dir)
                    for cs in loaded.sets:
                        self._by_hash.setdefault(cs.content_hash, cs)
                    self._catalog = loaded
                catalog = self._catalog
        return catalog

    @property
    def ntm_tables(self) -> tuple[NtmTable, ...]:
        """The new-rural-development link tables; they fill result.ntm for the periods they are in force."""
        return self.catalog.ntm_tables

    def sets(self) -> list[CriteriaSet]:
        return list(self.catalog.sets)

    def criteria_set(self, set_id: str) -> CriteriaSet:
        """The folder's set of that id (KeyError when there is none)."""
        return self.catalog.get(set_id)

    def for_period(self, period: int) -> CriteriaSet:
        """The folder's set in force for the period (LookupError when none is)."""
        return self.catalog.for_period(period)

    def latest(self) -> CriteriaSet:
        return self.fixed if self.fixed is not None else self.catalog.sets[-1]

    def set_for_document(self, doc: object) -> CriteriaSet:
        """The set a document is scored under: the fixed one, else the one in force for its period, else the
        latest (whose validator then says what is wrong with the period)."""
        if self.fixed is not None:
            return self.fixed
        catalog = self.catalog
        period = doc.get("period") if isinstance(doc, dict) else None
        try:
            return catalog.for_period(period) if type(period) is int else catalog.sets[-1]
        except (LookupError, ValueError, OverflowError):  # no set in force, or no such year at all
            return catalog.sets[-1]

    @property
    def defaults(self) -> list[tuple[str, bytes, CriteriaSet]]:
        """The folder's criteria files as (file name, verbatim bytes, set): a fresh install's defaults."""
        if self._defaults is None:
            sets = {cs.content_hash: cs for cs in self.sets()}
            found = []
            for path in sorted(self.criteria_dir.glob("*.yaml")):
                raw = path.read_bytes()
                cs = sets.get(content_hash(raw))
                if cs is not None:
                    found.append((path.name, raw, cs))
            self._defaults = found
        return self._defaults

    # --- versions by content hash ----------------------------------------------------------------------

    def by_hash(self, key: str) -> CriteriaSet | None:
        """The set of that content hash if this process has loaded it, else None."""
        if self._catalog is None:
            self.catalog  # noqa: B018 - the folder's sets are the first ones known by hash
        return self._by_hash.get(key)

    def from_bytes(self, content: bytes, file: str = "phiên bản") -> CriteriaSet:
        """A stored version's set, parsed and checked once per process (by content hash)."""
        key = content_hash(content)
        cs = self.by_hash(key)
        if cs is None:
            cs = load_criteria_bytes(content, file)
            with self._lock:
                cs = self._by_hash.setdefault(key, cs)
        return cs

    # --- engines ---------------------------------------------------------------------------------------

    def engine_for(self, cs: CriteriaSet) -> Engine:
        """The compiled engine of exactly this version (keyed by its content hash), compiled once."""
        key = cs.content_hash
        eng = self._engines.get(key)
        if eng is None:
            ntm_tables = self.ntm_tables
            with self._lock:
                eng = self._engines.get(key)
                if eng is None:
                    eng = self._engines[key] = Engine(cs, ntm_tables)
                    self._by_hash.setdefault(key, cs)
        return eng

    def engine(self, set_id: str) -> Engine:
        """The engine of the folder's set of that id."""
        return self.engine_for(self.criteria_set(set_id))

    def for_document(self, doc: object) -> Engine:
        return self.engine_for(self.set_for_document(doc))

    def score_file(self, name: str) -> tuple[Result | None, list[FieldError]]:
        doc, errors = read_assessment(name)
        if errors:
            return None, errors
        return self.score_document(doc, name)

    def score_document(self, doc: object, name: str) -> tuple[Result | None, list[FieldError]]:
        engine = self.for_document(doc)
        valid, errors = engine.validator.validate(doc)
        if valid is None:
            return None, errors
        result = engine.score_valid(valid)
        result.file = name  # a new result, not yet seen by anyone
        return result, []

    def score_files(self, names: Sequence[str]) -> tuple[list[tuple[Result | None, list[FieldError]]],
                                                         CriteriaError | None]:
        """score_file() for each file, in order, the valid ones scored together (score_documents)."""
        return self.score_documents([(*read_assessment(name), name) for name in names])

    def score_documents(self, documents: Sequence[tuple[object, Sequence[FieldError], str]]
                        ) -> tuple[list[tuple[Result | None, list[FieldError]]], CriteriaError | None]:
        """score_document() for each (document, errors found reading it, name), in order: the same results,
        the valid documents of each engine scored together (Engine.score_valid_many, many facts per
        durable_rules session). A criteria error stops where score_document would have raised it: the
        results of the documents before it, and the error."""
        out: list[tuple[Result | None, list[FieldError]] | None] = []
        groups: dict[str, tuple[Engine, list[tuple[int, object, str]]]] = {}
        stop: CriteriaError | None = None
        for doc, errors, name in documents:
            if errors:
                out.append((None, list(errors)))
                continue
            try:
                engine = self.for_document(doc)
            except CriteriaError as exc:
                stop = exc
                break
            valid, problems = engine.validator.validate(doc)
            if valid is None:
                out.append((None, problems))
                continue
            groups.setdefault(engine.cs.content_hash, (engine, []))[1].append((len(out), valid, name))
            out.append(None)
        for engine, members in groups.values():
            results = engine.score_valid_many([valid for _, valid, _ in members])  # type: ignore[misc]
            for (place, _, name), result in zip(members, results, strict=True):
                result.file = name  # a new result, not yet seen by anyone
                out[place] = (result, [])
        return out, stop  # type: ignore[return-value]  # every place is filled
