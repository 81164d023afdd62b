"""Run-time settings from the environment: where the database, the definitions and the exports are."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

#: The embedded default: a SQLite file in the working directory.
DEFAULT_DATABASE_URL = "sqlite:///edc.sqlite"


def database_url() -> str:
    return os.environ.get("EDC_DATABASE_URL", DEFAULT_DATABASE_URL)


def runtime_role() -> str | None:
    """The PostgreSQL role `edc serve` connects as, granted its privileges by `edc db upgrade` (run as the
    tables' owner): EDC_RUNTIME_ROLE; unset, no grants are made (SQLite has no roles and ignores it)."""
    return os.environ.get("EDC_RUNTIME_ROLE") or None


def forms_dir() -> Path:
    """The definitions folder: EDC_FORMS_DIR, else `forms/` beside the package."""
    configured = os.environ.get("EDC_FORMS_DIR")
    if configured:
        return Path(configured)
    return project_root() / "forms"


def export_dir(sqlite_file: str | None = None) -> Path:
    """Where export jobs write their files, one subdirectory per job: EDC_EXPORT_DIR, else `exports-out/`
    beside the SQLite database file `sqlite_file`, else (PostgreSQL) in the working directory."""
    configured = os.environ.get("EDC_EXPORT_DIR")
    if configured:
        return Path(configured)
    if sqlite_file and sqlite_file != ":memory:":
        return Path(sqlite_file).resolve().parent / "exports-out"
    return Path("exports-out").resolve()


def audit_signing_key() -> Path | None:
    """The Ed25519 private key (PEM) that signs the audit trail's checkpoints: EDC_AUDIT_SIGNING_KEY
    (made by `edc audit keygen`; keep it outside the database's host if you can). Unset: no checkpoints."""
    configured = os.environ.get("EDC_AUDIT_SIGNING_KEY", "").strip()
    return Path(configured) if configured else None


def audit_anchor_log() -> Path:
    """The anchor log, the append-only JSON-lines file of signed checkpoints and key rotations, outside the
    database: EDC_AUDIT_ANCHOR_LOG, else `audit-anchors.jsonl` in the working directory."""
    configured = os.environ.get("EDC_AUDIT_ANCHOR_LOG", "").strip()
    return Path(configured) if configured else Path("audit-anchors.jsonl").resolve()


def audit_checkpoint_seconds() -> int:
    """How often a running server signs the audit trail's head when it moved: EDC_AUDIT_CHECKPOINT_SECONDS
    (default 60). Changes after the last checkpoint a verifier holds cannot be detected, so keep it short."""
    return _positive_int("EDC_AUDIT_CHECKPOINT_SECONDS", 60)


def project_root() -> Path:
    return Path(__file__).resolve().parent.parent


WORKSPACE_DEMO_ENV = "EDC_WORKSPACE_DEMO"


def workspace_demo() -> bool:
    """Whether the server runs the demo (`edc serve --demo`): its login page then lists the demo accounts."""
    return os.environ.get(WORKSPACE_DEMO_ENV) == "1"


def login_max_failures() -> int:
    """Consecutive failed logins of one account (typed username) before its logins must wait:
    EDC_LOGIN_MAX_FAILURES (default 5). The wait after that failure is 1 second, doubling with each
    further failure up to `login_lockout_minutes`; the account's live sessions are never ended by it."""
    return _positive_int("EDC_LOGIN_MAX_FAILURES", 5)


def login_address_max_failures() -> int:
    """Failed logins from one client address, whatever the usernames, before logins from it must wait
    (the same doubling wait): EDC_LOGIN_ADDRESS_MAX_FAILURES (default 20; a success does not reset it)."""
    return _positive_int("EDC_LOGIN_ADDRESS_MAX_FAILURES", 20)


def login_lockout_minutes() -> int:
    """The longest wait between failed logins, and the quiet time after a wait ends after which the
    failures are forgotten: EDC_LOGIN_LOCKOUT_MINUTES (default 15)."""
    return _positive_int("EDC_LOGIN_LOCKOUT_MINUTES", 15)


def token_ttl_minutes() -> int:
    """How long a bearer token given at login is valid: EDC_TOKEN_TTL_MINUTES (default 480, a working day)."""
    return _positive_int("EDC_TOKEN_TTL_MINUTES", 480)


def db_pool_size() -> int:
    """Database connections each server process keeps: EDC_DB_POOL_SIZE (default 10)."""
    return _positive_int("EDC_DB_POOL_SIZE", 10)


def argon2_profile() -> str:
    """Password hashing cost: EDC_ARGON2_PROFILE, `default` (argon2-cffi's defaults) or `test` (cheapest)."""
    profile = os.environ.get("EDC_ARGON2_PROFILE", "default")
    if profile not in ("default", "test"):
        raise ValueError(f"EDC_ARGON2_PROFILE must be 'default' or 'test', not {profile!r}")
    return profile


#: The plausible range of a captured date (dates, partial dates, date-times): a birth date before 1900 or
#: a visit after 2100 is a typing error, and anything far outside breaks date arithmetic (visit windows, ages).
PLAUSIBLE_DATES = (date(1900, 1, 1), date(2100, 12, 31))
_PLAUSIBLE_LIMITS = (date(1000, 1, 1), date(8999, 12, 31))  # what an override may widen the range to
_DATE_RANGE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})[.][.]([0-9]{4}-[0-9]{2}-[0-9]{2})", re.ASCII)


def plausible_dates() -> tuple[date, date]:
    """The first and last day a captured date may fall on: EDC_PLAUSIBLE_DATES as `YYYY-MM-DD..YYYY-MM-DD`
    (default 1900-01-01..2100-12-31; an override stays within 1000-01-01..8999-12-31)."""
    raw = os.environ.get("EDC_PLAUSIBLE_DATES")
    if raw is None or raw.strip() == "":
        return PLAUSIBLE_DATES
    match = _DATE_RANGE.fullmatch(raw.strip())
    try:
        if match is None:
            raise ValueError(raw)
        first, last = date.fromisoformat(match.group(1)), date.fromisoformat(match.group(2))
    except ValueError:
        raise ValueError(f"EDC_PLAUSIBLE_DATES must be two dates as YYYY-MM-DD..YYYY-MM-DD, not {raw!r}") from None
    low, high = _PLAUSIBLE_LIMITS
    if not low <= first <= last <= high:
        raise ValueError(f"EDC_PLAUSIBLE_DATES must run forwards within {low}..{high}, not {raw!r}")
    return first, last


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None
    if value < 1:
        raise ValueError(f"{name} must be at least 1, not {value}")
    return value
