"""The FastAPI application: server-rendered pages for people, a JSON API with an OpenAPI spec."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import FileResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from segreform import __version__

PLOTLY_JS = Path(__import__("plotly").__file__).parent / "package_data" / "plotly.min.js"
STATIC_DIR = Path(__file__).parent / "static"


def create_app(engine: Engine | None = None) -> FastAPI:
    """Build the app on ``engine`` (default: the configured database)."""
    from segreform.barometer.profiles import Barometer
    from segreform.store import make_engine
    from segreform.web import barometer, programme, research, spatial

    app = FastAPI(
        title="segreform",
        version=__version__,
        description="Segregation barometer, reform programme and evaluation. Every figure carries its source and year.",
    )
    app.state.engine = engine or make_engine()
    # One cache of barometer data per app; it rebuilds itself when an import changes the data.
    app.state.barometer = Barometer(app.state.engine)

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        # Served from the installed plotly package so that maps work offline (no CDN).
        return FileResponse(PLOTLY_JS, media_type="application/javascript", headers={"Cache-Control": "public, max-age=86400"})

    @app.exception_handler(StarletteHTTPException)
    async def readable_errors(request: Request, exc: StarletteHTTPException):
        # People get a page in their language; the API and scripts keep FastAPI's JSON error.
        wants_html = "text/html" in request.headers.get("accept", "")
        if not wants_html or request.url.path.startswith(("/api/", "/download/", "/static/")):
            return await http_exception_handler(request, exc)
        from segreform.web.i18n import render

        response = render(request, "error.html", status_code=exc.status_code, detail=exc.detail)
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    for module in (barometer, programme, research, spatial):
        app.include_router(module.router)
    # Mounted after the plotly route so that route wins for its path.
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


def warm_up(app: FastAPI) -> threading.Thread:
    """Fill the caches in the background (data, overview layers, map geometry) so that the first visitor
    does not wait for them; requests that come earlier simply compute what they need themselves."""
    from segreform.barometer.profiles import BOOTSTRAP_DRAWS, map_layer

    def work() -> None:
        try:
            for level in ("kommun", "regso"):
                map_layer(level)
            data = app.state.barometer.data
            data.layers  # noqa: B018  (builds the snapshot and every overview layer)
            data.segregation_indices("kommun", bootstrap=BOOTSTRAP_DRAWS)  # the intervals on kommun pages
        except Exception:  # a failed warm-up only means the first request does the work (and reports it)
            logging.getLogger("segreform.web").warning("cache warm-up failed", exc_info=True)

    thread = threading.Thread(target=work, name="segreform-warm-up", daemon=True)
    thread.start()
    return thread
