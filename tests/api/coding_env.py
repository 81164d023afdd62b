"""What the coding tests share: the invented test releases loaded, the study's releases set, terms read back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from api_env import NOW, STUDY, Api

from edc.app.coding.dictionaries import load_release
from edc.db.engine import WRITE

DATA = Path(__file__).parents[1] / "data" / "coding"
CODING = f"/api/v1/studies/{STUDY}/coding"
MEDDRA, WHODRUG = "TEST-27.1", "TEST-B3-2025"


def load_test_releases(api: Api, meddra: str = MEDDRA, whodrug: str = WHODRUG) -> None:
    """Load the invented releases of tests/data/coding as an operator would (`edc coding load`)."""
    with api.engine.execution_options(**WRITE).begin() as conn:
        load_release(conn, kind="meddra", directory=DATA / "meddra", version=meddra, now=NOW)
        load_release(conn, kind="whodrug", directory=DATA / "whodrug", version=whodrug, now=NOW)


def use_releases(api: Api, meddra: str = MEDDRA, whodrug: str = WHODRUG) -> None:
    """Set the study's releases as its data manager."""
    for kind, version in (("meddra", meddra), ("whodrug", whodrug)):
        response = api.call("dm", "PUT", f"{CODING}/dictionaries/{kind}", json={"version": version})
        assert response.status_code == 200, response.text


def terms(api: Api, user: str = "dm", **params: Any) -> list[dict[str, Any]]:
    """Every term of the listing (all pages) as `user` sees it."""
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        response = api.call(user, "GET", f"{CODING}/terms",
                            params={**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        found += response.json()["items"]
        cursor = response.json()["next"]
        if cursor is None:
            return found


def term_of(api: Api, subject: str, form: str, item: str, seq: int = 1) -> dict[str, Any]:
    """The one term of a subject's record, whatever its status."""
    [found] = [t for t in terms(api, status="all", subject=subject)
               if (t["form"], t["item"], t["seq"]) == (form, item, seq)]
    return found


def decide(api: Api, term: dict[str, Any], code: str, *, user: str = "dm", **body: Any) -> Any:
    return api.call(user, "POST", f"{CODING}/terms/{term['id']}/decision", json={"code": code, **body},
                    headers={"If-Match": f'"{term["version"]}"'})
