"""SDTM export jobs over HTTP: only data managers run them; a job runs in the background to its files or its
validation failures; a retry is the same job; a job whose server process died shows as failed (interrupted)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from api_env import PASSWORD, STUDY, Api, records_path, screen
from litestar.testing import TestClient
from screened import payload
from screening_data import screening
from sqlalchemy import func, insert, select

from edc.api.app import create_app
from edc.app.access.service import GrantSpec, create_user
from edc.app.exports import jobs, worker
from edc.app.exports import service as exports
from edc.app.kernel.actor import Actor
from edc.db.core import User
from edc.db.engine import WRITE
from edc.db.jobs import ExportJob
from edc.db.trail import AuditEvent
from edc.export.sdtm.failures import Failure, SubmissionInvalid

EXPORTS = f"/api/v1/studies/{STUDY}/exports"
PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def export_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every job of a test writes under the test's own folder."""
    monkeypatch.setenv("EDC_EXPORT_DIR", str(tmp_path / "exports"))
    return tmp_path / "exports"


def finished(api: Api, job_id: int, timeout: float = 60.0) -> dict[str, Any]:
    """Poll the job until it succeeded or failed."""
    deadline = time.monotonic() + timeout
    while True:
        response = api.call("dm", "GET", f"{EXPORTS}/{job_id}")
        assert response.status_code == 200, response.text
        job: dict[str, Any] = response.json()
        if job["status"] in ("succeeded", "failed"):
            return job
        assert time.monotonic() < deadline, f"export job still {job['status']} after {timeout}s: {job}"
        time.sleep(0.05)


def dm_actor(api: Api) -> Actor:
    with api.engine.connect() as conn:
        user_id = conn.execute(select(User.id).where(User.username == "dm")).scalar_one()
    return Actor(user_id=int(user_id), role="data_manager")


def queued_job(api: Api, formats: list[str] | None = None) -> int:
    """A job stored as the POST route stores it, not launched yet."""
    with api.engine.execution_options(**WRITE).begin() as conn:
        job = exports.request_export(conn, study=api.catalog.studies[STUDY], actor=dm_actor(api), formats=formats,
                                     now=datetime.now(UTC))
    return job.job_id


def run_with(api: Api, job_id: int, export: Callable[..., Any], root: Path) -> threading.Thread:
    return worker.launch(api.engine, study=api.catalog.studies[STUDY], job_id=job_id, export=export, root=root)


def test_only_data_managers_start_read_and_download_exports(api: Api) -> None:
    for user in ("monitor", "inv01", "coord01", "safety", "admin"):
        for method, path in (("POST", EXPORTS), ("GET", EXPORTS), ("GET", f"{EXPORTS}/1"),
                             ("GET", f"{EXPORTS}/1/files/dm.xpt")):
            response = api.call(user, method, path, json={} if method == "POST" else None)
            assert response.status_code == 403, (user, method, path, response.text)
            assert response.headers["content-type"].startswith(PROBLEM)
    assert api.call("dm", "GET", EXPORTS).json() == {"items": [], "next": None}
    unknown = api.call("dm", "GET", f"{EXPORTS}/99")
    assert unknown.status_code == 404 and unknown.headers["content-type"].startswith(PROBLEM)
    assert api.call("dm", "POST", "/api/v1/studies/nosuch/exports", json={}).status_code == 404
    assert api.call("dm", "GET", f"{EXPORTS}/99/files/dm.xpt").status_code == 404


def test_the_formats_asked_for_are_checked_item_by_item(api: Api) -> None:
    response = api.call("dm", "POST", EXPORTS, json={"formats": ["xpt", "pdf", "xpt", "sas7bdat"]})
    assert response.status_code == 422 and response.headers["content-type"].startswith(PROBLEM)
    assert [(e["item"], e["value"]) for e in response.json()["errors"]] == [
        ("formats[1]", "pdf"), ("formats[3]", "sas7bdat"), ("formats[2]", "xpt")]
    empty = api.call("dm", "POST", EXPORTS, json={"formats": []})
    assert empty.status_code == 422 and empty.json()["errors"][0]["item"] == "formats"
    for body in ({"formats": "xpt"}, {"formats": ["xpt"], "status": "succeeded"}, {"formats": [1]}):
        refused = api.call("dm", "POST", EXPORTS, json=body)
        assert refused.status_code == 422, (body, refused.text)
        assert refused.headers["content-type"].startswith(PROBLEM)
    assert api.call("dm", "GET", EXPORTS).json()["items"] == []  # nothing was queued


