"""Users, logins and tokens on real databases: validation, lock-out, expiry, revocation and their audit events.

Time is passed explicitly (`now`), never slept through. Passwords are hashed
with the cheapest Argon2 parameters (EDC_ARGON2_PROFILE=test) except where
the rehash to the production cost is tested.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from backends import POSTGRES_ONLY
from core_rows import insert_core_rows
from migrated import migrated
from sqlalchemy import Connection, Engine, Row, func, insert, select, text, update

from edc import audit
from edc.app.access.service import (
    BAD_CREDENTIALS,
    INACTIVE,
    LOCKED,
    GrantSpec,
    LoginOutcome,
    create_user,
    list_users,
    login,
    revoke_all,
    revoke_token,
)
from edc.app.access.tokens import authenticate
from edc.app.kernel.errors import Conflict, InvalidInput, Unauthenticated
from edc.app.kernel.permissions import Grant
from edc.db.core import ApiToken, RoleAssignment, Site, User
from edc.db.engine import make_engine
from edc.db.trail import AuditEvent

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("EDC_LOGIN_MAX_FAILURES", "EDC_LOGIN_LOCKOUT_MINUTES", "EDC_TOKEN_TTL_MINUTES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("EDC_ARGON2_PROFILE", "test")


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A migrated database with study `mini` (sites 01 and 02) and user `ann`, investigator at site 01."""
    migrated(db_url)
    engine = make_engine(db_url)
    with engine.begin() as conn:
        insert_core_rows(conn)
        conn.execute(insert(Site).values(study_id="mini", code="02", name="Second"))
        create_user(conn, username="ann", full_name="Ann Example", password=PASSWORD, now=NOW,
                    grants=[GrantSpec("investigator", "mini", "01")])
    yield engine
    engine.dispose()


def attempt(engine: Engine, password: str, at: datetime = NOW, username: str = "ann") -> LoginOutcome:
    """One login in its own committed transaction, as the API does it."""
    with engine.begin() as conn:
        return login(conn, username=username, password=password, now=at)


def token_of(engine: Engine, at: datetime = NOW, username: str = "ann") -> str:
    outcome = attempt(engine, PASSWORD, at, username)
    assert outcome.ok and outcome.token is not None, outcome
    return outcome.token


