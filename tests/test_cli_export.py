"""`edc export sdtm`, run in-process with CliRunner on a migrated SQLite database holding a small IC19 demo.

The demo fills IC19 with one treated subject and one screen failure (as the
export reader's tests do), once for the module: populating takes a second or two.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from edc import cli
from edc.cli import export as cli_export
from edc.definitions.catalog import Catalog
from edc.demo import populate
from edc.demo.plan import DESIGNS, TrialDesign
from edc.export.formats import FORMATS
from edc.export.sdtm.failures import Failure, SubmissionInvalid

sys.path.insert(0, str(Path(__file__).parent / "demo"))
from demo_env import TODAY, demo_env

STUDY = "ic19"
SMALL_CAST = TrialDesign((40,), ("DL1",), ("SLE",), (("EXC12", "SLE", 10),))


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('export') / 'edc.sqlite'}"
    env = demo_env(url, catalog)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(DESIGNS, STUDY, SMALL_CAST)
        populate(env.engine, Catalog.of([catalog.study(STUDY)]), actor_for=env.actor_for, today=TODAY)
    env.engine.dispose()
    yield url


def test_export_sdtm_writes_the_files_and_lists_the_datasets(url: str, tmp_path: Path) -> None:
    out = tmp_path / "sdtm"
    result = CliRunner().invoke(cli.main, ["export", "sdtm", "--study", STUDY, "--out", str(out), "--url", url,
                                           "--format", "xpt", "--format", "json"])

    assert result.exit_code == 0, result.output
    assert (out / "define.xml").is_file() and (out / "dm.xpt").is_file() and (out / "dm.json").is_file()
    assert (out / "ti.xpt").is_file() and (out / "lb.json").is_file() and (out / "vs.xpt").is_file()
    assert not list(out.glob("*.csv"))
    assert f"wrote {out}" in result.stdout
    assert any(line.split()[:2] == ["DM", "2"] for line in result.stdout.splitlines())  # two subjects
    assert "] DM" in result.stderr  # a progress line per dataset when stderr is no terminal


def test_an_unknown_study_fails_with_a_message(url: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli.main, ["export", "sdtm", "--study", "nope", "--out", str(tmp_path), "--url", url])

    assert result.exit_code == 1
    assert "error: no study 'nope'; known: cnct19, ic19" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_refused_export_lists_every_failure(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    failures = [Failure("AE", "AESTDTC", "IC19-01-001", "2026-02-30", "is not an ISO 8601 date/time", 1),
                Failure("AE", "USUBJID", "IC19-09-999", "IC19-09-999", "is not a subject in DM", 2)]

    def refuse(*args: object, **kwargs: object) -> None:
        raise SubmissionInvalid(failures)

    monkeypatch.setattr("edc.app.exports.submission.export_study", refuse)
    result = CliRunner().invoke(cli.main, ["export", "sdtm", "--study", STUDY, "--out", str(tmp_path), "--url", url])

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [*map(str, failures), "export refused: 2 failure(s); nothing written"]


def test_the_format_choices_are_the_exports() -> None:
    option = next(p for p in cli_export.export_sdtm.params if p.name == "formats")
    assert isinstance(option.type, click.Choice) and tuple(option.type.choices) == FORMATS


def test_export_casebook_writes_a_subjects_pdf_and_a_sites_zip(url: str, tmp_path: Path) -> None:
    import io
    import zipfile

    from pypdf import PdfReader
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        number, site = conn.execute(text(
            "SELECT s.subject_number, t.code FROM subjects s JOIN sites t ON t.id = s.site_id "
            "WHERE s.study_id = :study ORDER BY s.subject_number"), {"study": STUDY}).first()
        at_site = conn.execute(text("SELECT count(*) FROM subjects s JOIN sites t ON t.id = s.site_id "
                                    "WHERE s.study_id = :study AND t.code = :site"),
                               {"study": STUDY, "site": site}).scalar_one()
    engine.dispose()
    pdf = tmp_path / "casebook.pdf"
    result = CliRunner().invoke(cli.main, ["export", "casebook", "--study", STUDY, "--subject", number,
                                           "--out", str(pdf), "--url", url])
    assert result.exit_code == 0, result.output
    assert number in "".join(page.extract_text() for page in PdfReader(pdf).pages)

    bundle = tmp_path / "site.zip"
    result = CliRunner().invoke(cli.main, ["export", "casebook", "--study", STUDY, "--site", site,
                                           "--out", str(bundle), "--url", url])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(io.BytesIO(bundle.read_bytes())) as archive:
        assert len([n for n in archive.namelist() if n.endswith(".pdf")]) == at_site


def test_export_casebook_refuses_an_unknown_subject_and_both_choices(url: str, tmp_path: Path) -> None:
    out = str(tmp_path / "x.pdf")
    missing = CliRunner().invoke(cli.main, ["export", "casebook", "--study", STUDY, "--subject", "99-999",
                                            "--out", out, "--url", url])
    both = CliRunner().invoke(cli.main, ["export", "casebook", "--study", STUDY, "--subject", "1", "--site", "01",
                                         "--out", out, "--url", url])
    assert missing.exit_code == 1 and "Traceback" not in missing.output
    assert both.exit_code == 2 and "exactly one" in both.output
    assert not (tmp_path / "x.pdf").exists()
