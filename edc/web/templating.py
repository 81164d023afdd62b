"""The workspace's Jinja2 environment (templates and static files are package data), the template config,
CSRF scoped to the workspace, and the static files route."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar.config.csrf import CSRFConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.router import Router
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from edc.demo.accounts import DEMO_PASSWORD
from edc.web.session import PREFIX

HERE = Path(__file__).parent
CSRF_COOKIE = "edc_csrf"
SECRET_ENV = "EDC_WEB_SECRET"
#: What CSRF leaves alone: the API (bearer tokens), its documentation, the health probe; all else is the workspace.
API_PATHS = (r"^/api/", r"^/schema", r"^/health$")


def _when(value: object) -> str:
    """A date or time as the pages show it (UTC, to the minute)."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


ENVIRONMENT = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                          trim_blocks=True, lstrip_blocks=True)
ENVIRONMENT.filters["when"] = _when
ENVIRONMENT.globals["demo_password"] = DEMO_PASSWORD  # shown only on a demo server's login page


def render_string(name: str, context: Mapping[str, Any]) -> str:
    """A template rendered outside a request (error pages)."""
    return ENVIRONMENT.get_template(name).render(**context)


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    """Litestar's template config over the workspace's environment."""
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(ENVIRONMENT))


def csrf_config() -> CSRFConfig:
    """CSRF on the workspace's forms only: API clients authenticate with a bearer header, which no other site's
    page can send, so the API's routes are left out. Several server processes must share EDC_WEB_SECRET."""
    secret = os.environ.get(SECRET_ENV) or secrets.token_hex(32)
    return CSRFConfig(secret=secret, cookie_name=CSRF_COOKIE, cookie_path=PREFIX, cookie_httponly=True,
                      cookie_samesite="strict", exclude=list(API_PATHS))


def static_router() -> Router:
    """The workspace's CSS, served by the application itself (no CDN)."""
    return create_static_files_router(path=f"{PREFIX}/static", directories=[HERE / "static"],
                                      include_in_schema=False)