def test_a_refused_submission_ends_failed_with_every_failure(api: Api, export_dir: Path) -> None:
    failures = [Failure("DM", "BRTHDTC", "RELMACEL-01-001", "2026-02-30", "is not a date in the calendar", 1),
                Failure("AE", "AESEQ/USUBJID", "RELMACEL-01-002", (1, "RELMACEL-01-002"), "is not unique", 3),
                Failure("DM", None, None, None, "has no rows, but every subject must be in DM")]
    seen: list[Path] = []

    def refuse(engine: Any, study: Any, out: Path, **_: Any) -> Any:
        seen.append(out)
        raise SubmissionInvalid(failures)

    job_id = queued_job(api, ["csv"])
    run_with(api, job_id, refuse, export_dir).join(10)
    job = finished(api, job_id)
    assert (job["status"], job["formats"], job["files"], job["rows"]) == ("failed", ["csv"], [], None)
    assert "3 failure(s)" in job["error"] and "nothing was written" in job["error"]
    assert job["failures"] == [
        {"domain": "DM", "variable": "BRTHDTC", "usubjid": "RELMACEL-01-001", "value": "2026-02-30",
         "message": "is not a date in the calendar", "row": 1},
        {"domain": "AE", "variable": "AESEQ/USUBJID", "usubjid": "RELMACEL-01-002", "value": [1, "RELMACEL-01-002"],
         "message": "is not unique", "row": 3},
        {"domain": "DM", "variable": None, "usubjid": None, "value": None,
         "message": "has no rows, but every subject must be in DM", "row": None}]
    assert seen and seen[0].is_relative_to(export_dir / STUDY) and str(seen[0]) not in str(job)
    download = api.call("dm", "GET", f"{EXPORTS}/{job_id}/files/dm.csv")
    assert download.status_code == 409 and download.headers["content-type"].startswith(PROBLEM)
    events = api.call("dm", "GET", f"/api/v1/studies/{STUDY}/audit", params={"limit": 1000}).json()["items"]
    assert [(e["action"], e["new_value"]) for e in events if e["action"].startswith("export.")] == [
        ("export.start", '"queued"'), ("export.finish", '"failed"')]


def test_a_running_job_reports_progress_and_has_no_files_yet(api: Api, export_dir: Path) -> None:
    release, reported = threading.Event(), threading.Event()

    def slow(engine: Any, study: Any, out: Path, *, progress: Any, **_: Any) -> Any:
        progress(_Progress("DM", "written", 1, 3))
        progress(_Progress("AE", "mapped", 1, 3))
        reported.set()
        assert release.wait(10)
        out.mkdir(parents=True)
        (out / "dm.csv").write_text("STUDYID,USUBJID\n")
        return _Result(out, (out / "dm.csv",), {"DM": 0, "AE": 0, "SUPPAE": 0})

    job_id = queued_job(api, ["csv"])
    worker = run_with(api, job_id, slow, export_dir)
    assert reported.wait(10)
    running = api.call("dm", "GET", f"{EXPORTS}/{job_id}").json()
    assert running["status"] == "running" and running["progress"]["done"] == 1 and running["progress"]["total"] == 3
    assert api.call("dm", "GET", f"{EXPORTS}/{job_id}/files/dm.csv").status_code == 409
    release.set()
    worker.join(10)
    done = finished(api, job_id)
    assert (done["status"], done["rows"], [f["name"] for f in done["files"]]) == (
        "succeeded", {"DM": 0, "AE": 0, "SUPPAE": 0}, ["dm.csv"])
    for name in ("../../edc.sqlite", "..%2F..%2Fedc.sqlite", "dm.xpt", ".staging-x"):
        refused = api.call("dm", "GET", f"{EXPORTS}/{job_id}/files/{name}")
        assert refused.status_code == 404, (name, refused.status_code)


