"""Web pages and API for barometer."""

from fastapi import APIRouter

router = APIRouter()
