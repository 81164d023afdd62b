"""Users, logins and tokens on real databases: validation, throttling, expiry, revocation and their audit events.

Time is passed explicitly (`now`), never slept through. Passwords are hashed
with the cheapest Argon2 parameters (EDC_ARGON2_PROFILE=test) except where
the rehash to the production cost is tested.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from backends import POSTGRES_ONLY
from core_rows import insert_core_rows
from migrated import migrated
from sqlalchemy import Connection, Engine, Row, delete, func, insert, select, text, update

from edc import audit
from edc.app.access.service import (
    BAD_CREDENTIALS,
    INACTIVE,
    THROTTLED,
    GrantSpec,
    LoginOutcome,
    create_user,
    list_users,
    login,
    reauthenticate,
    revoke_all,
    revoke_token,
)
from edc.app.access.throttle import account_key, address_key
from edc.app.access.tokens import authenticate
from edc.app.kernel.errors import Conflict, InvalidInput, Unauthenticated
from edc.app.kernel.permissions import Grant
from edc.db.core import ApiToken, LoginThrottle, RoleAssignment, Site, User
from edc.db.engine import make_engine
from edc.db.trail import AuditEvent

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"
ADDRESS = "192.0.2.10"


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("EDC_LOGIN_MAX_FAILURES", "EDC_LOGIN_ADDRESS_MAX_FAILURES", "EDC_LOGIN_LOCKOUT_MINUTES",
                 "EDC_TOKEN_TTL_MINUTES"):
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


def attempt(engine: Engine, password: str, at: datetime = NOW, username: str = "ann",
            address: str = ADDRESS) -> LoginOutcome:
    """One login in its own committed transaction, as the API does it."""
    with engine.begin() as conn:
        return login(conn, username=username, password=password, now=at, address=address)


def failures(engine: Engine, key: tuple[str, str]) -> int:
    """The stored failure count of a throttle key (0 when it has no row)."""
    with engine.connect() as conn:
        found = conn.execute(select(LoginThrottle.failures).where(LoginThrottle.kind == key[0],
                                                                  LoginThrottle.key == key[1])).scalar()
    return 0 if found is None else int(found)


def audit_text(engine: Engine) -> str:
    """Every column of every audit event, as one text to search."""
    with engine.connect() as conn:
        return "\n".join(repr(tuple(row)) for row in conn.execute(select(AuditEvent)))


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
    assert (stored.full_name, stored.email, stored.is_active) == ("Mo Nitor", "mo@example.org", True)
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


def test_the_token_lookup_gives_every_grant_in_grant_order_and_none_for_a_user_without_any(engine: Engine) -> None:
    token = token_of(engine)  # token and grants are read in one statement: a row per grant, or one of nulls
    with engine.begin() as conn:
        ann, first = conn.execute(select(User.id).where(User.username == "ann")).scalar_one(), site_id(conn, "01")
        conn.execute(insert(RoleAssignment).values(user_id=ann, role="monitor", study_id="mini", site_id=None))
        conn.execute(insert(RoleAssignment).values(user_id=ann, role="coordinator", study_id="mini", site_id=first))
    with engine.connect() as conn:
        assert authenticate(conn, token, NOW).grants == (
            Grant("investigator", "mini", first), Grant("monitor", "mini", None), Grant("coordinator", "mini", first))
    with engine.begin() as conn:
        conn.execute(delete(RoleAssignment).where(RoleAssignment.user_id == ann))
    with engine.connect() as conn:
        principal = authenticate(conn, token, NOW)
    assert (principal.username, principal.grants) == ("ann", ())


@pytest.mark.parametrize("token", ["", "forged", "x" * 5000])
def test_an_unknown_token_is_unauthenticated(engine: Engine, token: str) -> None:
    with engine.connect() as conn, pytest.raises(Unauthenticated):
        authenticate(conn, token, NOW)


def test_a_wrong_password_is_refused_counted_and_audited(engine: Engine) -> None:
    assert attempt(engine, "not the password") == LoginOutcome(ok=False, reason=BAD_CREDENTIALS)
    ann = user_row(engine)
    assert failures(engine, account_key("ann")) == failures(engine, address_key(ADDRESS)) == 1
    event = actions(engine)[-1]
    assert event == ("auth.login_failed", ann.id, "ann")
    with engine.connect() as conn:
        new_value = conn.execute(select(AuditEvent.new_value).order_by(AuditEvent.id.desc())).scalars().first()
    assert json.loads(new_value) == {"address": ADDRESS, "failures": 1}


def test_an_unknown_user_is_refused_exactly_like_a_wrong_password(engine: Engine) -> None:
    wrong, unknown = attempt(engine, "not the password"), attempt(engine, PASSWORD, username="nobody")
    assert wrong == unknown == LoginOutcome(ok=False, reason=BAD_CREDENTIALS)
    assert actions(engine)[-1] == ("auth.login_failed", None, None)  # the typed name is not recorded
    with engine.connect() as conn:
        last = conn.execute(select(AuditEvent.reason, AuditEvent.new_value).order_by(AuditEvent.id.desc())).first()
    assert last is not None and last.reason == "unknown user"
    assert json.loads(last.new_value) == {"address": ADDRESS, "failures": 1}


@pytest.mark.parametrize("username", ["é" * 500, "ann\x00", "\ud800ann", "ANN", "my-secret-pw.2026",
                                      "Correct Horse Battery Staple!"])
def test_any_typed_username_is_refused_and_never_stored(engine: Engine, username: str) -> None:
    """A password typed into the username field must not end up in the append-only trail, nor in the throttles."""
    assert attempt(engine, PASSWORD, username=username) == LoginOutcome(ok=False, reason=BAD_CREDENTIALS)
    assert actions(engine)[-1] == ("auth.login_failed", None, None)
    stored = audit_text(engine)
    with engine.connect() as conn:
        stored += repr(conn.execute(select(LoginThrottle)).all())
    for fragment in (username, username[:10], "secret", "Horse"):
        assert fragment not in stored
    assert failures(engine, account_key(username)) == 1  # counted under the hash of the typed text


def test_a_password_with_a_lone_surrogate_is_simply_wrong(engine: Engine) -> None:
    assert attempt(engine, "\ud800" * 12).reason == BAD_CREDENTIALS
    with engine.connect() as conn, pytest.raises(Unauthenticated):
        authenticate(conn, "\ud800", NOW)


def fail_until_throttled(engine: Engine, start: datetime, username: str = "ann",
                         address: str = ADDRESS) -> datetime:
    """Wrong passwords at `start` until one sets a wait on the account; when that failure happened."""
    for _ in range(40):
        assert attempt(engine, "guess", start, username, address).reason == BAD_CREDENTIALS
        with engine.connect() as conn:
            kind, key = account_key(username)
            until = conn.execute(select(LoginThrottle.blocked_until).where(LoginThrottle.kind == kind,
                                                                           LoginThrottle.key == key)).scalar()
        if until is not None:
            return start
    raise AssertionError("never throttled")  # pragma: no cover


def test_repeated_failures_make_logins_wait_longer_and_longer(engine: Engine) -> None:
    for second in range(4):  # below the threshold (5): no wait
        assert attempt(engine, "guess", NOW + timedelta(seconds=second)).reason == BAD_CREDENTIALS
    at = NOW + timedelta(seconds=4)
    waits = []
    for _ in range(6):
        assert attempt(engine, "guess", at).reason == BAD_CREDENTIALS
        refused = attempt(engine, PASSWORD, at)  # the right password: not even checked
        assert refused == LoginOutcome(ok=False, reason=THROTTLED, retry_after=refused.retry_after)
        assert refused.retry_after is not None
        waits.append(refused.retry_after)
        assert attempt(engine, PASSWORD, at + timedelta(seconds=refused.retry_after) - timedelta(
            milliseconds=1)).reason == THROTTLED
        at += timedelta(seconds=refused.retry_after)
    assert waits == [1, 2, 4, 8, 16, 32]
    assert failures(engine, account_key("ann")) == 10  # refusals during a wait were not counted
    throttles = [a for a, _, item in actions(engine) if a == "auth.throttle"]
    assert len(throttles) == 6 and actions(engine)[-1] == ("auth.throttle", user_row(engine).id, "ann")
    assert attempt(engine, PASSWORD, at).ok  # the wait is over
    assert failures(engine, account_key("ann")) == 0  # and the success forgot the failures
    assert attempt(engine, "guess", at).reason == BAD_CREDENTIALS
    assert attempt(engine, PASSWORD, at).ok  # one failure after the reset: no wait


def test_the_wait_is_capped_at_the_lockout_minutes(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDC_LOGIN_MAX_FAILURES", "2")
    monkeypatch.setenv("EDC_LOGIN_LOCKOUT_MINUTES", "1")
    at = NOW
    waits = []
    for _ in range(10):
        assert attempt(engine, "guess", at).reason == BAD_CREDENTIALS
        with engine.connect() as conn:
            kind, key = account_key("ann")
            until = conn.execute(select(LoginThrottle.blocked_until).where(LoginThrottle.kind == kind,
                                                                           LoginThrottle.key == key)).scalar()
        wait = 0 if until is None else int((until.replace(tzinfo=UTC) - at).total_seconds())
        waits.append(wait)
        at += timedelta(seconds=wait)
    assert waits == [0, 1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_failures_are_forgotten_after_a_quiet_spell(engine: Engine) -> None:
    throttled_at = fail_until_throttled(engine, NOW)
    assert failures(engine, account_key("ann")) == 5
    quiet = throttled_at + timedelta(seconds=1, minutes=15)  # the wait ended, then 15 minutes without a failure
    assert attempt(engine, "guess", quiet).reason == BAD_CREDENTIALS
    assert failures(engine, account_key("ann")) == 1
    assert attempt(engine, PASSWORD, quiet).ok


def test_forgotten_counters_are_deleted_so_guessed_names_do_not_pile_up(engine: Engine) -> None:
    for number in range(30):
        answer = attempt(engine, "guess", NOW, username=f"guess{number}", address=f"198.51.100.{number}")
        assert answer.reason == BAD_CREDENTIALS
    recent = NOW + timedelta(minutes=29)  # within twice the longest wait: kept
    assert attempt(engine, "guess", recent, username="ann").reason == BAD_CREDENTIALS
    assert failures(engine, account_key("guess0")) == 1
    later = NOW + timedelta(minutes=31)  # the guesses are forgotten and deleted; ann's failure is kept
    assert attempt(engine, "guess", later, username="bob").reason == BAD_CREDENTIALS
    with engine.connect() as conn:
        kept = {(str(r.kind), str(r.key)) for r in conn.execute(select(LoginThrottle.kind, LoginThrottle.key))}
    assert kept == {account_key("ann"), account_key("bob"), address_key(ADDRESS)}
    assert failures(engine, address_key(ADDRESS)) == 2


def test_anonymous_failures_never_end_a_live_session(engine: Engine) -> None:
    token = token_of(engine)
    at = NOW
    for number in range(20):
        outcome = attempt(engine, f"guess {number}", at, address=f"198.51.100.{number % 3}")
        assert not outcome.ok
        with engine.connect() as conn:
            assert authenticate(conn, token, at).username == "ann"
        at += timedelta(seconds=1)
    assert "auth.throttle" in [a for a, _, _ in actions(engine)]
    with engine.connect() as conn:
        assert authenticate(conn, token, at).username == "ann"
        assert conn.execute(select(ApiToken.revoked_at)).scalar_one() is None


def test_an_unknown_username_is_throttled_like_a_known_one(engine: Engine) -> None:
    """Otherwise a 429 would tell that the user exists."""
    known = fail_until_throttled(engine, NOW, "ann", "192.0.2.1")
    unknown = fail_until_throttled(engine, NOW, "nobody", "192.0.2.2")
    assert known == unknown
    assert attempt(engine, "guess", known, "nobody", "192.0.2.2") == attempt(engine, "guess", known, "ann",
                                                                               "192.0.2.1")


def test_failures_from_one_address_throttle_it_across_usernames(engine: Engine,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDC_LOGIN_ADDRESS_MAX_FAILURES", "4")
    with engine.begin() as conn:
        create_user(conn, username="bob", full_name="Bob", password=PASSWORD, now=NOW,
                    grants=[GrantSpec("monitor", "mini")])
    for number, name in enumerate(["u1", "u2", "bob", "u3"]):  # one failure per account: none of them throttled
        assert attempt(engine, "guess", NOW + timedelta(seconds=number), name).reason == BAD_CREDENTIALS
    at = NOW + timedelta(seconds=3)
    assert failures(engine, address_key(ADDRESS)) == 4
    assert attempt(engine, PASSWORD, at, "ann") == LoginOutcome(ok=False, reason=THROTTLED, retry_after=1)
    assert attempt(engine, PASSWORD, at, "ann", address="192.0.2.99").ok  # another address is not
    with engine.connect() as conn:
        throttle_event = conn.execute(select(AuditEvent.item, AuditEvent.new_value)
                                      .where(AuditEvent.action == "auth.throttle")).one()
    assert throttle_event.item is None and json.loads(throttle_event.new_value)["address"] == ADDRESS
    later = at + timedelta(seconds=1)
    assert attempt(engine, PASSWORD, later, "bob").ok  # the wait ended; a success does not reset the address
    assert failures(engine, address_key(ADDRESS)) == 4
    assert attempt(engine, "guess", later, "u4").reason == BAD_CREDENTIALS
    assert attempt(engine, PASSWORD, later, "ann").retry_after == 2  # the address's waits keep growing


def test_throttling_follows_the_settings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDC_LOGIN_MAX_FAILURES", "2")
    attempt(engine, "guess")
    assert attempt(engine, PASSWORD).ok
    attempt(engine, "guess")
    attempt(engine, "guess")
    assert attempt(engine, PASSWORD).reason == THROTTLED


def test_a_success_resets_the_failure_count(engine: Engine) -> None:
    for _ in range(4):
        attempt(engine, "guess")
    assert attempt(engine, PASSWORD).ok
    for _ in range(4):
        attempt(engine, "guess")
    assert attempt(engine, PASSWORD).ok
    assert "auth.throttle" not in [a for a, _, _ in actions(engine)]


def test_wrong_signature_passwords_are_throttled(engine: Engine) -> None:
    ann = user_row(engine).id

    def reauth(password: str, at: datetime) -> bool:
        with engine.begin() as conn:
            return reauthenticate(conn, user_id=ann, password=password, now=at)

    for _ in range(5):
        assert not reauth("guess", NOW)
    assert failures(engine, account_key("ann")) == 5
    assert not reauth(PASSWORD, NOW)  # waiting: the right password is not checked
    assert actions(engine)[-1] == ("auth.reauth_failed", ann, "ann")
    assert attempt(engine, PASSWORD, NOW, address="192.0.2.99").reason == THROTTLED  # the same account throttle
    assert failures(engine, account_key("ann")) == 5
    assert reauth(PASSWORD, NOW + timedelta(seconds=1))
    assert failures(engine, account_key("ann")) == 0


@pytest.mark.parametrize("db_url", POSTGRES_ONLY, indirect=True)
def test_concurrent_failures_are_all_counted(engine: Engine) -> None:
    """The second failure waits on the first's uncommitted counter rows, then counts on top of them."""
    outcome: list[LoginOutcome] = []
    with engine.begin() as first:
        assert login(first, username="ann", password="guess", now=NOW, address=ADDRESS).reason == BAD_CREDENTIALS

        def second() -> None:
            with engine.begin() as conn:
                outcome.append(login(conn, username="ann", password="guess 2", now=NOW, address=ADDRESS))

        worker = threading.Thread(target=second)
        worker.start()
        wait_for_lock_waiter(first)
    worker.join(timeout=60)
    assert outcome == [LoginOutcome(ok=False, reason=BAD_CREDENTIALS)]
    assert failures(engine, account_key("ann")) == failures(engine, address_key(ADDRESS)) == 2
    with engine.connect() as conn:
        assert audit.verify(conn).ok


