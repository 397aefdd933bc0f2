"""Multi-scalar segregation on the barometer: the kommun page's section and its JSON API.

The section (``barometer/_multiscalar.html``, included by the kommun page) calls the template global
``multiscalar_profile(code)``; ``/api/kommun/{code}/multiscalar`` serves the same numbers as JSON.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, HTTPException, Path

from segreform.barometer import multiscalar
from segreform.web.i18n import templates

router = APIRouter()
KOMMUN_CODE = re.compile(r"^\d{4}$")


def multiscalar_profile(code: str) -> dict | None:
    """The kommun's profile, or None (no bundled RegSO for it, or not a kommun code)."""
    if not isinstance(code, str) or not KOMMUN_CODE.match(code):
        return None
    return multiscalar.kommun_profile(code)


templates.env.globals["multiscalar_profile"] = multiscalar_profile


@router.get("/api/kommun/{code}/multiscalar", tags=["barometer"],
            summary="Multi-scalar segregation profile (bespoke neighbourhoods, RegSO, foreign-born)")
def api_multiscalar(code: str = Path(..., min_length=4, max_length=4, pattern=r"^\d{4}$")):
    profile = multiscalar_profile(code)
    if profile is None:
        raise HTTPException(status_code=404, detail=f"no RegSO population data for kommun {code}")
    return profile
