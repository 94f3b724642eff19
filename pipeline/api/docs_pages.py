"""/docs (Swagger UI) and /redoc served with their JavaScript and CSS from this process.

FastAPI's own pages load their assets from a CDN, so they are blank on a machine without
internet access. The same pages here point at the files the ``fastapi-offline`` package ships
(swagger-ui-dist and the ReDoc bundle), mounted under ``DOCS_ASSETS``; nothing is fetched from
another host, Google Fonts included. The ReDoc bundle itself renders one image from a CDN, the
Redocly logo of its sidebar's "API docs by Redocly" footer: it is served with that address
replaced by an inline blank image (``redoc_bundle``). Hiding the footer with CSS would not do:
a browser fetches an ``<img>`` whether or not it is displayed.
"""

from __future__ import annotations

import functools
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

DOCS = "/docs"
REDOC = "/redoc"
DOCS_ASSETS = "/docs-assets"
REDOC_BUNDLE = "redoc.standalone.js"
REDOC_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"
"""The one address on another host the ReDoc bundle loads by itself (an ``<img>``)."""
BLANK_IMAGE = b"data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
"""A transparent 1x1 GIF, inline: nothing to fetch."""


def assets_folder() -> Path:
    return Path(str(files("fastapi_offline") / "static"))


@functools.cache
def redoc_bundle() -> bytes:
    """The ReDoc bundle with its logo's CDN address replaced by ``BLANK_IMAGE`` (read once:
    the file does not change while the app runs)."""
    return (assets_folder() / REDOC_BUNDLE).read_bytes().replace(REDOC_LOGO, BLANK_IMAGE)


def install_docs_pages(app: FastAPI) -> None:
    """Add /docs, /redoc and their assets to an app created with ``docs_url=None,
    redoc_url=None``."""

    # Before the mount, which would otherwise answer this path with the bundle as shipped.
    @app.get(f"{DOCS_ASSETS}/{REDOC_BUNDLE}", include_in_schema=False)
    def redoc_script() -> Response:
        return Response(redoc_bundle(), media_type="text/javascript; charset=utf-8")

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
            redoc_js_url=f"{root}{DOCS_ASSETS}/{REDOC_BUNDLE}",
            redoc_favicon_url=f"{root}{DOCS_ASSETS}/favicon.png",
            with_google_fonts=False,
        )
