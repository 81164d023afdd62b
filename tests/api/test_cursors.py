"""Page cursors are signed with the database's own secret and bound to their listing and filter: one made up
without the secret, edited, or taken from another listing or filter is refused (422), on every paged listing."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from api_env import Api, screen
from sqlalchemy import text

from edc.db import migrate
from edc.db.engine import make_engine

SUBJECTS = "/api/v1/studies/relmacel/subjects"


def _page(api: Api, path: str, **params: str) -> dict[str, object]:
    answer = api.call("monitor", "GET", path, params={"limit": "1", **params})
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


def _cursor_of(link: object) -> str:
    assert isinstance(link, str) and "cursor=" in link
    return link.split("cursor=")[1].split("&")[0]


def _refused(api: Api, path: str, cursor: str, **params: str) -> None:
    answer = api.call("monitor", "GET", path, params={"limit": "1", "cursor": cursor, **params})
    assert answer.status_code == 422, answer.text
    assert "cursor" in answer.json()["detail"]


def test_a_cursor_needs_the_secret_and_its_own_listing_and_filter(api: Api) -> None:
    for _ in range(3):
        screen(api)
    cursor = _cursor_of(_page(api, SUBJECTS)["next"])
    following = _page(api, SUBJECTS, cursor=cursor)
    assert following["items"], "the cursor handed out resumes the listing"
    version, last_id, mac = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().split(".")
    # the former, secretless construction: anyone could compute it
    unkeyed = hashlib.sha256(f"{last_id}|subjects".encode()).hexdigest()[:len(mac)]
    for forged_text in (f"{version}.{int(last_id) + 1}.{mac}", f"{version}.{last_id}.{unkeyed}",
                        f"{version}.0{last_id}.{mac}", f"{version}.{last_id}.{mac[:-1]}"):
        forged = base64.urlsafe_b64encode(forged_text.encode()).decode().rstrip("=")
        _refused(api, SUBJECTS, forged)
    _refused(api, SUBJECTS, cursor, status="screened")  # another filter
    _refused(api, "/api/v1/studies/relmacel/queries", cursor)  # another listing
    _refused(api, "/api/v1/studies/relmacel/audit", cursor)


def _secret(url: str) -> str:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("SELECT secret FROM service_secrets WHERE name = 'cursor'")).scalar_one())
    finally:
        engine.dispose()


def test_each_database_generates_its_own_secret(api: Api, db_url: str, tmp_path: Path) -> None:
    other = f"sqlite:///{tmp_path / 'other.sqlite'}"
    migrate.upgrade(other, "head")
    assert len(bytes.fromhex(_secret(db_url))) == 32
    assert _secret(db_url) != _secret(other)
