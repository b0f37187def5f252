"""The browsable API reference (Swagger UI and ReDoc), served entirely by the application.

FastAPI's own pages load Swagger UI from a CDN and start it with an inline script: blank on a
closed hospital network, and refused by our Content-Security-Policy. Here both bundles come from
the ``fastapi-offline`` package (which ships them) under ``/static/api-reference/``, and Swagger
UI is started by our own ``/static/api_reference.js``. ReDoc needs no script of ours: it renders
the ``<redoc spec-url>`` element by itself.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

__all__ = ["ASSETS_URL", "install_api_reference"]

ASSETS_URL = "/static/api-reference"
_ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"

_SWAGGER_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{title} – API reference</title>
  <link rel="icon" href="{assets}/favicon.png">
  <link rel="stylesheet" href="{assets}/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui" data-openapi-url="{openapi}"></div>
  <script src="{assets}/swagger-ui-bundle.js"></script>
  <script src="/static/api_reference.js"></script>
</body>
</html>
"""

_REDOC_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{title} – API reference (ReDoc)</title>
  <link rel="icon" href="{assets}/favicon.png">
</head>
<body>
  <redoc spec-url="{openapi}"></redoc>
  <script src="{assets}/redoc.standalone.js"></script>
</body>
</html>
"""


def install_api_reference(app: FastAPI, *, docs_url: str, redoc_url: str) -> None:
    """Serve Swagger UI at ``docs_url`` and ReDoc at ``redoc_url``, with local assets only.

    Call before mounting ``/static``, so the assets' own mount is matched first.
    """
    assert app.openapi_url is not None
    values = {"title": escape(app.title), "assets": ASSETS_URL, "openapi": app.openapi_url}
    swagger = _SWAGGER_PAGE.format(**values)
    redoc = _REDOC_PAGE.format(**values)

    @app.get(docs_url, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return HTMLResponse(swagger)

    @app.get(redoc_url, include_in_schema=False)
    async def redoc_ui() -> HTMLResponse:
        return HTMLResponse(redoc)

    app.mount(ASSETS_URL, StaticFiles(directory=_ASSETS_DIR), name="api-reference")
