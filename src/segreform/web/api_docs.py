"""Swagger UI at ``/docs`` and ReDoc at ``/redoc`` from assets installed with the ``fastapi-offline`` package,
so that the API documentation works offline and under the Content-Security-Policy (no CDN)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from segreform.web.security import add_nonce, nonce_of

ASSETS_URL = "/static/api-docs"


def assets_dir() -> Path:
    import fastapi_offline  # only where the API docs are served (it imports FastAPI's docs machinery)

    return Path(fastapi_offline.__file__).parent / "static"


def install(app: FastAPI) -> None:
    """Add /docs and /redoc (create the app with ``docs_url=None, redoc_url=None``)."""

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=app.openapi_url, title=f"{app.title} – API",
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js", swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_URL}/favicon.png")
        return HTMLResponse(add_nonce(page.body.decode("utf-8"), nonce_of(request)))

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        page = get_redoc_html(openapi_url=app.openapi_url, title=f"{app.title} – API",
                              redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
                              redoc_favicon_url=f"{ASSETS_URL}/favicon.png", with_google_fonts=False)
        return HTMLResponse(add_nonce(page.body.decode("utf-8"), nonce_of(request)))

    app.mount(ASSETS_URL, StaticFiles(directory=assets_dir()), name="api-docs")
