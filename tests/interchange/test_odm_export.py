"""`edc export odm` on the demo of every trial: valid against CDISC's ODM 1.3.2 XSD, every subject and value there,
each value with the audit record of its last change, the valid signatures on what they sign, a site-scoped export
holding only that site's subjects and a time window only the records changed within it.

The demo is the session's shared SQLite database (tests/demo/demo_env.py).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from lxml import etree
from sqlalchemy import Row, func, select

from edc import cli
from edc.app.exports.odm import Window, export_odm
from edc.app.kernel.clock import stored_utc
from edc.app.kernel.errors import InvalidInput
from edc.db.core import Site, Subject, User
from edc.db.monitoring import Signature
from edc.db.trail import AuditEvent
from edc.definitions.catalog import Catalog
from edc.export.odm.document import OdmInvalid, odm_schema, validate

sys.path.insert(0, str(Path(__file__).parents[1] / "demo"))
from demo_env import DemoEnv, shared_sqlite_demo

TRIALS = ("relmacel", "rd0604", "ic19", "cnct19")
ODM = "{http://www.cdisc.org/ns/odm/v1.3}"


@pytest.fixture(scope="module")
def demo(catalog: Catalog) -> DemoEnv:
    """The session's demo database of all four trials."""
    env, _ = shared_sqlite_demo(catalog)
    return env


@pytest.mark.parametrize("study_id", TRIALS)
def test_cli_export_validates_and_holds_every_subject(demo: DemoEnv, tmp_path: Path, study_id: str) -> None:
    out = tmp_path / f"{study_id}.xml"
    url = demo.engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(cli.main, ["export", "odm", "--study", study_id, "--out", str(out), "--url", url])
    assert result.exit_code == 0, result.output
    tree = etree.parse(str(out))
    assert odm_schema().validate(tree), odm_schema().error_log
    with demo.engine.connect() as conn:
        subjects = conn.scalar(select(func.count()).select_from(Subject).where(Subject.study_id == study_id))
    keys = tree.findall(f"{ODM}ClinicalData/{ODM}SubjectData")
    assert len(keys) == subjects and subjects
    assert tree.findall(f".//{ODM}ItemData"), "the demo's values are exported"
    forms = {f.get("OID") for f in tree.iter(f"{ODM}FormDef")}
    assert forms == {f"F.{form_id}" for form_id in demo.catalog.studies[study_id].forms}
    assert any(a.get("Context") == "SDTM" for a in tree.iter(f"{ODM}Alias"))


def test_site_scoped_export_holds_only_its_site(demo: DemoEnv, tmp_path: Path) -> None:
    study = demo.catalog.studies["ic19"]
    with demo.engine.connect() as conn:
        sites = conn.execute(select(Site.code, Site.id).where(Site.study_id == study.id)).all()
        counts = dict(conn.execute(select(Subject.site_id, func.count()).where(Subject.study_id == study.id)
                                   .group_by(Subject.site_id)).all())
    # the demo enrols ic19 at one site; a site id no subject has (another site's user) must export none
    for code, site_id in [*sites, ("none", -1)]:
        tree = etree.parse(str(export_odm(demo.engine, study, tmp_path / f"{code}.xml", site_ids={site_id})))
        refs = [r.get("LocationOID") for r in tree.iter(f"{ODM}SiteRef")]
        assert set(refs) <= {f"LOC.{code}"} and len(refs) == counts.get(site_id, 0)
    assert sum(counts.values()) > 0
    url = demo.engine.url.render_as_string(hide_password=False)
    other = CliRunner().invoke(cli.main, ["export", "odm", "--study", "ic19", "--site", "9999",
                                          "--out", str(tmp_path / "x.xml"), "--url", url])
    assert other.exit_code == 1 and "no site 9999" in other.output
    assert not (tmp_path / "x.xml").exists()


def test_invalid_document_is_refused_with_its_line() -> None:
    root = etree.fromstring(b'<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" FileOID="x" FileType="Snapshot"\n'
                            b' CreationDateTime="2026-01-01T00:00:00"><Bogus/></ODM>')
    with pytest.raises(OdmInvalid) as refused:
        validate(root)
    assert refused.value.errors and refused.value.errors[0].startswith("line 2:")


def _value_events(demo: DemoEnv, study_id: str) -> dict[int, Row[Any]]:
    """The study's events that set values (created or corrected), by id."""
    with demo.engine.connect() as conn:
        rows = conn.execute(select(AuditEvent.__table__).where(
            AuditEvent.study_id == study_id, AuditEvent.action.in_(("record.create", "record.correct"))))
        return {int(e.id): e for e in rows}


def _source_event(item_data: etree._Element) -> int | None:
    source = item_data.find(f"{ODM}AuditRecord/{ODM}SourceID")
    return None if source is None else int(str(source.text).removeprefix("audit event "))


@pytest.fixture(scope="module")
def rd0604_odm(demo: DemoEnv, tmp_path_factory: pytest.TempPathFactory) -> etree._ElementTree:
    out = tmp_path_factory.mktemp("odm") / "rd0604.xml"
    return etree.parse(str(export_odm(demo.engine, demo.catalog.studies["rd0604"], out)))


