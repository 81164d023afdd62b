"""ODM export jobs over HTTP: a data manager's job writes the study's ODM 1.3.2 file (valid, every value with its
audit record), a window keeps the records changed within it, and a site data manager's holds only their sites."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from api_env import Api
from lxml import etree
from test_exports_api import EXPORTS, PROBLEM, finished, site_data_manager, subjects

from edc.export.odm.document import odm_schema

ODM = "{http://www.cdisc.org/ns/odm/v1.3}"


@pytest.fixture(autouse=True)
def export_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every job of a test writes under the test's own folder."""
    monkeypatch.setenv("EDC_EXPORT_DIR", str(tmp_path / "exports"))
    return tmp_path / "exports"


def odm_of(api: Api, user: str, body: dict[str, object]) -> tuple[dict[str, object], etree._Element]:
    """Run an ODM job as `user` to its end: the job, and its ODM document, checked against the XSD."""
    started = api.call(user, "POST", EXPORTS, json=body)
    assert started.status_code == 202, started.text
    job = finished(api, started.json()["id"])
    assert job["status"] == "succeeded", job["error"]
    assert [f["name"] for f in job["files"]] == ["relmacel-odm.xml"] and job["rows"] == {}
    download = api.call(user, "GET", job["files"][0]["url"])
    assert download.status_code == 200 and download.headers["content-type"].startswith("application/xml")
    root = etree.fromstring(download.content)
    assert odm_schema().validate(root), odm_schema().error_log
    return job, root


def keys(root: etree._Element) -> set[str]:
    return {str(s.get("SubjectKey")) for s in root.iter(f"{ODM}SubjectData")}


def test_an_odm_job_writes_the_audited_study_and_a_window_bounds_it(api: Api) -> None:
    own, other = subjects(api, 2, site="01"), subjects(api, 1, site="02")
    job, root = odm_of(api, "dm", {"formats": ["odm"]})
    assert keys(root) == {f"01-{n}" for n in own} | {f"02-{n}" for n in other}
    assert job["formats"] == ["odm"] and job["changed_since"] is None
    values = list(root.iter(f"{ODM}ItemData"))
    assert values and all(v.find(f"{ODM}AuditRecord/{ODM}UserRef") is not None for v in values)
    users = {u.findtext(f"{ODM}LoginName") for u in root.iter(f"{ODM}User")}
    assert {"inv01", "inv02"} <= users
    bundle = api.call("dm", "GET", f"{EXPORTS}/{job['id']}/bundle.zip")
    assert bundle.status_code == 200, bundle.text
    with zipfile.ZipFile(io.BytesIO(bundle.content)) as archive:
        listed = json.loads(archive.read("manifest.json"))["files"]
        odm = archive.read("relmacel-odm.xml")
    assert [(f["name"], f["size"], f["sha256"]) for f in listed] == [
        ("relmacel-odm.xml", len(odm), hashlib.sha256(odm).hexdigest())]

    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    job, root = odm_of(api, "dm", {"formats": ["odm"], "changed_since": later})
    assert keys(root) == set() and job["changed_since"] is not None
    job, root = odm_of(api, "dm", {"formats": ["odm"], "changed_until": later})
    assert keys(root) == {f"01-{n}" for n in own} | {f"02-{n}" for n in other}

    dm01 = site_data_manager(api)
    _, root = odm_of(api, dm01, {"formats": ["odm"]})
    assert keys(root) == {f"01-{n}" for n in own}
    assert {r.get("LocationOID") for r in root.iter(f"{ODM}SiteRef")} == {"LOC.01"}


@pytest.mark.parametrize(("body", "item"), [
    ({"formats": ["xpt", "odm"], "changed_since": "2026-01-01T00:00:00Z"}, "changed_since"),
    ({"changed_until": "2026-01-01T00:00:00Z"}, "changed_until"),
    ({"formats": ["odm"], "changed_since": "2026-02-01T00:00:00Z", "changed_until": "2026-01-01T00:00:00Z"}, None),
    ({"formats": ["odm"], "changed_since": "2026-01-01T00:00:00"}, None),
    ({"formats": ["odm"], "changed_since": "yesterday"}, None)])
def test_an_odm_window_is_checked(api: Api, body: dict[str, object], item: str | None) -> None:
    refused = api.call("dm", "POST", EXPORTS, json=body)
    assert refused.status_code == 422 and refused.headers["content-type"].startswith(PROBLEM), refused.text
    if item is not None:
        assert item in [e["item"] for e in refused.json()["errors"]]
    assert api.call("dm", "GET", EXPORTS).json()["items"] == []  # nothing was queued
