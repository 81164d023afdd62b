"""Page cursors: opaque, signed with the service's secret, bound to the listing and filter that made them.

A cursor carries the last id of a page and an HMAC-SHA256 over that id and
its binding (the listing's name and the filter's canonical JSON), keyed with
the secret the migration generated into `service_secrets`. A cursor made up,
edited, truncated or taken from another listing or filter is refused
(`InvalidInput`) before any query runs. Every page still re-applies the
filter and the actor's sites, so a cursor is never access control; signing
keeps what a client can make the service do to the pages it handed out.

The secret lives in the database every server process shares (so a cursor
from one process is good on another) and is read once per engine. Whoever
can read that table could forge cursors, and could read the data anyway.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import weakref
from datetime import datetime

from sqlalchemy import Connection, Engine, select

from edc.app.kernel.errors import InvalidInput
from edc.audit.chain import utc_iso
from edc.db.core import CURSOR_SECRET, ServiceSecret

#: ids are 64-bit: a longer number was never handed out.
MAX_CURSOR_DIGITS = 19
_VERSION = "c2"
_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,200}")
_MAC_HEX = 32
_KEYS: weakref.WeakKeyDictionary[Engine, bytes] = weakref.WeakKeyDictionary()


def binding(listing: str, **criteria: object) -> str:
    """What a cursor is bound to: the listing's name and its filter, as canonical JSON."""
    return json.dumps({"listing": listing, **criteria}, sort_keys=True, separators=(",", ":"),
                      default=lambda value: utc_iso(value) if isinstance(value, datetime) else str(value))


def encode_cursor(conn: Connection, last_id: int, bound: str) -> str:
    """An opaque, URL-safe cursor resuming after `last_id`, signed and bound to `bound`."""
    text = f"{_VERSION}.{last_id}.{_mac(conn, last_id, bound)}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(conn: Connection, cursor: str | None, bound: str) -> int:
    """The id a cursor resumes after (0 without one); InvalidInput unless this service made it for `bound`."""
    if cursor is None:
        return 0
    refused = InvalidInput("the cursor is malformed, altered or belongs to another listing or filter; "
                           "start again without a cursor")
    if not _PATTERN.fullmatch(cursor):
        raise refused
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise refused from None
    version, number, mac = (text.split(".") + ["", "", ""])[:3]
    if version != _VERSION or not number.isascii() or not number.isdigit() or len(number) > MAX_CURSOR_DIGITS:
        raise refused
    last_id = int(number)
    if last_id >= 2**63 or not hmac.compare_digest(mac, _mac(conn, last_id, bound)):
        raise refused
    if encode_cursor(conn, last_id, bound) != cursor:  # one spelling only: no padding or leading-zero variants
        raise refused
    return last_id


def _mac(conn: Connection, last_id: int, bound: str) -> str:
    key = _key(conn)
    return hmac.new(key, f"{last_id}|{bound}".encode(), hashlib.sha256).hexdigest()[:_MAC_HEX]


def _key(conn: Connection) -> bytes:
    """The cursor secret of `conn`'s database, read once per engine."""
    engine = conn.engine
    key = _KEYS.get(engine)
    if key is None:
        secret = conn.execute(select(ServiceSecret.secret).where(ServiceSecret.name == CURSOR_SECRET)).scalar()
        if secret is None:
            raise RuntimeError("service_secrets has no cursor secret: run 'edc db upgrade'")
        key = bytes.fromhex(secret)
        _KEYS[engine] = key
    return key