def test_each_value_carries_the_audit_record_of_its_last_change(demo: DemoEnv, rd0604_odm: etree._ElementTree) -> None:
    events = _value_events(demo, "rd0604")
    last: dict[tuple[int | None, str | None], int] = {}
    for event_id in sorted(events):  # the trail's order: a later event of the same item replaces the earlier
        last[(events[event_id].record_id, events[event_id].item)] = event_id
    with demo.engine.connect() as conn:
        usernames = dict(conn.execute(select(User.id, User.username)).all())
    admin_users = {u.get("OID"): u.findtext(f"{ODM}LoginName") for u in rd0604_odm.iter(f"{ODM}User")}
    values = list(rd0604_odm.iter(f"{ODM}ItemData"))
    assert values and all(_source_event(v) is not None for v in values), "every exported value was audited"
    for value in values:
        event = events[_source_event(value) or 0]
        assert last[(event.record_id, event.item)] == event.id, "the audit record of the current value, not older"
        assert value.get("ItemOID") == f"I.{event.form_id}.{event.item}"
        record = value.find(f"{ODM}AuditRecord")
        assert record is not None
        user_oid = record.find(f"{ODM}UserRef").get("UserOID")  # type: ignore[union-attr]
        assert admin_users[user_oid] == usernames[event.user_id]
        assert record.findtext(f"{ODM}DateTimeStamp") == stored_utc(event.occurred_at).isoformat(timespec="seconds")
        assert record.findtext(f"{ODM}ReasonForChange") == event.reason


def test_valid_signatures_are_on_what_they_sign(demo: DemoEnv, rd0604_odm: etree._ElementTree) -> None:
    with demo.engine.connect() as conn:
        valid = conn.execute(select(Signature.scope, Signature.meaning)
                             .join(Subject, Subject.id == Signature.subject_id)
                             .where(Subject.study_id == "rd0604", Signature.invalidated_at.is_(None))).all()
    meanings = {d.get("OID"): d.findtext(f"{ODM}Meaning") for d in rd0604_odm.iter(f"{ODM}SignatureDef")}
    where = {"record": "FormData", "visit": "StudyEventData", "casebook": "SubjectData"}
    found = [(s.getparent().tag.removeprefix(ODM), meanings[s.find(f"{ODM}SignatureRef").get("SignatureOID")])  # type: ignore[union-attr]
             for s in rd0604_odm.iter(f"{ODM}Signature")]
    assert valid, "the demo signs"
    assert sorted(found) == sorted((where[scope], meaning) for scope, meaning in valid)


def test_a_window_exports_the_records_changed_within_it(demo: DemoEnv, tmp_path: Path) -> None:
    study = demo.catalog.studies["rd0604"]
    events = _value_events(demo, study.id)
    moments = sorted({stored_utc(e.occurred_at) for e in events.values()})
    assert len(moments) > 2, "the demo's records change at different times"
    middle = moments[len(moments) // 2]
    full = {e.record_id for v in etree.parse(str(export_odm(demo.engine, study, tmp_path / "all.xml")))
            .iter(f"{ODM}ItemData") if (e := events[_source_event(v) or 0])}
    for window, kept in ((Window(since=middle), lambda at: at >= middle),
                         (Window(until=middle), lambda at: at < middle)):
        tree = etree.parse(str(export_odm(demo.engine, study, tmp_path / "w.xml", window=window)))
        per_form = [{events[_source_event(v) or 0].record_id for v in form.iter(f"{ODM}ItemData")}
                    for form in tree.iter(f"{ODM}FormData")]
        assert all(len(ids) == 1 for ids in per_form), "each FormData is one record"
        expected = {e.record_id for e in events.values() if kept(stored_utc(e.occurred_at))} & full
        assert {ids.pop() for ids in per_form} == expected and expected
        assert all(s.find(f"{ODM}StudyEventData") is not None for s in tree.iter(f"{ODM}SubjectData"))


@pytest.mark.parametrize(("window", "message"), [
    (Window(since=datetime(2026, 2, 1, tzinfo=UTC), until=datetime(2026, 1, 1, tzinfo=UTC)), "must not be after"),
    (Window(since=datetime(2026, 1, 1)), "timezone-aware")])
def test_a_bad_window_is_refused(demo: DemoEnv, tmp_path: Path, window: Window, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        export_odm(demo.engine, demo.catalog.studies["ic19"], tmp_path / "x.xml", window=window)
    assert not (tmp_path / "x.xml").exists()


def test_cli_window_options(demo: DemoEnv, tmp_path: Path) -> None:
    url = demo.engine.url.render_as_string(hide_password=False)
    base = ["export", "odm", "--study", "ic19", "--url", url, "--out"]
    later = CliRunner().invoke(cli.main, [*base, str(tmp_path / "later.xml"), "--changed-since", "2999-01-01T00:00Z"])
    assert later.exit_code == 0, later.output
    assert not etree.parse(str(tmp_path / "later.xml")).findall(f"{ODM}ClinicalData/{ODM}SubjectData")
    for options, message in ((["--changed-since", "2026-01-01"], "has no offset"),
                             (["--changed-since", "yesterday"], "not an ISO 8601"),
                             (["--changed-since", "2026-02-01T00:00Z", "--changed-until", "2026-01-01T00:00Z"],
                              "must not be after")):
        refused = CliRunner().invoke(cli.main, [*base, str(tmp_path / "bad.xml"), *options])
        assert refused.exit_code != 0 and message in refused.output, refused.output
        assert not (tmp_path / "bad.xml").exists()