def actions(engine: Engine) -> list[tuple[str, int | None, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(select(AuditEvent.action, AuditEvent.user_id, AuditEvent.item).order_by(AuditEvent.id))
        return [(r.action, r.user_id, r.item) for r in rows]


def user_row(engine: Engine, username: str = "ann") -> Row[Any]:
    with engine.connect() as conn:
        return conn.execute(select(User).where(User.username == username)).one()


def site_id(conn: Connection, code: str) -> int:
    return int(conn.execute(select(Site.id).where(Site.study_id == "mini", Site.code == code)).scalar_one())


def test_create_user_stores_the_user_grants_and_audit_events(engine: Engine) -> None:
    with engine.begin() as conn:
        user_id = create_user(conn, username="mo.nitor", full_name="Mo Nitor", password=PASSWORD, now=NOW,
                              email="mo@example.org", created_by=1,
                              grants=[GrantSpec("monitor", "mini"), GrantSpec("coordinator", "mini", "02"),
                                      GrantSpec("safety_reviewer")])
        stored = conn.execute(select(User).where(User.id == user_id)).one()
        grants = set(conn.execute(select(RoleAssignment.role, RoleAssignment.study_id, RoleAssignment.site_id)
                                  .where(RoleAssignment.user_id == user_id)))
        second = site_id(conn, "02")
    assert stored.password_hash.startswith("$argon2id$") and PASSWORD not in stored.password_hash
    assert (stored.full_name, stored.email, stored.is_active, stored.failed_logins) == (
        "Mo Nitor", "mo@example.org", True, 0)
    assert grants == {("monitor", "mini", None), ("coordinator", "mini", second), ("safety_reviewer", None, None)}
    assert actions(engine)[-4:] == [("user.create", 1, "mo.nitor")] + [("user.grant", 1, "mo.nitor")] * 3
    with engine.connect() as conn:
        events = conn.execute(select(AuditEvent.new_value, AuditEvent.site_id)
                              .where(AuditEvent.action == "user.grant", AuditEvent.item == "mo.nitor")).all()
        assert audit.verify(conn).ok
    assert ('"coordinator:mini:02"', second) in events


@pytest.mark.parametrize(("changes", "message"), [
    ({"username": "Ann2"}, "username 'Ann2' is not valid"),
    ({"username": "a"}, "is not valid"),
    ({"username": "x" * 31}, "is not valid"),
    ({"username": "bob smith"}, "is not valid"),
    ({"full_name": "  "}, "full name"),
    ({"email": "bob-at-example"}, "email 'bob-at-example'"),
    ({"password": "short pw 11"}, "at least 12 characters"),
    ({"password": " " * 12}, "blank"),
    ({"grants": []}, "at least one grant"),
    ({"grants": [GrantSpec("sponsor", "mini")]}, "unknown role 'sponsor'"),
    ({"grants": [GrantSpec("monitor", "nope")]}, "unknown study 'nope'"),
    ({"grants": [GrantSpec("investigator", "mini", "09")]}, "study 'mini' has no site '09'"),
    ({"grants": [GrantSpec("investigator", "mini")]}, "site staff (investigator) must be granted a study and a site"),
    ({"grants": [GrantSpec("coordinator")]}, "site staff (coordinator)"),
    ({"grants": [GrantSpec("monitor", None, "01")]}, "names a site but no study"),
    ({"grants": [GrantSpec("monitor", "mini")] * 2}, "listed twice"),
])
def test_create_user_refuses_bad_input_and_writes_nothing(engine: Engine, changes: dict[str, object],
                                                          message: str) -> None:
    before = actions(engine)
    arguments: dict[str, object] = {"username": "bob", "full_name": "Bob", "password": PASSWORD,
                                    "grants": [GrantSpec("monitor", "mini")], "email": None}
    arguments.update(changes)
    with engine.begin() as conn, pytest.raises(InvalidInput) as refused:
        create_user(conn, now=NOW, **arguments)  # type: ignore[arg-type]
    assert message in str(refused.value)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(User)).scalar_one() == 2
    assert actions(engine) == before


def test_a_taken_username_is_a_conflict(engine: Engine) -> None:
    with engine.begin() as conn, pytest.raises(Conflict, match="username 'ann' is taken"):
        create_user(conn, username="ann", full_name="Another Ann", password=PASSWORD, now=NOW,
                    grants=[GrantSpec("monitor", "mini")])


@pytest.mark.parametrize("db_url", POSTGRES_ONLY, indirect=True)
def test_a_username_taken_concurrently_is_a_conflict_and_the_transaction_goes_on(engine: Engine) -> None:
    """The first insert is still uncommitted when the second transaction checks: the unique index decides."""
    outcome: list[BaseException | int] = []
    with engine.begin() as first:
        create_user(first, username="zoe", full_name="Zoe", password=PASSWORD, now=NOW,
                    grants=[GrantSpec("monitor", "mini")])

        def second() -> None:
            with engine.begin() as conn:
                try:
                    create_user(conn, username="zoe", full_name="Zoe Too", password=PASSWORD, now=NOW,
                                grants=[GrantSpec("monitor", "mini")])
                except Conflict as exc:
                    outcome.append(exc)
                outcome.append(int(conn.execute(select(func.count()).select_from(User)).scalar_one()))

        worker = threading.Thread(target=second)
        worker.start()
        wait_for_lock_waiter(first)
    worker.join(timeout=60)
    assert isinstance(outcome[0], Conflict) and outcome[1] == 3  # the savepoint kept the transaction usable


def wait_for_lock_waiter(conn: Connection) -> None:
    """Poll until another session waits on a lock (the second insert blocked on the unique index)."""
    query = text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                 "AND datname = current_database()")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with conn.engine.connect() as probe:
            if probe.execute(query).scalar_one():
                return
        time.sleep(0.02)
    raise AssertionError("the second transaction never waited")


def test_login_gives_a_token_stored_only_as_its_hash(engine: Engine) -> None:
    outcome = attempt(engine, PASSWORD)
    assert outcome.ok and outcome.token and outcome.reason is None
    assert outcome.expires_at == NOW + timedelta(minutes=480)
    with engine.connect() as conn:
        stored = conn.execute(select(ApiToken)).one()
        ann = conn.execute(select(User.id).where(User.username == "ann")).scalar_one()
    assert stored.user_id == outcome.user_id == ann
    assert len(stored.token_sha256) == 64 and outcome.token not in stored.token_sha256
    assert actions(engine)[-1] == ("auth.login", ann, "ann")


