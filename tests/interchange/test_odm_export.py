"""`edc export odm` on the demo of every trial: valid against CDISC's ODM 1.3.2 XSD, every subject and value there,
and a site-scoped export holds only that site's subjects.

The demo is the session's shared SQLite database (tests/demo/demo_env.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree
from sqlalchemy import func, select

from edc import cli
from edc.app.exports.odm import export_odm
from edc.db.core import Site, Subject
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
