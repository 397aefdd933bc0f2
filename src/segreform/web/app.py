"""The FastAPI application: server-rendered pages for people, a JSON API with an OpenAPI spec."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from sqlalchemy import Engine

from segreform import __version__

PLOTLY_JS = Path(__import__("plotly").__file__).parent / "package_data" / "plotly.min.js"


def create_app(engine: Engine | None = None) -> FastAPI:
    """Build the app on ``engine`` (default: the configured database)."""
    from segreform.store import make_engine
    from segreform.web import barometer, programme, research

    app = FastAPI(title="segreform", version=__version__)
    app.state.engine = engine or make_engine()

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        # Served from the installed plotly package so that maps work offline (no CDN).
        return FileResponse(PLOTLY_JS, media_type="application/javascript")

    for module in (barometer, programme, research):
        app.include_router(module.router)
    return app
