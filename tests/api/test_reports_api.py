"""The data dictionary, the export bundle and the CSV reports over HTTP, each scoped to the caller's sites.

Real HTTP through the application, a real database of each backend, a real export job's files on disk: the
bundle is unzipped and every size and SHA-256 recomputed against its manifest.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from api_env import PASSWORD, STUDY, Api, records_path, screen, vitals
from openpyxl import load_workbook
from screened import payload
from screening_data import screening
from test_exports_api import finished, queued_job

from edc.app.access.service import GrantSpec, create_user
from edc.export.dictionary import TABLES

BASE = f"/api/v1/studies/{STUDY}"
PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def export_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EDC_EXPORT_DIR", str(tmp_path / "exports"))
    return tmp_path / "exports"


def site_user(api: Api, username: str, role: str, site: str) -> None:
    """A user whose grant is restricted to `site`, logged in."""
    with api.engine.begin() as conn:
        create_user(conn, username=username, full_name=username, password=PASSWORD,
                    grants=[GrantSpec(role, STUDY, site)], now=datetime.now(UTC))
    response = api.login(username)
    assert response.status_code == 201, response.text
    api.tokens[username] = response.json()["token"]


def csv_of(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def test_every_role_reads_the_dictionary_as_csv_and_workbook(api: Api) -> None:
    study = api.catalog.studies[STUDY]
    expected = sorted((f.id, i.name) for f in study.forms.values() for i in f.items)
    for user in ("inv01", "coord01", "dm", "monitor", "safety", "admin"):
        rows = csv_of(api.call(user, "GET", f"{BASE}/dictionary.csv"))
        assert sorted((r["form"], r["item"]) for r in rows) == expected, user
    terms = csv_of(api.call("monitor", "GET", f"{BASE}/dictionary.csv", params={"table": "codelists"}))
    assert len(terms) == sum(len(cl.values) for cl in study.codelists.values())
    book = api.call("admin", "GET", f"{BASE}/dictionary.xlsx")
    assert book.status_code == 200 and book.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    sheets = load_workbook(io.BytesIO(book.content))
    assert sheets.sheetnames == list(TABLES) and sheets["items"].max_row == len(expected) + 1
    bad = api.call("dm", "GET", f"{BASE}/dictionary.csv", params={"table": "subjects"})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith(PROBLEM)
    assert bad.json()["errors"][0]["item"] == "table"
    assert api.call("dm", "GET", "/api/v1/studies/nosuch/dictionary.xlsx").status_code == 404
    assert api.call("nobody", "GET", f"{BASE}/dictionary.csv").status_code == 401


def test_a_site_users_reports_have_only_its_sites_rows(api: Api) -> None:
    ours, theirs = screen(api, "inv01", "01"), screen(api, "inv02", "02")
    queries: dict[str, int] = {}
    for user, number in (("inv01", ours), ("inv02", theirs)):
        assert api.call(user, "POST", records_path(number, "SCR", "vital_signs"), json=vitals()).status_code == 201
        assert api.call("monitor", "POST", f"{BASE}/sdv", json={"subject": number, "visit": "SCR",
                                                                "form": "vital_signs"}).status_code == 201
        opened = api.call("monitor", "POST", f"{BASE}/queries", json={
            "subject": number, "visit": "SCR", "form": "vital_signs", "item": "pulse", "text": "pulse?"})
        assert opened.status_code == 201, opened.text
        queries[number] = opened.json()["id"]
    closed = api.call("monitor", "POST", f"{BASE}/queries", json={"subject": ours, "visit": "SCR", "text": "date?"})
    assert api.call("monitor", "POST", f"{BASE}/queries/{closed.json()['id']}/close",
                    json={"text": "fine"}).status_code == 200
    site_user(api, "monitor.01", "monitor", "01")

    everyone = csv_of(api.call("monitor", "GET", f"{BASE}/reports/open-queries.csv"))
    assert [(r["query_id"], r["subject"], r["status"]) for r in everyone] == [
        (str(queries[ours]), ours, "open"), (str(queries[theirs]), theirs, "open")]
    own = csv_of(api.call("monitor.01", "GET", f"{BASE}/reports/open-queries.csv"))
    assert [(r["site"], r["subject"]) for r in own] == [("01", ours)]
    assert csv_of(api.call("monitor.01", "GET", f"{BASE}/reports/open-queries.csv", params={"site": "02"})) == []

    progress = csv_of(api.call("monitor", "GET", f"{BASE}/reports/sdv-progress.csv"))
    assert {r["subject"] for r in progress} == {ours, theirs}
    assert all(r["items_verified"] == r["items"] and r["items_verified_pct"] == "100.0" for r in progress)
    own_progress = csv_of(api.call("monitor.01", "GET", f"{BASE}/reports/sdv-progress.csv"))
    assert [(r["site"], r["subject"]) for r in own_progress] == [("01", ours)]
    assert theirs not in api.call("monitor.01", "GET", f"{BASE}/reports/sdv-progress.csv").text
    assert api.call("admin", "GET", f"{BASE}/reports/sdv-progress.csv").status_code == 403


def test_a_bundle_holds_the_jobs_files_as_its_manifest_says(api: Api) -> None:
    definition = api.catalog.studies[STUDY]
    demographics = payload(definition, "demographics", screening(definition, None)["demographics"])
    for user, site in (("inv01", "01"), ("inv02", "02")):
        number = screen(api, user, site)
        for form, values in (("vital_signs", vitals()), ("demographics", demographics)):
            assert api.call(user, "POST", records_path(number, "SCR", form), json=values).status_code == 201
    site_user(api, "dm.01", "data_manager", "01")
    export = {"formats": ["csv", "json"], "allow_uncoded": True}
    whole = api.call("dm", "POST", f"{BASE}/exports", json=export).json()["id"]
    own = api.call("dm.01", "POST", f"{BASE}/exports", json=export).json()["id"]
    jobs = {job_id: finished(api, job_id) for job_id in (whole, own)}
    assert all(job["status"] == "succeeded" for job in jobs.values()), [j["error"] for j in jobs.values()]

    response = api.call("dm.01", "GET", f"{BASE}/exports/{own}/bundle.zip")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/zip")
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    manifest = json.loads(archive.read("manifest.json"))
    assert (manifest["job_id"], manifest["study"], manifest["formats"]) == (own, STUDY, ["csv", "json"])
    assert datetime.fromisoformat(manifest["generated_at"]).tzinfo is not None
    names = [f["name"] for f in manifest["files"]]
    assert sorted(names) == sorted(f["name"] for f in jobs[own]["files"])
    assert sorted(archive.namelist()) == sorted([*names, "manifest.json"])
    for entry in manifest["files"]:
        data = archive.read(entry["name"])
        assert (len(data), hashlib.sha256(data).hexdigest()) == (entry["size"], entry["sha256"])
        served = api.call("dm.01", "GET", f"{BASE}/exports/{own}/files/{entry['name']}")
        assert served.content == data
    assert "01-001" in archive.read("dm.csv").decode() and "02-001" not in archive.read("dm.csv").decode()

    other = api.call("dm.01", "GET", f"{BASE}/exports/{whole}/bundle.zip")
    missing = api.call("dm.01", "GET", f"{BASE}/exports/999999/bundle.zip")
    assert other.status_code == missing.status_code == 404
    assert other.headers["content-type"].startswith(PROBLEM) and missing.headers["content-type"].startswith(PROBLEM)
    assert "02-001" in zipfile.ZipFile(io.BytesIO(api.call("dm", "GET", f"{BASE}/exports/{whole}/bundle.zip")
                                                  .content)).read("dm.csv").decode()  # the control
    assert api.call("monitor", "GET", f"{BASE}/exports/{whole}/bundle.zip").status_code == 403


def test_a_job_not_finished_has_no_bundle(api: Api) -> None:
    queued = queued_job(api, ["csv"])
    response = api.call("dm", "GET", f"{BASE}/exports/{queued}/bundle.zip")
    assert response.status_code == 409 and response.headers["content-type"].startswith(PROBLEM)
