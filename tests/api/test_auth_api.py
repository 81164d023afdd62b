"""Logging in and out over HTTP: tokens, refusals that persist, throttling (429), revocation."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from api_env import PASSWORD, STUDY, Api
from sqlalchemy import select

from edc.app.access.service import BAD_CREDENTIALS, login
from edc.app.access.throttle import account_key
from edc.db.core import LoginThrottle
from edc.db.trail import AuditEvent


def test_login_gives_a_token_that_identifies_the_user(api: Api) -> None:
    me = api.call("inv01", "GET", "/api/v1/auth/me")
    assert me.status_code == 200
    assert me.json()["username"] == "inv01" and me.json()["grants"][0]["role"] == "investigator"


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(api: Api) -> None:
    wrong, unknown = api.login("inv01", "not the password"), api.login("nobody", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.headers["content-type"].startswith("application/problem+json")
    with api.engine.connect() as conn:
        kind, key = account_key("inv01")
        failures = conn.execute(select(LoginThrottle.failures).where(LoginThrottle.kind == kind,
                                                                     LoginThrottle.key == key)).scalar_one()
        actions = list(conn.execute(select(AuditEvent.action).where(AuditEvent.action.like("auth.%"))).scalars())
    assert failures == 1  # the refusal was committed, not rolled back with the 401
    assert actions.count("auth.login_failed") == 2


def fail_in_the_past(api: Api, username: str, address: str, seconds_ago: int = 20) -> None:
    """Failed logins through the service, each once the previous wait ended, from `seconds_ago` on: 9 failures,
    the last at 5 s ago sets a wait of 16 s, so logins wait about 11 s more (waits double from the 5th failure)."""
    at = datetime.now(UTC) - timedelta(seconds=seconds_ago)
    for step in (0, 0, 0, 0, 0, 1, 2, 4, 8):
        at += timedelta(seconds=step)
        with api.engine.begin() as conn:
            assert login(conn, username=username, password="guess", now=at, address=address).reason == BAD_CREDENTIALS


def test_repeated_failures_throttle_the_account_with_429_and_retry_after(api: Api) -> None:
    fail_in_the_past(api, "coord01", "192.0.2.7")  # from another address: the account itself waits
    refused = api.login("coord01", PASSWORD)  # even the right password: not checked while waiting
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["type"].endswith("/login-throttled") and refused.json()["status"] == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 16
    assert api.call("coord01", "GET", "/api/v1/auth/me").status_code == 200  # its live session goes on
    assert api.login("inv01", PASSWORD).status_code == 201  # others unaffected


def test_an_unknown_user_is_throttled_alike(api: Api) -> None:
    fail_in_the_past(api, "coord01", "192.0.2.7")
    fail_in_the_past(api, "nobody", "192.0.2.8")
    known, unknown = api.login("coord01", "guess"), api.login("nobody", "guess")
    assert known.status_code == unknown.status_code == 429 and known.json() == unknown.json()


def test_twenty_wrong_passwords_never_end_a_live_session(api: Api) -> None:
    answers = {api.login("inv01", f"guess {n}").status_code for n in range(20)}
    assert answers <= {401, 429}
    assert api.call("inv01", "GET", "/api/v1/auth/me").status_code == 200
    assert api.call("inv01", "GET", f"/api/v1/studies/{STUDY}").status_code == 200


def test_failures_from_one_address_throttle_logins_of_every_user(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDC_LOGIN_ADDRESS_MAX_FAILURES", "5")
    assert api.login("nobody", "guess").status_code == 401
    with api.engine.connect() as conn:
        recorded = conn.execute(select(AuditEvent.item, AuditEvent.new_value)
                                .where(AuditEvent.action == "auth.login_failed")).one()
    assert recorded.item is None and "nobody" not in recorded.new_value
    address = json.loads(recorded.new_value)["address"]  # the test client's host, as the route passed it
    now = datetime.now(UTC)
    for number in range(5):  # six failures of six usernames in all: from the fifth on, the address waits
        with api.engine.begin() as conn:
            login(conn, username=f"user{number}", password="guess", now=now + timedelta(seconds=30),
                  address=address)
    refused = api.login("dm", PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1


def test_logout_revokes_the_token(api: Api) -> None:
    assert api.call("monitor", "DELETE", "/api/v1/auth/token").status_code == 204
    assert api.call("monitor", "GET", f"/api/v1/studies/{STUDY}").status_code == 401


def test_login_body_is_validated(api: Api) -> None:
    response = api.client.post("/api/v1/auth/token", json={"username": "inv01"})
    assert response.status_code == 422 and response.headers["content-type"].startswith("application/problem+json")


def test_studies_list_shows_only_granted_studies(api: Api) -> None:
    studies = api.call("inv01", "GET", "/api/v1/studies")
    assert studies.status_code == 200 and [s["id"] for s in studies.json()] == [STUDY]
    assert api.call("inv01", "GET", "/api/v1/studies/ic19").status_code == 403
