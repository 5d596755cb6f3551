"""What a service says when it refuses: the Vietnamese messages the user reads, and the HTTP status a route
answers with (the CLI prints the messages)."""

from __future__ import annotations

from typing import Any


class Refused(Exception):
    """Refused, nothing stored, with the Vietnamese messages the user sees and the HTTP status."""

    def __init__(self, messages: list[str], status: int = 400) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages
        self.status = status


class Stale(Refused):
    """The record changed since the user opened the page (or while this request wrote): nothing stored.
    `current` is the record as it is now, for the page shown next."""

    def __init__(self, messages: list[str], current: Any) -> None:
        super().__init__(messages, 409)
        self.current = current


class FieldRefused(Refused):
    """Refused because of one field: `error` is said beside it, `messages` at the top of the page."""

    def __init__(self, messages: list[str], error: str, status: int = 400) -> None:
        super().__init__(messages, status)
        self.error = error
