"""The FastAPI application: server-rendered pages for people, a JSON API with an OpenAPI spec."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from segreform import __version__
from segreform.barometer import multiscalar, police as police_overlay
from segreform.barometer.profiles import Barometer, map_layer
from segreform.research import install as install_research
from segreform.store import make_engine
from segreform.web import (  # noqa: F401  (demo_sign_in: imported for the template global it adds)
    api_docs,
    barometer,
    barometer_api,
    barometer_downloads,
    barometer_maps,
    demo_sign_in,
    evidence,
    programme,
    programme_applications,
    programme_calls,
    programme_drafts,
    programme_meetings,
    programme_networks,
    programme_people,
    programme_reforms,
    programme_review,
    programme_selection,
    research,
    research_reports,
    spatial,
)
from segreform.web.auth import one_time_password_guard
from segreform.web.barometer_common import MAP_LEVELS
from segreform.web.barometer_maps import brotli_body
from segreform.web.i18n import gettext, language, render
from segreform.web.messages import translate
from segreform.web.security import SecurityHeaders

PLOTLY_JS = Path(__import__("plotly").__file__).parent / "package_data" / "plotly.min.js"
STATIC_DIR = Path(__file__).parent / "static"


def create_app(engine: Engine | None = None) -> FastAPI:
    """Build the app on ``engine`` (default: the configured database)."""
    app = FastAPI(
        title="segreform",
        version=__version__,
        description="Segregation barometer, reform programme and evaluation. Every figure carries its source and year.",
        docs_url=None, redoc_url=None,  # served from installed assets by segreform.web.api_docs
        dependencies=[Depends(one_time_password_guard)],
    )
    app.add_middleware(SecurityHeaders)
    app.state.engine = engine or make_engine()
    # Continuous evaluation: imports made while the app runs re-run the plans whose data changed.
    install_research()
    # One cache of barometer data per app; it rebuilds itself in the background when an import changes the
    # data, and every new snapshot has its kommun pages rendered before it is served.
    app.state.barometer = Barometer(app.state.engine)
    app.state.barometer.prepare.append(lambda data: barometer.prerender_kommun_pages(app, data))

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
        response = render(request, "error.html", status_code=exc.status_code,
                          detail=translate(language(request), exc.detail) if isinstance(exc.detail, str) else exc.detail)
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def readable_validation_errors(request: Request, exc: RequestValidationError):
        # A bad value in a page's URL or form (a huge id, a word for a year) gets the error page in the reader's
        # language; the API and non-HTML clients keep FastAPI's 422 JSON with every field.
        wants_html = "text/html" in request.headers.get("accept", "")
        if not wants_html or request.url.path.startswith(("/api/", "/download/", "/static/")):
            return await request_validation_exception_handler(request, exc)
        lang = language(request)
        fields = ", ".join(dict.fromkeys(str(error["loc"][-1]) for error in exc.errors() if error.get("loc")))
        detail = gettext(lang, "The address or form has a value that cannot be used (%(fields)s): check it and "
                               "try again.", fields=fields or "?")
        return render(request, "error.html", status_code=422, detail=detail)

    for module in (barometer_maps, barometer, barometer_api, barometer_downloads, evidence, programme,
                   programme_applications, programme_calls, programme_drafts, programme_review, programme_selection,
                   programme_people, programme_networks, programme_meetings, programme_reforms, research,
                   research_reports, spatial):
        app.include_router(module.router)
    api_docs.install(app)
    # Mounted after the plotly and API-docs routes so that those win for their paths.
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


def warm_up(app: FastAPI) -> threading.Thread:
    """Fill the caches in the background (map geometry and its compressed forms, data, the police overlay,
    overview layers, indices, every kommun page) so that no visitor waits for them; requests that come earlier
    simply compute what they need themselves."""
    def work() -> None:
        try:
            for level in MAP_LEVELS:
                map_layer(level)
                brotli_body(level)
            police_overlay.substantial_overlay()  # the police polygons × RegSO, for kommun pages
            multiscalar.national()  # every kommun's bespoke-neighbourhood profile, before pages are rendered
            data = app.state.barometer.data
            data.warm()
            barometer.prerender_kommun_pages(app, data)
        except Exception:  # a failed warm-up only means the first request does the work (and reports it)
            logging.getLogger("segreform.web").warning("cache warm-up failed", exc_info=True)

    thread = threading.Thread(target=work, name="segreform-warm-up", daemon=True)
    thread.start()
    return thread
