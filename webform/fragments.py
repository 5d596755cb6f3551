"""Page parts that depend only on the criteria version: rendered by Jinja once, filled per request.

Most of the self-assessment form and of the review page is the same for every record scored under one
criteria version: the sections, each input's label, ids, help text and the markup around them. Rendering
all of that with Jinja on every request was about half of those pages' CPU. A fragment template is
rendered once per criteria version (its content hash) and variant, with a *slot* in place of everything
that changes from one request to the next (a figure, an error, a checked radio button, a version number);
a request then fills the slots with one join of strings.

In a fragment template a slot is written `{{ slot("name", d.id) }}`: it renders as a NUL-delimited
marker. A part shown only for some records sits between `{{ slot("?name", key) }}` and
`{{ slot("/name", key) }}`: it stays when the value of "?name|key" is true, and is left out otherwise.
NUL cannot occur in the rendered text around a marker (YAML does not allow it in a document, and the app
refuses any request carrying one), so a marker never collides with content. The values given to `fill` are
HTML already: escape text with `markupsafe.escape`, as `{{ }}` would.

The cache is per process and keyed by the criteria content hash: a criteria version is immutable once
loaded, and a new version (activated through any process) has a new hash, so nothing here can go stale.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from flask import current_app
from markupsafe import Markup

SEP = "\x00"
MAX_FRAGMENTS = 64  # a few variants per criteria version; old versions drop out first

_cache: OrderedDict[tuple[Any, ...], Fragment] = OrderedDict()
_lock = threading.Lock()


def slot(name: str, key: Any = "") -> Markup:
    """The marker of one slot (a Jinja global of fragment templates only)."""
    return Markup(f"{SEP}{name}|{key}{SEP}")


class Fragment:
    """Rendered HTML cut at its slots: the static parts, and between each two the slot that goes there. An
    optional part is a fragment of its own, in the slot of its "?name|key"."""

    __slots__ = ("keys", "parts", "subs")

    def __init__(self, html: str) -> None:
        pieces = html.split(SEP)
        self._build(pieces[0::2], pieces[1::2])

    @classmethod
    def _of(cls, parts: list[str], keys: list[str]) -> Fragment:
        frag = cls.__new__(cls)
        frag._build(parts, keys)
        return frag

    def _build(self, parts: list[str], keys: list[str]) -> None:
        self.parts: list[str] = [parts[0]]
        self.keys: list[str] = []
        self.subs: list[Fragment | None] = []  # beside each key: the optional part it opens, if it does
        n = 0
        while n < len(keys):
            key = keys[n]
            if key.startswith("/"):
                raise ValueError(f"a fragment closes {key[1:]!r}, which it did not open")
            sub = None
            if key.startswith("?"):
                end = _closing(keys, n)
                sub = Fragment._of(parts[n + 1:end + 1], keys[n + 1:end])
                n = end
            self.keys.append(key)
            self.subs.append(sub)
            self.parts.append(parts[n + 1])
            n += 1

    def fill(self, values: Mapping[str, Any]) -> Markup:
        """The HTML with every slot replaced by its value (a KeyError names a slot left without one)."""
        return Markup(self._fill(values))

    def _fill(self, values: Mapping[str, Any]) -> str:
        out = [self.parts[0]]
        for key, sub, part in zip(self.keys, self.subs, self.parts[1:], strict=True):
            if sub is None:
                out.append(values[key])
            elif values[key]:
                out.append(sub._fill(values))
            out.append(part)
        return "".join(out)


def _closing(keys: list[str], at: int) -> int:
    """The index of the "/name|key" slot that closes the "?name|key" at `at` (optional parts may nest)."""
    name, depth = keys[at][1:], 0
    for n in range(at + 1, len(keys)):
        if keys[n] == f"?{name}":
            depth += 1
        elif keys[n] == f"/{name}":
            if depth == 0:
                return n
            depth -= 1
    raise ValueError("an optional part of a fragment is not closed")


def fragment(template: str, content_hash: str | None, variant: tuple[Any, ...], **context: Any) -> Fragment:
    """The fragment template rendered with `context`, once per (template, criteria version, variant).

    `context` must depend on nothing but the criteria version and the variant. A criteria set built in memory
    (no content hash) is rendered every time, since nothing names it; so is everything while templates are
    reloaded when edited (debug), so that an edit shows at once."""
    if not content_hash or current_app.jinja_env.auto_reload:
        return _render(template, context)
    key = (template, content_hash, *variant)
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    found = _render(template, context)
    with _lock:
        _cache[key] = found
        while len(_cache) > MAX_FRAGMENTS:
            _cache.popitem(last=False)
    return found


def _render(template: str, context: dict[str, Any]) -> Fragment:
    return Fragment(current_app.jinja_env.get_template(template).render(slot=slot, **context))


_PANELS: OrderedDict[int, tuple[Any, str, Markup]] = OrderedDict()
MAX_PANELS = 512  # a panel is about 5 KB: at most a few MB per process


def score_panel(cs: Any, result: Any, parsed: Any) -> Markup:
    """_score_panel.html for this result, rendered once per result object while it is kept here.

    Without typing errors the panel reads nothing but the criteria set and the engine's result, and a
    result is immutable and comes from the engine cache (webform/engines.py) keyed by its figures: the
    same figures (the form shown after its own save, a page opened again) give the same result object.
    The entry holds the result itself, so its id cannot be taken by another object while the entry lives;
    nothing another process can change goes into the panel."""
    env = current_app.jinja_env
    key = id(result)
    cacheable = result is not None and not (parsed and parsed.errors) and bool(cs.content_hash) and \
        not env.auto_reload
    if cacheable:
        with _lock:
            found = _PANELS.get(key)
            if found is not None and found[0] is result and found[1] == cs.content_hash:
                _PANELS.move_to_end(key)
                return found[2]
    html = Markup(env.get_template("_score_panel.html").render(result=result, cs=cs, parsed=parsed))
    if cacheable:
        with _lock:
            _PANELS[key] = (result, cs.content_hash, html)
            while len(_PANELS) > MAX_PANELS:
                _PANELS.popitem(last=False)
    return html


def macro(template: str, name: str) -> Callable[..., Markup]:
    """A macro of a template, to render the rare per-request parts with the same markup."""
    return getattr(current_app.jinja_env.get_template(template).module, name)


def clear() -> None:
    """Forget every fragment (tests that change templates or criteria in place)."""
    with _lock:
        _cache.clear()
        _PANELS.clear()
