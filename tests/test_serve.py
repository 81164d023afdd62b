"""The README's run command: `edc serve --demo` on a fresh SQLite file serves the four trials with demo data."""

from __future__ import annotations

from pathlib import Path

import httpx
from server_process import edc_serve

from edc.definitions.catalog import Catalog
from edc.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD


def _login(base: str, username: str) -> httpx.Response:
    return httpx.post(f"{base}/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD})


def _subject_counts(base: str, catalog: Catalog) -> dict[str, int]:
    auth = {"Authorization": f"Bearer {_login(base, 'monitor').json()['token']}"}
    return {study_id: len(httpx.get(f"{base}/api/v1/studies/{study_id}/subjects", headers=auth,
                                    params={"limit": 500}).json()["items"])
            for study_id in catalog.studies}


def test_serve_demo_starts_the_api_with_demo_subjects_and_every_form_documented(tmp_path: Path,
                                                                                 catalog: Catalog) -> None:
    url = f"sqlite:///{tmp_path / 'edc.sqlite'}"
    with edc_serve("--demo", url=url, cwd=tmp_path, startup_seconds=300) as base:
        schemas = httpx.get(f"{base}/schema/openapi.json").json()["components"]["schemas"]
        for study in catalog.studies.values():
            for form_id in study.forms:
                assert f"{study.id}.{form_id}.Input" in schemas, (study.id, form_id)
        assert httpx.get(f"{base}/schema").status_code == 200
        for account in DEMO_ACCOUNTS:
            assert _login(base, account.username).status_code == 201, account.username
        auth = {"Authorization": f"Bearer {_login(base, 'monitor').json()['token']}"}
        for study_id in catalog.studies:
            corrections = httpx.get(f"{base}/api/v1/studies/{study_id}/audit", headers=auth,
                                    params={"action": "record.correct", "limit": 5}).json()["items"]
            assert corrections and all(event["reason"] for event in corrections), study_id
        first = _subject_counts(base, catalog)
        assert all(count >= 5 for count in first.values()), first
    with edc_serve("--demo", url=url, cwd=tmp_path, startup_seconds=300) as base:
        assert _subject_counts(base, catalog) == first  # a restart adds no second set of demo subjects
