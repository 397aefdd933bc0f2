"""The barometer's map geometry: ``/api/map/{level}.geojson``, simplified once per process, served with an ETag
and gzip (Brotli where the optional ``brotli`` package is installed)."""

from __future__ import annotations

import importlib.util
import json
from functools import lru_cache
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from segreform.barometer.profiles import map_layer, map_layer_ready

router = APIRouter()


@router.get("/api/map/{level}.geojson", tags=["maps"], summary="Simplified boundaries (GeoJSON, cached, ETag)")
async def map_geometry(level: Literal["regso", "kommun", "lan"], request: Request):
    """Boundaries of RegSO (3,363), kommuner (290) or län (21), coverage-simplified once per process.

    Properties: ``code``, ``name``. Values are served separately (``/api/overview``, ``/api/kommun/{code}``),
    so the geometry is cached by the browser (ETag; gzip when accepted). Source: SCB, CC0.
    """
    layer = map_layer(level) if map_layer_ready(level) else await run_in_threadpool(map_layer, level)
    headers = {"ETag": layer.etag, "Cache-Control": "public, max-age=3600", "Vary": "Accept-Encoding"}
    if etag_matches(request.headers.get("if-none-match"), layer.etag):
        return Response(status_code=304, headers=headers)
    accepted = {part.split(";")[0].strip() for part in request.headers.get("accept-encoding", "").split(",")}
    if "br" in accepted and HAVE_BROTLI and (compressed := await run_in_threadpool(brotli_body, level)) is not None:
        return Response(compressed, media_type="application/geo+json", headers={**headers, "Content-Encoding": "br"})
    if "gzip" in accepted:
        return Response(layer.gzipped, media_type="application/geo+json", headers={**headers, "Content-Encoding": "gzip"})
    return Response(layer.body, media_type="application/geo+json", headers=headers)


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison against an If-None-Match list ("*", several tags, W/ prefixes)."""
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag.removeprefix("W/") in tags


HAVE_BROTLI = importlib.util.find_spec("brotli") is not None


@lru_cache(maxsize=None)
def brotli_body(level: str) -> bytes | None:
    """The layer compressed with Brotli once per process, where the optional ``brotli`` package is installed."""
    try:
        import brotli  # optional dependency: gzip serves where it is missing
    except ImportError:
        return None
    return brotli.compress(map_layer(level).body, quality=9)


@lru_cache(maxsize=None)
def parsed_map(level: str) -> dict:
    return json.loads(map_layer(level).body)