def test_authenticate_gives_the_principal_with_its_grants(engine: Engine) -> None:
    token = token_of(engine)
    with engine.connect() as conn:
        principal = authenticate(conn, token, NOW + timedelta(minutes=5))
        first = site_id(conn, "01")
    assert (principal.username, principal.full_name) == ("ann", "Ann Example")
    assert principal.grants == (Grant("investigator", "mini", first),)


@pytest.mark.parametrize("token", ["", "forged", "x" * 5000])
def test_an_unknown_token_is_unauthenticated(engine: Engine, token: str) -> None:
    with engine.connect() as conn, pytest.raises(Unauthenticated):
        authenticate(conn, token, NOW)


def test_a_wrong_password_is_refused_counted_and_audited(engine: Engine) -> None:
    assert attempt(engine, "not the password") == LoginOutcome(ok=False, reason=BAD_CREDENTIALS)
    ann = user_row(engine)
    assert ann.failed_logins == 1 and ann.locked_until is None
    event = actions(engine)[-1]
    assert event == ("auth.login_failed", ann.id, "ann")


def test_an_unknown_user_is_refused_exactly_like_a_wrong_password(engine: Engine) -> None:
    wrong, unknown = attempt(engine, "not the password"), attempt(engine, PASSWORD, username="nobody")
    assert wrong == unknown == LoginOutcome(ok=False, reason=BAD_CREDENTIALS)
    assert actions(engine)[-1] == ("auth.login_failed", None, "nobody")


@pytest.mark.parametrize(("username", "item"), [
    ("é" * 500, "é" * 30),
    ("ann\x00", "ann\ufffd"),
    ("\ud800ann", "?ann"),
    ("ANN", "ANN"),
])
def test_any_typed_username_is_refused_and_audited_storably(engine: Engine, username: str, item: str) -> None:
    assert attempt(engine, PASSWORD, username=username) == LoginOutcome(ok=False, reason=BAD_CREDENTIALS)
    assert actions(engine)[-1] == ("auth.login_failed", None, item)


def test_a_password_with_a_lone_surrogate_is_simply_wrong(engine: Engine) -> None:
    assert attempt(engine, "\ud800" * 12).reason == BAD_CREDENTIALS
    with engine.connect() as conn, pytest.raises(Unauthenticated):
        authenticate(conn, "\ud800", NOW)


def test_repeated_failures_lock_the_account_until_the_lock_expires(engine: Engine) -> None:
    for minute in range(5):
        assert attempt(engine, "guess", NOW + timedelta(minutes=minute)).reason == BAD_CREDENTIALS
    locked_at = NOW + timedelta(minutes=4)
    ann = user_row(engine)
    assert ann.locked_until.replace(tzinfo=UTC) == locked_at + timedelta(minutes=15)
    assert [a for a, _, _ in actions(engine)[-2:]] == ["auth.login_failed", "auth.lockout"]
    assert attempt(engine, PASSWORD, locked_at + timedelta(minutes=14)) == LoginOutcome(ok=False, reason=LOCKED)
    assert actions(engine)[-1][0] == "auth.login_failed"  # refused while locked: not counted, lock not extended
    assert user_row(engine).failed_logins == 0
    assert attempt(engine, PASSWORD, locked_at + timedelta(minutes=15, seconds=1)).ok
    assert user_row(engine).failed_logins == 0


def test_the_lock_out_follows_the_settings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDC_LOGIN_MAX_FAILURES", "2")
    monkeypatch.setenv("EDC_LOGIN_LOCKOUT_MINUTES", "3")
    attempt(engine, "guess")
    attempt(engine, "guess")
    assert attempt(engine, PASSWORD, NOW + timedelta(minutes=2)).reason == LOCKED
    assert attempt(engine, PASSWORD, NOW + timedelta(minutes=3)).ok


