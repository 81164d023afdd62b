"""Electronic signatures over HTTP: signing with the password again, a wrong password refused and counted,
a signature invalidated by a correction and by a new record, signing again, and who may sign."""

from __future__ import annotations

from typing import Any

from api_env import PASSWORD, STUDY, Api, records_path, screen, subject_path, vitals
from sqlalchemy import select

from edc.app.access.throttle import account_key
from edc.db.core import LoginThrottle
from edc.db.trail import AuditEvent

MEANING = "I approve the data as accurate"


def screened_with_vitals(api: Api) -> str:
    number = screen(api)
    assert api.call("inv01", "POST", records_path(number, "SCR", "vital_signs"), json=vitals()).status_code == 201
    return number


def sign(api: Api, number: str, scope: str, user: str = "inv01", password: str = PASSWORD, **target: Any) -> Any:
    body = {"scope": scope, "password": password, "meaning": MEANING, **target}
    return api.call(user, "POST", subject_path(number) + "/signatures", json=body)


def signatures(api: Api, number: str) -> list[dict[str, Any]]:
    response = api.call("monitor", "GET", subject_path(number) + "/signatures")
    assert response.status_code == 200, response.text
    return list(response.json())


def test_sign_a_record_then_a_correction_invalidates_it_and_it_is_signed_again(api: Api) -> None:
    number = screened_with_vitals(api)
    signed = sign(api, number, "record", visit="SCR", form="vital_signs")
    assert signed.status_code == 201, signed.text
    body = signed.json()
    assert (body["signer"], body["signer_name"], body["meaning"], body["valid"]) == ("inv01", "Inv01", MEANING, True)
    assert body["signed_at"].endswith("Z") or body["signed_at"].endswith("+00:00")
    assert len(body["content_sha256"]) == 64 and (body["form"], body["seq"]) == ("vital_signs", 1)

    corrected = api.call("inv01", "PATCH", records_path(number, "SCR", "vital_signs") + "/1",
                         json={"reason": "pulse re-measured", "changes": {"pulse": 88}}, headers={"If-Match": '"1"'})
    assert corrected.status_code == 200
    [old] = signatures(api, number)
    assert not old["valid"] and old["invalidated_at"] is not None and "pulse re-measured" in old["invalidated_reason"]

    again = sign(api, number, "record", visit="SCR", form="vital_signs")
    assert again.status_code == 201 and again.json()["content_sha256"] != body["content_sha256"]
    assert [s["valid"] for s in signatures(api, number)] == [False, True]
    events = api.call("monitor", "GET", f"/api/v1/studies/{STUDY}/audit",
                      params={"subject": number, "limit": 500}).json()["items"]
    actions = [e["action"] for e in events if e["action"] in ("record.sign", "signature.invalidate")]
    assert actions == ["record.sign", "signature.invalidate", "record.sign"]


def test_a_wrong_password_is_refused_and_counted(api: Api) -> None:
    number = screened_with_vitals(api)
    refused = sign(api, number, "casebook", password="not my password")
    assert refused.status_code == 403 and "password" in refused.json()["detail"]
    assert signatures(api, number) == []
    with api.engine.connect() as conn:  # committed although the request was refused
        failures = conn.execute(select(AuditEvent.reason).where(AuditEvent.action == "auth.login_failed")).all()
        kind, key = account_key("inv01")
        counted = conn.execute(select(LoginThrottle.failures).where(LoginThrottle.kind == kind,
                                                                    LoginThrottle.key == key)).scalar_one()
    assert [f.reason for f in failures] == ["wrong password"] and counted == 1
    refusals = api.call("monitor", "GET", f"/api/v1/studies/{STUDY}/audit",
                        params={"action": "record.sign_refused"}).json()["items"]
    assert [(e["username"], e["item"], e["reason"]) for e in refusals] == [
        ("inv01", "casebook", "password not confirmed")]
    assert sign(api, number, "casebook").status_code == 201


def test_a_visit_or_casebook_signature_falls_when_a_record_is_added(api: Api) -> None:
    number = screened_with_vitals(api)
    assert sign(api, number, "visit", visit="SCR").status_code == 201
    assert sign(api, number, "casebook").status_code == 201
    chemistry = {"lbdat": "2026-03-02", "alt": "20", "ast": "20", "bili": "10.0", "creat": "70"}
    assert api.call("inv01", "POST", records_path(number, "SCR", "chemistry"), json=chemistry).status_code == 201
    assert [(s["scope"], s["valid"]) for s in signatures(api, number)] == [("visit", False), ("casebook", False)]


def test_only_investigators_sign_and_only_what_exists(api: Api) -> None:
    number = screened_with_vitals(api)
    for user in ("coord01", "monitor", "dm"):
        assert sign(api, number, "casebook", user=user).status_code == 403
    assert sign(api, number, "record", visit="SCR", form="chemistry").status_code == 404  # no such record
    assert sign(api, number, "visit").status_code == 422  # which visit?
    assert sign(api, number, "record", visit="SCR").status_code == 422  # which form?
    assert sign(api, number, "casebook", user="inv02").status_code == 404  # another site's subject
