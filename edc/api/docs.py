"""The API documentation page, served without a CDN: Swagger UI's files come from a Python package.

Litestar's render plugins point the browser at jsdelivr for their JavaScript
and CSS (and the favicon), so the docs do not work on a site network without
internet access. Swagger UI is rendered here from the files that the
`swagger-ui-py` distribution ships (Swagger UI 5, which reads OpenAPI 3.1),
served by this server under `/schema/assets/`. Scalar is not offered: no
package on PyPI ships its assets.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from litestar import Router
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.static_files import create_static_files_router

ASSETS = "/assets"


def swagger_ui_directory() -> Path:
    """The directory of Swagger UI's distribution files (`swagger-ui-bundle.js`, `swagger-ui.css`, ...)."""
    directory = Path(str(files("swagger_ui") / "static"))
    if not (directory / "swagger-ui-bundle.js").is_file():
        raise RuntimeError(f"Swagger UI's files are missing from {directory}")
    return directory


class OfflineSwagger(SwaggerRenderPlugin):
    """Swagger UI with its files served by this server, under the OpenAPI path (`/schema/assets/...`)."""

    def __init__(self, schema_path: str, *, path: str | list[str]) -> None:
        base = schema_path.rstrip("/") + ASSETS
        super().__init__(js_url=f"{base}/swagger-ui-bundle.js", css_url=f"{base}/swagger-ui.css",
                         standalone_preset_js_url=f"{base}/swagger-ui-standalone-preset.js",
                         favicon=f"<link rel='icon' type='image/png' href='{base}/favicon-32x32.png'>", path=path)

    def receive_router(self, router: Router) -> None:
        router.register(create_static_files_router(ASSETS, directories=[swagger_ui_directory()],
                                                   name="swagger-ui-assets", include_in_schema=False))
