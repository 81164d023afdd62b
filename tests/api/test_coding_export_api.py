"""Coding in the SDTM export over HTTP: uncoded verbatim terms refuse an export (409 listing them, or a failed
job when they appear before it runs) unless the data manager asks to export them uncoded; coding decisions fill
AE, MH and CM, survive a re-export, and define.xml names each dictionary's release."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from api_env import STUDY, Api, adverse_event, records_path, screen
from coding_env import MEDDRA, WHODRUG, decide, load_test_releases, term_of, use_releases
from lxml import etree
from screened import payload
from screening_data import screening
from sqlalchemy import select

from edc.app.exports import service as exports
from edc.app.exports import worker
from edc.app.kernel.actor import Actor
from edc.db.core import User
from edc.db.engine import WRITE

EXPORTS = f"/api/v1/studies/{STUDY}/exports"
NS = {"odm": "http://www.cdisc.org/ns/odm/v1.3"}


@pytest.fixture(autouse=True)
def export_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EDC_EXPORT_DIR", str(tmp_path / "exports"))
    return tmp_path / "exports"


def subject_with_terms(api: Api) -> str:
    """A subject with demographics, a Headache (codes itself), an odd feeling and a Cold relief (both wait)."""
    study = api.catalog.studies[STUDY]
    number = screen(api)
    body = payload(study, "demographics", screening(study, None)["demographics"])
    assert api.call("inv01", "POST", records_path(number, "SCR", "demographics"), json=body).status_code == 201
    for spid, term in (("1", "Headache"), ("2", "Odd feeling")):
        created = api.call("inv01", "POST", records_path(number, "LOGS", "adverse_events"),
                           json=adverse_event(spid, aeterm=term))
        assert created.status_code == 201, created.text
    medication = {"cmtrt": "Cold relief", "cmgc": "N", "cmindc": "Cold", "cmstdat": "2026-02-10", "cmongo": "Y"}
    assert api.call("inv01", "POST", records_path(number, "LOGS", "concomitant_medications"),
                    json=medication).status_code == 201
    return number


def finished(api: Api, job_id: int) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        job: dict[str, Any] = api.call("dm", "GET", f"{EXPORTS}/{job_id}").json()
        if job["status"] in ("succeeded", "failed"):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.05)


def rows(api: Api, job_id: int, name: str) -> list[dict[str, str]]:
    download = api.call("dm", "GET", f"{EXPORTS}/{job_id}/files/{name}.csv")
    assert download.status_code == 200, download.text
    return list(csv.DictReader(io.StringIO(download.text)))


def exported(api: Api, **body: Any) -> int:
    started = api.call("dm", "POST", EXPORTS, json={"formats": ["csv"], **body})
    assert started.status_code == 202, started.text
    job = finished(api, started.json()["id"])
    assert job["status"] == "succeeded", (job["error"], job["failures"][:5])
    return int(job["id"])


def test_uncoded_terms_refuse_an_export_unless_asked_to_leave_them_uncoded(api: Api) -> None:
    load_test_releases(api)
    use_releases(api)
    number = subject_with_terms(api)
    refused = api.call("dm", "POST", EXPORTS, json={"formats": ["csv"]})
    assert refused.status_code == 409 and refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["type"].endswith("/uncoded-terms") and "2 verbatim term(s)" in problem["detail"]
    assert [(e["item"], e["value"]) for e in problem["errors"]] == [
        (f"{number}/LOGS/1/adverse_events/2/aeterm", "Odd feeling"),
        (f"{number}/LOGS/1/concomitant_medications/1/cmtrt", "Cold relief")]
    assert api.call("dm", "GET", EXPORTS).json()["items"] == []  # nothing was queued

    job_id = exported(api, allow_uncoded=True)
    assert api.call("dm", "GET", f"{EXPORTS}/{job_id}").json()["allow_uncoded"] is True
    ae = {row["AESPID"]: row for row in rows(api, job_id, "ae")}
    assert (ae["1"]["AEDECOD"], ae["1"]["AEBODSYS"], ae["1"]["AELLTCD"]) == (
        "Headache", "Nervous system disorders", "90500001")
    assert (ae["2"]["AETERM"], ae["2"]["AEDECOD"], ae["2"]["AESOC"]) == ("Odd feeling", "", "")
    [drug] = rows(api, job_id, "cm")
    assert (drug["CMTRT"], drug["CMDECOD"], drug["CMCLAS"]) == ("Cold relief", "", "")


def test_coding_decisions_fill_the_export_survive_a_re_export_and_define_names_the_releases(api: Api) -> None:
    load_test_releases(api)
    use_releases(api)
    number = subject_with_terms(api)
    assert decide(api, term_of(api, number, "adverse_events", "aeterm", 2), "90500005").status_code == 200
    assert decide(api, term_of(api, number, "concomitant_medications", "cmtrt"), "90000501001").status_code == 200
    first = exported(api)
    ae = {row["AESPID"]: row for row in rows(api, first, "ae")}
    assert (ae["2"]["AETERM"], ae["2"]["AELLT"], ae["2"]["AEDECOD"], ae["2"]["AEPTCD"], ae["2"]["AESOCCD"]) == (
        "Odd feeling", "Tiredness", "Fatigue", "90400002", "90100002")
    [drug] = rows(api, first, "cm")
    assert (drug["CMDECOD"], drug["CMCLAS"], drug["CMCLASCD"]) == ("COLD RELIEF", "OTHER COLD PREPARATIONS", "R05X")
    define = etree.fromstring(api.call("dm", "GET", f"{EXPORTS}/{first}/files/define.xml").content)
    named = {(e.get("Dictionary"), e.get("Version")) for e in define.iterfind(".//odm:ExternalCodeList", NS)}
    assert named == {("MEDDRA", MEDDRA), ("WHODRUG", WHODRUG)}

    again = exported(api)
    assert rows(api, again, "ae") == rows(api, first, "ae") and rows(api, again, "cm") == rows(api, first, "cm")


def test_a_job_refuses_the_terms_found_uncoded_when_it_runs(api: Api, export_dir: Path) -> None:
    load_test_releases(api)
    use_releases(api)
    number = subject_with_terms(api)
    for form, item, seq, code in (("adverse_events", "aeterm", 2, "90500005"),
                                  ("concomitant_medications", "cmtrt", 1, "90000501001")):
        assert decide(api, term_of(api, number, form, item, seq), code).status_code == 200
    with api.engine.connect() as conn:
        user_id = int(conn.execute(select(User.id).where(User.username == "dm")).scalar_one())
    with api.engine.execution_options(**WRITE).begin() as conn:  # requested while every term is coded
        job = exports.request_export(conn, study=api.catalog.studies[STUDY], actor=Actor(user_id, "data_manager"),
                                     formats=["csv"], now=datetime.now(UTC))
    corrected = api.call("inv01", "PATCH", records_path(number, "LOGS", "adverse_events") + "/2",
                         json={"reason": "source says", "changes": {"aeterm": "Odd feeling, worse"}},
                         headers={"If-Match": '"1"'})
    assert corrected.status_code == 200, corrected.text  # re-opened before the job runs
    worker.launch(api.engine, study=api.catalog.studies[STUDY], job_id=job.job_id, root=export_dir).join(60)
    failed = finished(api, job.job_id)
    assert failed["status"] == "failed" and failed["files"] == []
    assert [(f["domain"], f["variable"], f["value"]) for f in failed["failures"]] == [
        ("AE", "AETERM", "Odd feeling, worse")]
    assert failed["failures"][0]["usubjid"].endswith(number) and "not coded with MedDRA" in failed["failures"][0][
        "message"]
