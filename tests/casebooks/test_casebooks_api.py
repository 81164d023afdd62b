"""Casebook PDFs over HTTP, read back with pypdf: a subject's values, correction with its audit history, finding,
answered query, SDV mark and signature; the same hash for unchanged data; a site's zip; site isolation."""

from __future__ import annotations

import io
import zipfile

from api_env import PASSWORD, STUDY, Api, records_path, screen, subject_path, vitals
from pypdf import PdfReader

QUERIES = f"/api/v1/studies/{STUDY}/queries"
MEANING = "I approve the data as accurate"


def pdf_text(content: bytes) -> str:
    """Every page's text, whitespace collapsed (the renderer wraps long lines)."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


def documented_subject(api: Api) -> str:
    number = screen(api)
    form = records_path(number, "SCR", "vital_signs")
    assert api.call("inv01", "POST", form, json=vitals(diabp=125, weight="71.5")).status_code == 201
    corrected = api.call("inv01", "PATCH", form + "/1", json={"reason": "pulse re-measured", "changes": {"pulse": 88}},
                         headers={"If-Match": '"1"'})
    assert corrected.status_code == 200, corrected.text
    raised = api.call("monitor", "POST", QUERIES, json={"subject": number, "visit": "SCR", "form": "vital_signs",
                                                         "item": "weight", "text": "Weight 71.5 kg per source?"})
    assert raised.status_code == 201, raised.text
    answered = api.call("inv01", "POST", f"{QUERIES}/{raised.json()['id']}/answers",
                        json={"text": "Printout filed in the ISF"})
    assert answered.status_code == 201, answered.text
    marked = api.call("monitor", "POST", f"/api/v1/studies/{STUDY}/sdv",
                      json={"subject": number, "visit": "SCR", "form": "vital_signs", "items": ["weight"]})
    assert marked.status_code == 201, marked.text
    signed = api.call("inv01", "POST", subject_path(number) + "/signatures",
                      json={"scope": "record", "visit": "SCR", "form": "vital_signs", "password": PASSWORD,
                            "meaning": MEANING})
    assert signed.status_code == 201, signed.text
    return number


def test_the_casebook_reads_back_with_values_audit_queries_sdv_and_signature(api: Api) -> None:
    number = documented_subject(api)
    response = api.call("monitor", "GET", subject_path(number) + "/casebook.pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/pdf")
    text = pdf_text(response.content)
    digest = response.headers["x-content-sha256"]
    assert response.headers["etag"] == f'W/"{digest}"' and f"Content SHA-256: {digest}" in text
    assert f"Subject: {number}" in text and "Site: 01" in text and "Definition versions: " in text
    assert "Pulse" in text and "(pulse): 88" in text and "(weight): 71.5 kg [SDV verified]" in text
    assert "pulse: 70 -> 88; reason: pulse re-measured" in text  # the correction's audit entry
    assert "Finding bp_order" in text and "Diastolic" in text
    assert "Weight 71.5 kg per source?" in text and "Printout filed in the ISF" in text
    assert f"meaning: {MEANING} - valid" in text and "signed the record SCR" in text

    again = api.call("dm", "GET", subject_path(number) + "/casebook.pdf")
    assert again.status_code == 200 and again.headers["x-content-sha256"] == digest  # unchanged data, same hash


def test_a_site_zip_holds_its_subjects_only_and_other_sites_look_missing(api: Api) -> None:
    ours = [screen(api), screen(api)]
    theirs = screen(api, "inv02", "02")
    response = api.call("dm", "GET", f"/api/v1/studies/{STUDY}/sites/01/casebooks.zip")
    assert response.status_code == 200, response.text
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == sorted(f"casebook-{STUDY}-{number}.pdf" for number in ours)
    assert all(f"Subject: {number}" in pdf_text(archive.read(f"casebook-{STUDY}-{number}.pdf")) for number in ours)

    missing = api.call("inv02", "GET", subject_path("01-999") + "/casebook.pdf")
    other = api.call("inv02", "GET", subject_path(ours[0]) + "/casebook.pdf")
    assert missing.status_code == other.status_code == 404
    assert other.json()["title"] == missing.json()["title"]
    assert api.call("inv02", "GET", f"/api/v1/studies/{STUDY}/sites/01/casebooks.zip").status_code == 404
    assert api.call("inv02", "GET", f"/api/v1/studies/{STUDY}/sites/99/casebooks.zip").status_code == 404
    own = api.call("inv02", "GET", f"/api/v1/studies/{STUDY}/sites/02/casebooks.zip")
    assert zipfile.ZipFile(io.BytesIO(own.content)).namelist() == [f"casebook-{STUDY}-{theirs}.pdf"]
    assert api.call("admin", "GET", subject_path(theirs) + "/casebook.pdf").status_code == 403
