"""A browser-like client of the workspace through Litestar's test client: its own cookie jar, the CSRF token read
from the page's form as a browser would send it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from litestar.testing import TestClient

CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')


@dataclass
class Browser:
    """One user's session: a client with its own cookies, and the CSRF token of the last page read."""

    client: TestClient[Any]
    csrf: str = ""

    def get(self, path: str, **params: object) -> Any:
        response = self.client.get(path, params=params or None, follow_redirects=True)
        found = CSRF_FIELD.search(response.text)
        if found:
            self.csrf = found.group(1)
        return response

    def post(self, path: str, form: dict[str, str], *, csrf: bool = True) -> Any:
        data = {**form, "_csrf_token": self.csrf} if csrf else form
        return self.client.post(path, data=data, follow_redirects=False)

    def follow(self, response: Any) -> Any:
        assert response.status_code == 303, response.text
        return self.get(response.headers["location"])


def browser(app: Any, username: str | None = None, password: str = "") -> Browser:
    """A fresh session on `app`, logged in as `username` when given."""
    session = Browser(TestClient(app))
    session.get("/workspace/login")
    if username is not None:
        response = session.post("/workspace/login", {"username": username, "password": password, "next": ""})
        assert response.status_code == 303, response.text
    return session
