"""Web pages and API for research."""

from fastapi import APIRouter

router = APIRouter()
