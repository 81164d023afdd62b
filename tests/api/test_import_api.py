"""ODM import over HTTP: a data manager posts the raw XML; the study's own export re-imported changes nothing (200),
a changed value becomes a correction with the import's reason (201), a bad file is refused whole (422, every
problem with its line), site staff are refused (403), a site data manager imports into their site only, and a body
that is not XML is refused (415)."""

from __future__ import annotations

from pathlib import Path

from api_env import STUDY, Api, records_path
from lxml import etree
from sqlalchemy import func, select
from test_exports_api import PROBLEM, site_data_manager, subjects

from edc.app.exports.odm import export_odm
from edc.db.core import FormRecord
from edc.db.trail import AuditEvent

IMPORTS = f"/api/v1/studies/{STUDY}/imports/odm"
ODM = "{http://www.cdisc.org/ns/odm/v1.3}"
XML = {"Content-Type": "application/xml"}


def post(api: Api, user: str, data: bytes, name: str = "site.xml") -> object:
    headers = {**api.headers(user), **XML}
    return api.client.post(IMPORTS, content=data, headers=headers, params={"file_name": name})


def exported(api: Api, folder: Path) -> bytes:
    return export_odm(api.engine, api.catalog.studies[STUDY], folder / "relmacel.xml").read_bytes()


def stored(api: Api) -> tuple[int, int]:
    with api.engine.connect() as conn:
        return (int(conn.scalar(select(func.count()).select_from(FormRecord)) or 0),
                int(conn.scalar(select(func.count()).select_from(AuditEvent)) or 0))


def with_value(data: bytes, item_oid: str, value: str) -> bytes:
    root = etree.fromstring(data)
    for item in root.iter(f"{ODM}ItemData"):
        if item.get("ItemOID") == item_oid:
            item.set("Value", value)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def test_reimport_changes_nothing_and_a_changed_value_is_a_correction(api: Api, tmp_path: Path) -> None:
    number = subjects(api, 1)[0]
    data = exported(api, tmp_path)
    before = stored(api)
    same = post(api, "dm", data)
    assert same.status_code == 200, same.text  # type: ignore[attr-defined]
    assert same.json() == {"file_name": "site.xml", "subjects": 1, "created": 0, "corrected": 0,  # type: ignore[attr-defined]
                           "unchanged": 1, "visits_added": 0}
    assert stored(api) == before
    record = api.call("dm", "GET", records_path(number, "SCR", "demographics") + "/1").json()
    age = int(record["values"]["age"])
    changed = post(api, "dm", with_value(data, "I.demographics.age", str(age + 1)), name="fix.xml")
    assert changed.status_code == 201, changed.text  # type: ignore[attr-defined]
    assert changed.json()["corrected"] == 1  # type: ignore[attr-defined]
    after = api.call("dm", "GET", records_path(number, "SCR", "demographics") + "/1").json()
    assert after["values"]["age"] == age + 1 and after["version"] == record["version"] + 1
    with api.engine.connect() as conn:
        reasons = set(conn.scalars(select(AuditEvent.reason).where(AuditEvent.action == "record.correct")))
    assert reasons == {"ODM import fix.xml"}


def test_a_bad_file_is_refused_whole_with_every_problem_and_its_line(api: Api, tmp_path: Path) -> None:
    subjects(api, 2)
    data = with_value(exported(api, tmp_path), "I.demographics.age", "old")
    root = etree.fromstring(data)
    first = next(root.iter(f"{ODM}ItemData"))
    first.set("ItemOID", "I.demographics.nosuch")
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    lines = {i.get("ItemOID"): i.sourceline for i in etree.fromstring(data).iter(f"{ODM}ItemData")}
    before = stored(api)
    refused = post(api, "dm", data)
    assert refused.status_code == 422 and refused.headers["content-type"].startswith(PROBLEM)  # type: ignore[attr-defined]
    problem = refused.json()  # type: ignore[attr-defined]
    assert problem["type"].endswith("/import-refused")
    found = {(e["line"], e["message"].split(":")[0]) for e in problem["errors"]}
    assert (lines["I.demographics.nosuch"], "form F.demographics has no item I.demographics.nosuch") in found
    assert sum(1 for e in problem["errors"] if e["message"].startswith("age:")) >= 1, problem
    assert stored(api) == before, "nothing of a refused import is stored"

    broken = post(api, "dm", data.replace(b"<SiteRef", b"<Bogus/><SiteRef", 1))
    assert broken.status_code == 422 and broken.json()["errors"][0]["message"].startswith(  # type: ignore[attr-defined]
        "Element '{http://www.cdisc.org/ns/odm/v1.3}Bogus'")


def test_site_staff_are_refused_and_a_site_data_manager_imports_only_into_their_site(api: Api,
                                                                                     tmp_path: Path) -> None:
    subjects(api, 1, site="01")
    subjects(api, 1, site="02")
    data = exported(api, tmp_path)
    assert post(api, "inv01", data).status_code == 403  # type: ignore[attr-defined]
    assert post(api, "monitor", data).status_code == 403  # type: ignore[attr-defined]
    refused = post(api, site_data_manager(api), data)
    assert refused.status_code == 422  # type: ignore[attr-defined]
    messages = [e["message"] for e in refused.json()["errors"]]  # type: ignore[attr-defined]
    assert len(messages) == 1 and messages[0].startswith("no subject 02-02-001 at a site you may import into")
    as_json = api.client.post(IMPORTS, content=data, headers={**api.headers("dm"), "Content-Type": "application/json"})
    assert as_json.status_code == 415
