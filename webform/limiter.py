"""Failed-login throttling kept in the database, so every worker process (gunicorn) sees the same counts.

Throttle the guesser, not the owner (issue 9.6):

- per (account, address): `pair_max` failures in `window` seconds block that pair until the oldest ages out.
  One person's typos lock only themselves out of that one account; colleagues behind the same router, and the
  account's owner elsewhere, are not affected;
- per account, from every address: past `account_soft` failures in the window, an address that has itself
  failed on the account waits 2, 4, 8 … seconds (at most the window) after the account's last failure. An
  address with no failure on the account is never delayed, so the owner's right password still gets in while
  someone else is guessing;
- per address, across accounts: `address_max` failures in the window (one machine trying many accounts)
  block that address.

Rows older than the window are deleted on every write, and the table never holds more than `max_rows`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .models import LoginAttempt


@dataclass(frozen=True)
class Limits:
    pair_max: int = 5
    window: int = 900
    account_soft: int = 20
    address_max: int = 100
    max_rows: int = 50_000


def _key(username: str, address: str | None) -> tuple[str, str]:
    return username[:60], (address or "")[:64]


def blocked(session: Session, limits: Limits, username: str, address: str | None,
            now: float | None = None) -> bool:
    """Whether this (account, address) must wait before its next try; reads only, so it costs no write."""
    now = time.time() if now is None else now
    user, addr = _key(username, address)
    since = now - limits.window
    recent = LoginAttempt.at > since
    pair = session.scalar(select(func.count()).where(LoginAttempt.username == user,
                                                     LoginAttempt.address == addr, recent)) or 0
    if pair >= limits.pair_max:
        return True
    by_address = session.scalar(select(func.count()).where(LoginAttempt.address == addr, recent)) or 0
    if by_address >= limits.address_max:
        return True
    if pair == 0:
        return False  # this address has not failed on the account: the owner is never delayed
    account, last = session.execute(select(func.count(), func.max(LoginAttempt.at))
                                    .where(LoginAttempt.username == user, recent)).one()
    if account >= limits.account_soft and last is not None:
        delay = min(limits.window, 2 ** min(account - limits.account_soft + 1, 20))
        return now - last < delay
    return False


def record_failure(session: Session, limits: Limits, username: str, address: str | None,
                   now: float | None = None) -> None:
    """Note a failed login and prune (the caller commits)."""
    now = time.time() if now is None else now
    user, addr = _key(username, address)
    session.execute(delete(LoginAttempt).where(LoginAttempt.at <= now - limits.window))
    session.add(LoginAttempt(username=user, address=addr, at=now))
    session.flush()
    newest = session.scalar(select(func.max(LoginAttempt.id))) or 0
    if newest > limits.max_rows:
        session.execute(delete(LoginAttempt).where(LoginAttempt.id <= newest - limits.max_rows))


def clear_pair(session: Session, username: str, address: str | None) -> None:
    """After a successful login: this address's failures on this account are forgotten (caller commits)."""
    user, addr = _key(username, address)
    session.execute(delete(LoginAttempt).where(LoginAttempt.username == user, LoginAttempt.address == addr))
