"""Criteria and link files read from disk: the path-based loaders over the core's bytes/text parsers.

The core (engine/criteria.py, engine/ntm/models.py, engine/yamlsource.py) parses documents given as bytes or
text and never opens a file; this module is where a path becomes those bytes, bounded before reading.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from engine.criteria import CriteriaError, CriteriaSet, Problem, load_criteria_bytes
from engine.ntm.models import NtmTable, parse_ntm_table
from engine.yamlsource import MAX_BYTES, TOO_BIG, SourceMap, YamlSyntaxError, load_yaml_bytes, parse_yaml


def read_bytes(path: str | Path) -> bytes:
    """The file's verbatim bytes (what a content hash is taken of), refused before reading when it is larger
    than any real input, and never more than MAX_BYTES + 1 read (a device or a growing file says no size)."""
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > MAX_BYTES:
                raise YamlSyntaxError(str(path), None, TOO_BIG)
            # Asked for its size and one byte more, a file says it is whole (asking for MAX_BYTES + 1 at once
            # allocated a megabyte per file); a file that has grown since, or says no size (a device, a
            # pipe), is read on, up to the bound.
            data = f.read(size + 1) if size else b""
            if len(data) > size or not size:
                data += f.read(MAX_BYTES + 1 - len(data))
    except OSError as exc:
        raise YamlSyntaxError(str(path), None, f"Không đọc được tệp: {exc}") from exc
    if len(data) > MAX_BYTES:
        raise YamlSyntaxError(str(path), None, TOO_BIG)
    return data


def read_text(path: str | Path) -> str:
    """A file's text, refused before reading when it is larger than any real input."""
    data = read_bytes(path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlSyntaxError(str(path), None, f"Không đọc được tệp: {exc}") from exc


def load_yaml_file(path: str | Path) -> tuple[Any, SourceMap]:
    return load_yaml_bytes(read_bytes(path), str(path))


def load_criteria_set(path: str | Path) -> CriteriaSet:
    """Load and check one criteria file; raise CriteriaError listing every problem."""
    try:
        raw = read_bytes(path)
    except YamlSyntaxError as exc:
        raise CriteriaError([Problem(exc.file, exc.line, "", exc.message)]) from None
    return load_criteria_bytes(raw, str(path))


def load_ntm_table(path: str | Path, criteria_sets: Mapping[str, CriteriaSet] | Sequence[CriteriaSet]
                   ) -> NtmTable:
    """Load and check one `kind: ntm_link` file; raise CriteriaError listing every problem."""
    if not isinstance(criteria_sets, Mapping):
        criteria_sets = {cs.id: cs for cs in criteria_sets}
    try:
        data, source = load_yaml_file(path)
    except YamlSyntaxError as exc:
        raise CriteriaError([Problem(exc.file, exc.line, "", exc.message)]) from None
    return parse_ntm_table(data, source, criteria_sets)


def kind_of(path: str | Path) -> str | None:
    """The document's top-level `kind:` (child_friendly_criteria, ntm_link, ...), read from that one line; the
    full parse happens in the loader of that kind. Raises YamlSyntaxError for a file that cannot be read."""
    return kind_of_bytes(read_bytes(path), str(path))


def kind_of_bytes(raw: bytes, file: str) -> str | None:
    """kind_of() on a file's bytes already read (the catalog reads each file once)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlSyntaxError(file, None, f"Không đọc được tệp: không phải UTF-8 ({exc})") from None
    for line in text.splitlines():
        if line.startswith("kind:"):
            kind = parse_yaml(line, file)[0]
            return str(kind["kind"]) if isinstance(kind, dict) else None
    return None