def dead_jobs(api: Api) -> dict[str, int]:
    """Two jobs left running by server processes that died ten minutes ago."""
    long_ago = datetime.now(UTC) - timedelta(minutes=10)
    runners = {"restarted": f"{jobs.HOST}:{jobs.PID}:0123456789ab",  # this pid, an earlier start
               "elsewhere": "db-host-7:4242:0123456789ab"}  # another host, silent for ten minutes
    return {name: stored_job(api, runner=runner, heartbeat_at=long_ago) for name, runner in runners.items()}


def stored_job(api: Api, *, runner: str, heartbeat_at: datetime) -> int:
    """A job stored as running by `runner`, its heartbeat at `heartbeat_at`."""
    with api.engine.begin() as conn:
        return int(conn.execute(insert(ExportJob).values(
            study_id=STUDY, requested_by=dm_actor(api).user_id, requested_role="data_manager",
            requested_at=heartbeat_at, status="running", formats=["xpt"], runner=runner, heartbeat_at=heartbeat_at,
            started_at=heartbeat_at, progress_done=1, progress_total=4).returning(ExportJob.id)).scalar_one())


def stored_state(api: Api) -> tuple[list[tuple[Any, ...]], int]:
    """Every export job row as stored, and how many audit events there are."""
    with api.engine.connect() as conn:
        rows = [tuple(row) for row in conn.execute(select(ExportJob).order_by(ExportJob.id))]
        return rows, int(conn.execute(select(func.count()).select_from(AuditEvent)).scalar_one())


def finish_events(api: Api) -> list[tuple[str, str | None]]:
    with api.engine.connect() as conn:
        return [(str(e.new_value), e.reason) for e in conn.execute(
            select(AuditEvent.new_value, AuditEvent.reason).where(AuditEvent.action == "export.finish")
            .order_by(AuditEvent.id))]


def stored_outcomes(api: Api, ids: dict[str, int]) -> list[tuple[str, bool]]:
    with api.engine.connect() as conn:
        stored = conn.execute(select(ExportJob.status, ExportJob.error).where(ExportJob.id.in_(ids.values()))
                              .order_by(ExportJob.id)).all()
    return [(s, (e or "").startswith("interrupted")) for s, e in stored]


def test_a_job_whose_server_process_died_shows_failed_interrupted(api: Api) -> None:
    ids = dead_jobs(api)
    before = stored_state(api)
    for job_id in ids.values():
        job = api.call("dm", "GET", f"{EXPORTS}/{job_id}").json()
        assert job["status"] == "failed" and job["error"].startswith("interrupted"), job
    listed = api.call("dm", "GET", EXPORTS).json()["items"]
    assert [j["id"] for j in listed] == sorted(ids.values(), reverse=True)  # newest first
    assert all(j["status"] == "failed" and j["error"].startswith("interrupted") for j in listed), listed
    assert stored_state(api) == before  # reads never write: the rows as they were, no audit event
    assert worker.sweep(api.engine) == 2  # the sweep stores what the reads showed
    assert stored_outcomes(api, ids) == [("failed", True)] * 2


def test_the_sweep_settles_each_dead_job_once_and_leaves_live_ones_alone(api: Api) -> None:
    ids = dead_jobs(api)
    now = datetime.now(UTC)
    live = {"same host": stored_job(api, runner=f"{jobs.HOST}:{os.getppid()}:0123456789ab", heartbeat_at=now),
            "other host": stored_job(api, runner="db-host-8:4243:0123456789ab", heartbeat_at=now)}
    assert worker.sweep(api.engine) == 2
    assert stored_outcomes(api, ids) == [("failed", True)] * 2
    assert [(status, reason) for status, reason in finish_events(api)] == [
        ('"failed"', f"export {job_id}: {jobs.INTERRUPTED}") for job_id in sorted(ids.values())]
    for job_id in live.values():
        assert api.call("dm", "GET", f"{EXPORTS}/{job_id}").json()["status"] == "running"
    settled = stored_state(api)
    assert worker.sweep(api.engine) == 0 and stored_state(api) == settled  # idempotent: nothing more
    for job_id in ids.values():
        job = api.call("dm", "GET", f"{EXPORTS}/{job_id}").json()
        assert (job["status"], job["error"]) == ("failed", jobs.INTERRUPTED) and job["finished_at"] is not None


