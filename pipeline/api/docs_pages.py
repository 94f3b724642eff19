"""/docs (Swagger UI) and /redoc served with their JavaScript and CSS from this process.

FastAPI's own pages load their assets from a CDN, so they are blank on a machine without
internet access. The same pages here point at the files the ``fastapi-offline`` package ships
(swagger-ui-dist and the ReDoc bundle), mounted under ``DOCS_ASSETS``; nothing is fetched from
another host, Google Fonts included.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS = "/docs"
REDOC = "/redoc"
DOCS_ASSETS = "/docs-assets"


def assets_folder() -> Path:
    return Path(str(files("fastapi_offline") / "static"))


def install_docs_pages(app: FastAPI) -> None:
    """Add /docs, /redoc and their assets to an app created with ``docs_url=None,
    redoc_url=None``."""
    app.mount(DOCS_ASSETS, StaticFiles(directory=assets_folder()), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get(DOCS, include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_ASSETS}/favicon.png",
        )

    @app.get(REDOC, include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{DOCS_ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{DOCS_ASSETS}/favicon.png",
            with_google_fonts=False,
        )
