"""The one module that knows durable_rules (2.0.28, frozen since 2020). Nothing else imports it.

What it offers the rest of the engine: a named set of rules, each a conjunction of comparisons on the
fields of one fact, `fire(fact)` returning the names of the rules that matched, and `fire_many(facts)`
doing the same for many facts at a fraction of the cost.

How it avoids durable_rules' sharp edges (see docs/reference/durable-rules.md):
- No `durable.engine.Host`: its timer threads race with synchronous calls and crash under threads. The
  rulesets are created directly on the C extension and nothing runs in the background.
- No Python action per rule. The stock dispatcher builds a closure, serialises the session state and
  parses the fact again for every firing. Here each firing only yields its rule name, read from the head of
  the action's JSON, and the next action is started at once: `make bench` (tests/bench/bench_engine.py)
  runs both on the same facts and prints their rates.
  Because no action runs our code, there is no `state["exception"]` to swallow errors: a failure of the
  engine itself raises.
- Every fact carries a discriminator field that every rule requires, so the session state document
  (re-asserted by the engine after each action) can never match a rule and loop.
- A fresh session id per call (per batch of facts in fire_many) and `delete_state` in `finally`: state
  never accumulates, and the limit of 1,024 live sessions per ruleset is never approached (a call holds
  one session at a time). Every session must start at least one action before it is deleted: the C
  engine leaves a new session's action context unset until an action starts, and `delete_state` frees
  it (a crash, "free(): invalid pointer", seen when the first fact of a ruleset matched nothing). One
  rule matches the fact at position 0 of every call, and only it, so that each session starts exactly
  one action of its own.
- `fire_many(facts)` asserts up to BATCH facts into one session (`assert_facts`), since opening a session
  is most of a call's cost (it allocates every rule's frames, docs/reference/durable-rules.md). Each fact
  carries its position `"n"` as its first field, so an action's JSON begins `{"<rule>":{"m":{"n":<k>,` and
  both the rule and the fact are read from its head. Every rule has a single pattern, so facts of one
  session never join, and the discriminator keeps the state document from matching: each fact gets
  exactly the rules `fire` would give it (in an order that is not specified, for either method).
- One lock around assert…delete (per batch in fire_many): the C engine is not thread-safe; its calls
  hold the GIL anyway, so the lock costs nothing measurable.
- Only whole numbers and booleans reach a rule (the caller validates strictly first): durable_rules
  compares strings with numbers lexicographically and lets a missing field match nothing.
- Every firing's action carries its whole fact as JSON, so the facts' field names are as short as they
  come (`short_names`: one or two letters, given out by the builders of rules and facts, engine/compile.py
  and engine/ntm/linker.py). The C engine tells a fact's fields apart by a 32-bit hash of their names
  alone: a ruleset whose names share a hash is refused.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import string
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import durable_rules_engine as _dre
import orjson

Op = Literal["==", ">=", "<=", ">", "<"]
_OPS = {">=": "$gte", "<=": "$lte", ">": "$gt", "<": "$lt"}
# Short, like the fields (see short_names), and never one of them: short_names gives letters only.
_DISCRIMINATOR = ("_", True)
_DISCRIMINATOR_JSON = orjson.dumps({_DISCRIMINATOR[0]: _DISCRIMINATOR[1]}).decode()[1:-1]  # "_":true
# What the engine and this module put in a fact or the session state document beside the caller's fields.
RESERVED = frozenset({"sid", "id", "n", "$s", _DISCRIMINATOR[0]})
_LETTERS = string.ascii_lowercase + string.ascii_uppercase
# Matches the fact at position 0 of each call (fire gives its one fact position 0 too). createStateNode
# (src/rules/state.c) leaves a new session's action context (context.messages, context.stateFact) as
# malloc left it, startAction sets it, deleteStateNode frees it: a session in which no action ever
# started crashes `delete_state` (an abort or a segfault, seen when the first fact of a ruleset matched
# nothing; reproduced on 2.0.28, docs/reference/durable-rules.md). With
# this rule every session starts one action. Matching only position 0 rather than every fact saves a
# firing per fact (docs/reference/durable-rules.md).
_ALWAYS = "$fact"
# Facts per session in fire_many: measured on this project's rulesets, 50 a session ran 2.3× faster than
# one a session; larger sessions got slower again (the engine's per-session lists grow).
BATCH = 50
# A fact's position in its batch as the head of an action spells it, the two characters after '"n":' (a
# digit and the comma before "sid", or two digits; BATCH <= 100): one look-up per firing, not a parse.
_POSITIONS = {f"{n}," if n < 10 else str(n): n for n in range(BATCH)}
if BATCH > 100:  # pragma: no cover - a guard for whoever changes BATCH: three digits need another reading
    raise RuntimeError("engine/rules.py reads a position from two characters: BATCH must be at most 100")

_lock = threading.Lock()
_names = itertools.count(1)
_sessions = itertools.count(1)


@dataclass(frozen=True)
class Comparison:
    field: str
    op: Op
    value: int | bool

    def to_durable(self) -> dict:
        if self.op == "==":
            return {self.field: self.value}
        return {_OPS[self.op]: {self.field: self.value}}


class RuleEngineError(RuntimeError):
    pass


def short_names() -> Iterator[str]:
    """Fact field names, shortest first: a…z, A…Z, then two letters, never a reserved one ("n"). Each
    firing serialises its whole fact, and a fact's text is parsed and its fields hashed per assert: a
    criteria fact with one letter per field is about half as long as with the item ids spelt out."""
    for size in itertools.count(1):
        for letters in itertools.product(_LETTERS, repeat=size):
            name = "".join(letters)
            if name not in RESERVED:
                yield name


def name_hash(name: str) -> int:
    """The C engine's hash of a field name (FNV-1a, 32 bits, src/rules/state.c fnv1Hash32): the engine
    matches a fact's field to a rule's by this hash alone."""
    value = 0x811C9DC5
    for byte in name.encode("ascii"):
        value = ((value ^ byte) * 16777619) & 0xFFFFFFFF
    return value


class RuleSet:
    """A compiled set of rules; thread-safe; build once and reuse."""

    def __init__(self, name: str, rules: Mapping[str, Sequence[Comparison]]) -> None:
        if not rules:
            raise ValueError("a ruleset needs at least one rule")
        fields = {c.field for comparisons in rules.values() for c in comparisons}
        if fields & RESERVED:
            raise ValueError(f"fact fields {sorted(fields & RESERVED)} are the engine's own")
        hashes: dict[int, str] = {}
        for field in sorted(fields | RESERVED):
            if not field.isascii() or '"' in field or "\\" in field or "." in field:
                raise ValueError(f"fact field {field!r} must be ASCII, without quotes, backslashes or dots")
            other = hashes.setdefault(name_hash(field), field)
            if other != field:
                raise ValueError(f"fact fields {other!r} and {field!r} share a hash in durable_rules")
        definition: dict[str, dict] = {
            _ALWAYS: {"all": [{"m": {"$and": [{_DISCRIMINATOR[0]: _DISCRIMINATOR[1]}, {"n": 0}]}}]}}
        for rule_name, comparisons in rules.items():
            if '"' in rule_name or "\\" in rule_name or rule_name == _ALWAYS:
                raise ValueError(f"rule name {rule_name!r} must not contain quotes or backslashes")
            terms = [{_DISCRIMINATOR[0]: _DISCRIMINATOR[1]}] + [c.to_durable() for c in comparisons]
            definition[rule_name] = {"all": [{"m": {"$and": terms}}]}
        # Ruleset names must be unique per process; several criteria sets (or test engines) may coexist.
        self.name = f"{name}#{next(_names)}"
        with _lock:
            self._handle = _dre.create_ruleset(self.name, json.dumps(definition, ensure_ascii=False))

    def fire(self, fact: Mapping[str, int | bool]) -> list[str]:
        """Assert one fact in a fresh session and return the names of the rules that matched it."""
        if "sid" in fact or _DISCRIMINATOR[0] in fact or "n" in fact:
            raise ValueError("a fact must not carry the session id, the discriminator or n itself")
        sid = str(next(_sessions))
        # The fact's own fields after its position (0: the session's one action of its own), the session id
        # and the discriminator: orjson writes the fact, and the fields are put in front of its first key
        # (an empty fact is "{}").
        body = orjson.dumps(fact).decode()
        text = f'{{"n":0,"sid":"{sid}",{_DISCRIMINATOR_JSON}{"," if len(body) > 2 else ""}{body[1:]}'
        fired = []
        for action in self._session(sid, _dre.assert_fact, text):
            # The action JSON is {"<rule name>": {...}}: the name is all we need.
            name = action[2 : action.index('"', 2)]
            if name != _ALWAYS:
                fired.append(name)
        return fired

    def fire_many(self, facts: Sequence[Mapping[str, int | bool]]) -> list[list[str]]:
        """`fire` for each fact, in order, sharing one session among up to BATCH facts."""
        for fact in facts:
            if "sid" in fact or _DISCRIMINATOR[0] in fact or "n" in fact:
                raise ValueError("a fact must not carry the session id, the discriminator or n itself")
        fired: list[list[str]] = [[] for _ in facts]
        dumps, index, positions = orjson.dumps, str.index, _POSITIONS
        for start in range(0, len(facts), BATCH):
            chunk = facts[start:start + BATCH]
            sid = str(next(_sessions))
            head = f'"sid":"{sid}",{_DISCRIMINATOR_JSON}'
            parts = []
            for position, fact in enumerate(chunk):
                body = dumps(fact).decode()
                parts.append(f'{{"n":{position},{head}{"," if len(body) > 2 else ""}{body[1:]}')
            out = fired[start:start + BATCH]
            for action in self._session(sid, _dre.assert_facts, "[" + ",".join(parts) + "]"):
                # {"<rule name>":{"m":{"n":<position>,...}}}: the rule goes to its fact; past '":{"m":{"n":',
                # two characters name the position (one digit and its comma, or two digits).
                end = index(action, '"', 2)
                out[positions[action[end + 12:end + 14]]].append(action[2:end])
            # The session's own firing, on its first fact, once per batch rather than a test per firing.
            out[0].remove(_ALWAYS)
        return fired

    def _session(self, sid: str, assert_call: Callable[[Any, str], tuple[int, Any]], text: str) -> list[str]:
        """Assert `text` (assert_fact or assert_facts) in session `sid` and return each action's JSON, all
        under the one lock; the session is deleted whatever happens, unless it started no action (deleting
        it would crash the C engine: it is left, one of the 1,024, and the call raises). The actions are
        only read, after the session is gone: nothing calls back into durable_rules."""
        handle = self._handle
        complete = _dre.complete_and_start_action
        actions: list[str] = []
        append = actions.append
        deletable = True  # until the facts are in: an assert that failed left no session or an empty one
        with _lock:
            try:
                # The result code says whether every fact matched a rule; most facts of a batch match
                # none of their own: only the actions say what fired.
                _, state = assert_call(handle, text)
                deletable = False
                started = _dre.start_action_for_state(handle, state)
                if not started:  # pragma: no cover - the rule matching position 0 always fires
                    raise RuleEngineError(f"durable_rules started no action on ruleset {self.name}")
                deletable = True
                action = started[1]
                while action:
                    append(action)
                    action = complete(handle, state)
            except _dre.error as exc:  # pragma: no cover - the C engine's own failures
                raise RuleEngineError(f"durable_rules failed on ruleset {self.name}: {exc}") from exc
            finally:
                if deletable:
                    # Nothing may have been stored for this session; that is fine.
                    with contextlib.suppress(_dre.error):
                        _dre.delete_state(handle, sid)
        return actions

    def close(self) -> None:
        with _lock:
            if self._handle is not None:
                _dre.delete_ruleset(self._handle)
                self._handle = None
