"""Logging in and out over HTTP: tokens, refusals that persist, lock-out, revocation."""

from __future__ import annotations

from api_env import PASSWORD, STUDY, Api
from sqlalchemy import select

from edc.db.core import User
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
        failures = conn.execute(select(User.failed_logins).where(User.username == "inv01")).scalar_one()
        actions = list(conn.execute(select(AuditEvent.action).where(AuditEvent.action.like("auth.%"))).scalars())
    assert failures == 1  # the refusal was committed, not rolled back with the 401
    assert actions.count("auth.login_failed") == 2


def test_repeated_failures_lock_the_account(api: Api) -> None:
    for _ in range(5):
        assert api.login("coord01", "guess").status_code == 401
    assert api.login("coord01", PASSWORD).status_code == 401  # locked: even the right password
    assert api.login("inv01", PASSWORD).status_code == 201  # others unaffected


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