@pytest.mark.parametrize("db_url", POSTGRES_ONLY, indirect=True)
def test_many_concurrent_failures_are_all_counted(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDC_LOGIN_MAX_FAILURES", "100")
    monkeypatch.setenv("EDC_LOGIN_ADDRESS_MAX_FAILURES", "100")
    barrier = threading.Barrier(8)

    def fail() -> None:
        barrier.wait()
        for _ in range(3):
            attempt(engine, "guess")

    workers = [threading.Thread(target=fail) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert failures(engine, account_key("ann")) == failures(engine, address_key(ADDRESS)) == 24


def test_a_refusal_persists_when_the_caller_commits(engine: Engine) -> None:
    with engine.begin() as conn:
        assert not login(conn, username="ann", password="guess", now=NOW, address=ADDRESS).ok
    assert failures(engine, account_key("ann")) == 1
    with engine.connect() as conn:
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
    with engine.connect() as conn, pytest.raises(Unauthenticated, match="inactive"):
        authenticate(conn, token, NOW)


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
    assert listed["inv"].grants == () and listed["ann"].is_active and listed["ann"].throttled_until is None


def test_list_users_shows_until_when_logins_wait(engine: Engine) -> None:
    throttled_at = fail_until_throttled(engine, NOW)
    with engine.connect() as conn:
        listed = {u.username: u for u in list_users(conn)}
    assert listed["ann"].throttled_until == throttled_at + timedelta(seconds=1)
    assert listed["inv"].throttled_until is None
