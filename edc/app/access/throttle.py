"""Login throttling: failed logins make the next login of that account, or from that address, wait.

Two counters, each a `login_throttles` row in the database (so every server
on one database shares them):

- `account`: keyed by the SHA-256 of the typed username, whether or not a
  user has it, so an unknown name is throttled exactly like a known one (a 429
  tells nobody that the user exists) and the table never holds typed text.
  From the `config.login_max_failures()`-th consecutive failure on, the next
  login must wait 1 s, then 2 s, 4 s ... at most `config.login_lockout_minutes()`;
  a success forgets the account's failures.
- `address`: keyed by the client's address, counting failures across every
  username, throttled the same way from `config.login_address_max_failures()`
  on. A success does not reset it (one's own account would otherwise launder
  guesses at others).

A counter is forgotten after `login_lockout_minutes` with no failure once its
wait has ended; forgotten rows are deleted as failures are counted, so the
table holds only the last minutes' failures. A login attempted during a wait is refused before its password
is checked and is not counted (so it does not extend the wait). Throttling
never touches tokens: live sessions go on.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from edc import config
from edc.app.access import store
from edc.app.kernel.clock import stored_utc

ACCOUNT, ADDRESS = "account", "address"
#: The address recorded when the request's client is not known.
UNKNOWN_ADDRESS = "unknown"
_KEY_LENGTH = 64
_MAX_DOUBLINGS = 30


@dataclass(frozen=True)
class Counted:
    """A counter after one more failure: the count, and until when logins wait (None: no wait yet)."""

    kind: str
    failures: int
    blocked_until: datetime | None


def account_key(username: str) -> tuple[str, str]:
    """The account counter of a typed username: the SHA-256 of its text (known user or not)."""
    return ACCOUNT, hashlib.sha256(username.encode("utf-8", "surrogatepass")).hexdigest()


def address_key(address: str) -> tuple[str, str]:
    """The address counter of a client address (cut to the key's length)."""
    return ADDRESS, (address or UNKNOWN_ADDRESS)[:_KEY_LENGTH]


def wait_seconds(conn: Connection, keys: Sequence[tuple[str, str]], now: datetime) -> int | None:
    """Whole seconds until every wait of `keys` has ended (at least 1), None when none is running at `now`."""
    ends = [stored_utc(row.blocked_until) for row in store.throttles(conn, keys) if row.blocked_until is not None]
    latest = max((end for end in ends if end > now), default=None)
    if latest is None:
        return None
    return max(1, math.ceil((latest - now).total_seconds()))


def count_failures(conn: Connection, keys: Sequence[tuple[str, str]], now: datetime) -> list[Counted]:
    """Count one failed login on each of `keys`, in their order (one lock order), after deleting the
    counters quiet for twice the longest wait (forgotten: their wait ended and they stayed quiet as long)."""
    store.purge_throttles(conn, now - 2 * timedelta(minutes=config.login_lockout_minutes()))
    return [count_failure(conn, key, now) for key in keys]


def count_failure(conn: Connection, key: tuple[str, str], now: datetime) -> Counted:
    """Count one failed login on `key` (its row locked until the transaction ends) and set the next wait."""
    kind, text = key
    row = store.lock_throttle(conn, kind, text, now)
    failures = (0 if _forgotten(row.last_failure, row.blocked_until, now) else int(row.failures)) + 1
    pause = delay(failures, _threshold(kind))
    until = None if pause is None else now + pause
    store.set_throttle(conn, kind, text, failures=failures, last_failure=now, blocked_until=until)
    return Counted(kind, failures, until)


def forget(conn: Connection, key: tuple[str, str]) -> None:
    """Forget the failures of `key` (after a successful login of the account)."""
    store.clear_throttle(conn, *key)


def delay(failures: int, threshold: int) -> timedelta | None:
    """The wait after `failures` consecutive failures: none below `threshold`, then 1 s doubling, capped."""
    if failures < threshold:
        return None
    cap = config.login_lockout_minutes() * 60
    return timedelta(seconds=min(2 ** min(failures - threshold, _MAX_DOUBLINGS), cap))


def _threshold(kind: str) -> int:
    return config.login_max_failures() if kind == ACCOUNT else config.login_address_max_failures()


def _forgotten(last_failure: datetime, blocked_until: datetime | None, now: datetime) -> bool:
    """Whether the counter has been quiet long enough (the longest wait, after its own wait ended)."""
    quiet_since = stored_utc(blocked_until if blocked_until is not None else last_failure)
    return now - quiet_since >= timedelta(minutes=config.login_lockout_minutes())