def test_failures_after_an_expired_lock_count_from_zero(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDC_LOGIN_MAX_FAILURES", "2")
    attempt(engine, "guess")
    attempt(engine, "guess")
    later = NOW + timedelta(minutes=20)
    assert attempt(engine, "guess", later).reason == BAD_CREDENTIALS
    assert attempt(engine, PASSWORD, later).ok


def test_a_success_resets_the_failure_count(engine: Engine) -> None:
    for _ in range(4):
        attempt(engine, "guess")
    assert attempt(engine, PASSWORD).ok
    for _ in range(4):
        attempt(engine, "guess")
    assert attempt(engine, PASSWORD).ok
    assert "auth.lockout" not in [a for a, _, _ in actions(engine)]


def test_a_refusal_persists_when_the_caller_commits(engine: Engine) -> None:
    with engine.begin() as conn:
        assert not login(conn, username="ann", password="guess", now=NOW).ok
    with engine.connect() as conn:
        assert conn.execute(select(User.failed_logins).where(User.username == "ann")).scalar_one() == 1
        assert conn.execute(select(func.count()).where(AuditEvent.action == "auth.login_failed")).scalar_one() == 1
        assert audit.verify(conn).ok


def test_a_token_expires(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDC_TOKEN_TTL_MINUTES", "30")
    token = token_of(engine)
    with engine.connect() as conn:
        assert authenticate(conn, token, NOW + timedelta(minutes=29, seconds=59)).username == "ann"
        with pytest.raises(Unauthenticated, match="expired"):
            authenticate(conn, token, NOW + timedelta(minutes=30))


def test_a_revoked_token_is_refused_and_the_logout_audited(engine: Engine) -> None:
    token, other = token_of(engine), token_of(engine)
    with engine.begin() as conn:
        principal = authenticate(conn, token, NOW)
        revoke_token(conn, token, NOW, principal.user_id)
    assert actions(engine)[-1] == ("auth.logout", principal.user_id, "ann")
    with engine.connect() as conn:
        with pytest.raises(Unauthenticated):
            authenticate(conn, token, NOW)
        assert authenticate(conn, other, NOW).user_id == principal.user_id  # other sessions go on
        with pytest.raises(Unauthenticated):
            revoke_token(conn, token, NOW, principal.user_id)


def test_a_token_is_revoked_only_by_its_user(engine: Engine) -> None:
    token = token_of(engine)
    with engine.begin() as conn, pytest.raises(Unauthenticated):
        revoke_token(conn, token, NOW, user_id=1)  # user `inv` from the core rows
    with engine.connect() as conn:
        assert authenticate(conn, token, NOW).username == "ann"


def test_revoke_all_ends_every_session(engine: Engine) -> None:
    tokens = [token_of(engine), token_of(engine)]
    with engine.begin() as conn:
        ann = authenticate(conn, tokens[0], NOW).user_id
        assert revoke_all(conn, ann, NOW, by=1) == 2
    assert actions(engine)[-1] == ("auth.revoke_all", 1, "ann")
    with engine.connect() as conn:
        for token in tokens:
            with pytest.raises(Unauthenticated):
                authenticate(conn, token, NOW)


def test_an_inactive_user_cannot_log_in_nor_use_a_token(engine: Engine) -> None:
    token = token_of(engine)
    with engine.begin() as conn:
        conn.execute(update(User).where(User.username == "ann").values(is_active=False))
    assert attempt(engine, PASSWORD) == LoginOutcome(ok=False, reason=INACTIVE)
    assert actions(engine)[-1][0] == "auth.login_failed"
    with engine.connect() as conn, pytest.raises(Unauthenticated, match="inactive or locked"):
        authenticate(conn, token, NOW)


def test_a_locked_users_tokens_are_refused_while_the_lock_lasts(engine: Engine) -> None:
    token = token_of(engine)
    for _ in range(5):
        attempt(engine, "guess")
    with engine.connect() as conn:
        with pytest.raises(Unauthenticated):
            authenticate(conn, token, NOW + timedelta(minutes=1))
        assert authenticate(conn, token, NOW + timedelta(minutes=16)).username == "ann"


def test_a_malformed_stored_grant_grants_nothing(engine: Engine) -> None:
    with engine.begin() as conn:
        ann = conn.execute(select(User.id).where(User.username == "ann")).scalar_one()
        conn.execute(insert(RoleAssignment).values(user_id=ann, role="coordinator", study_id="mini", site_id=None))
    with engine.connect() as conn:
        assert [g.role for g in authenticate(conn, token_of(engine), NOW).grants] == ["investigator"]


def test_an_outdated_hash_is_replaced_at_login(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    cheap = user_row(engine).password_hash
    monkeypatch.setenv("EDC_ARGON2_PROFILE", "default")
    assert attempt(engine, PASSWORD).ok
    rehashed = user_row(engine).password_hash
    assert rehashed != cheap and "m=65536,t=3,p=4" in rehashed
    assert attempt(engine, PASSWORD).ok
    assert user_row(engine).password_hash == rehashed


def test_list_users_shows_grants_as_written(engine: Engine) -> None:
    with engine.connect() as conn:
        listed = {u.username: u for u in list_users(conn)}
    assert [str(g) for g in listed["ann"].grants] == ["investigator:mini:01"]
    assert listed["inv"].grants == () and listed["ann"].is_active and listed["ann"].locked_until is None