def test_sweeps_at_once_settle_a_dead_job_once(api: Api) -> None:
    """Several sweeps racing (as two servers starting together would): one settles each job, one event each."""
    ids = dead_jobs(api)
    start = threading.Barrier(4)
    counts: list[int] = []

    def race() -> None:
        start.wait(10)
        counts.append(worker.sweep(api.engine))

    racers = [threading.Thread(target=race) for _ in range(4)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(30)
    assert sum(counts) == 2, counts
    assert len(finish_events(api)) == 2 and stored_outcomes(api, ids) == [("failed", True)] * 2


def test_the_application_starting_and_each_worker_settle_dead_jobs(api: Api, export_dir: Path) -> None:
    at_start = dead_jobs(api)
    with TestClient(create_app(api.engine, api.catalog)):  # a server starting over the same database
        pass
    assert stored_outcomes(api, at_start) == [("failed", True)] * 2 and len(finish_events(api)) == 2
    before_launch = {"elsewhere": stored_job(api, runner="db-host-9:99:0123456789ab",
                                             heartbeat_at=datetime.now(UTC) - timedelta(minutes=5))}

    def empty(engine: Any, study: Any, out: Path, **_: Any) -> Any:
        out.mkdir(parents=True)
        return _Result(out, (), {})

    run_with(api, queued_job(api, ["csv"]), empty, export_dir).join(10)
    assert stored_outcomes(api, before_launch) == [("failed", True)]
    assert [status for status, _ in finish_events(api)] == ['"failed"'] * 3 + ['"succeeded"']


def subjects(api: Api, count: int, *, demographics: bool = True, site: str = "01") -> list[str]:
    """`count` SLE subjects screened at `site`, with their demographics unless told otherwise."""
    study = api.catalog.studies[STUDY]
    investigator = f"inv{site}"
    numbers = [screen(api, investigator, site) for _ in range(count)]
    for number in numbers if demographics else ():
        body = payload(study, "demographics", screening(study, None)["demographics"])
        created = api.call(investigator, "POST", records_path(number, "SCR", "demographics"), json=body)
        assert created.status_code == 201, created.text
    return numbers


def test_data_failing_validation_end_the_job_failed_with_every_failure(api: Api) -> None:
    subjects(api, 1)
    lacking = subjects(api, 2, demographics=False)  # DM.SEX is Required: nothing to take it from
    started = api.call("dm", "POST", EXPORTS, json=None)
    assert started.status_code == 202, started.text
    job = finished(api, started.json()["id"])
    assert job["status"] == "failed" and job["files"] == [] and "nothing was written" in job["error"]
    missing_sex = {f["usubjid"] for f in job["failures"] if (f["domain"], f["variable"]) == ("DM", "SEX")}
    assert len(missing_sex) == len(lacking) and all(
        any(usubjid.endswith(f"-{number}") for usubjid in missing_sex) for number in lacking), job["failures"]
    assert job["formats"] == ["xpt", "json", "csv"]


def test_an_export_runs_to_its_files_and_a_retry_is_the_same_job(api: Api) -> None:
    subjects(api, 3)
    key = {"Idempotency-Key": "export-2026-03-02"}
    started = api.call("dm", "POST", EXPORTS, json={"formats": ["xpt", "csv"]}, headers=key)
    assert started.status_code == 202, started.text
    job_id = started.json()["id"]
    assert started.headers["location"] == f"{EXPORTS}/{job_id}"
    assert started.json()["status"] in ("queued", "running") and "directory" not in started.json()
    again = api.call("dm", "POST", EXPORTS, json={"formats": ["xpt", "csv"]}, headers=key)
    assert (again.status_code, again.json()["id"], again.headers["location"]) == (202, job_id, f"{EXPORTS}/{job_id}")
    other = api.call("dm", "POST", EXPORTS, json={"formats": ["json"]}, headers=key)
    assert other.status_code == 422 and other.json()["type"].endswith("/idempotency-key-reused")

    job = finished(api, job_id)
    assert job["status"] == "succeeded", (job["error"], job["failures"][:5])
    assert job["rows"]["DM"] == 3 and job["failures"] == [] and job["error"] is None
    names = [f["name"] for f in job["files"]]
    assert "define.xml" in names and "dm.xpt" in names and "dm.csv" in names and not any(
        n.endswith(".json") for n in names)
    types = {".xpt": "application/octet-stream", ".csv": "text/csv", ".xml": "application/xml"}
    for file in job["files"]:
        assert file["url"] == f"{EXPORTS}/{job_id}/files/{file['name']}"
        assert file["media_type"] == types[Path(file["name"]).suffix]
    for name in ("dm.xpt", "dm.csv", "define.xml"):
        download = api.call("dm", "GET", f"{EXPORTS}/{job_id}/files/{name}")
        assert download.status_code == 200, (name, download.text)
        assert download.headers["content-type"].startswith(types[Path(name).suffix])
        assert len(download.content) > 0
    assert [j["id"] for j in api.call("dm", "GET", EXPORTS).json()["items"]] == [job_id]


class _Progress:
    def __init__(self, dataset: str, step: str, done: int, total: int) -> None:
        self.dataset, self.step, self.done, self.total = dataset, step, done, total


class _Result:
    def __init__(self, directory: Path, files: tuple[Path, ...], rows: dict[str, int]) -> None:
        self.directory, self.files, self.rows = directory, files, rows


def site_data_manager(api: Api) -> str:
    """A data manager granted site 01 of STUDY only (`data_manager:relmacel:01`), logged in."""
    with api.engine.begin() as conn:
        create_user(conn, username="dm01", full_name="Site DM", password=PASSWORD,
                    grants=[GrantSpec("data_manager", STUDY, "01")], now=datetime.now(UTC))
    login = api.login("dm01")
    assert login.status_code == 201, login.text
    api.tokens["dm01"] = login.json()["token"]
    return "dm01"


def test_a_site_data_manager_exports_and_sees_only_their_sites(api: Api) -> None:
    own, other = subjects(api, 2, site="01"), subjects(api, 1, site="02")
    dm01 = site_data_manager(api)
    whole = api.call("dm", "POST", EXPORTS, json={"formats": ["csv"]})
    assert whole.status_code == 202, whole.text
    started = api.call(dm01, "POST", EXPORTS, json={"formats": ["csv"]})
    assert started.status_code == 202, started.text
    job = finished(api, started.json()["id"])
    assert job["status"] == "succeeded", (job["error"], job["failures"][:5])
    assert job["rows"]["DM"] == len(own)
    dm_csv = api.call(dm01, "GET", f"{EXPORTS}/{job['id']}/files/dm.csv")
    assert dm_csv.status_code == 200, dm_csv.text
    assert all(number in dm_csv.text for number in own) and not any(number in dm_csv.text for number in other)
    assert "ts.csv" in [f["name"] for f in job["files"]]  # the trial design datasets are the study's

    study_wide = finished(api, whole.json()["id"])
    assert study_wide["rows"]["DM"] == len(own) + len(other)
    for path in (f"{EXPORTS}/{study_wide['id']}", f"{EXPORTS}/{study_wide['id']}/files/dm.csv"):
        assert api.call(dm01, "GET", path).status_code == 404  # answered as a job that does not exist
    assert [j["id"] for j in api.call(dm01, "GET", EXPORTS).json()["items"]] == [job["id"]]
    assert {j["id"] for j in api.call("dm", "GET", EXPORTS).json()["items"]} == {job["id"], study_wide["id"]}
