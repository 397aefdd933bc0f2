"""Web pages and API for programme."""

from fastapi import APIRouter

router = APIRouter()
