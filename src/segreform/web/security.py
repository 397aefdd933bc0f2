"""Security headers on every response, from one place: a Content-Security-Policy with a per-request nonce,
no framing, no MIME sniffing, a strict referrer policy, and HSTS when the request came over HTTPS.

The nonce is put on ``request.state.csp_nonce`` before any route runs; :func:`segreform.web.i18n.render`
gives it to templates as ``csp_nonce``, so an inline ``<script nonce="{{ csp_nonce }}">`` runs and any
injected script does not. Pages that are cached across requests must not carry inline code (their nonce
would be stale): the barometer pages start their figures from ``/static/barometer.js`` instead.

Exceptions, stated here because they weaken the policy:

- ``style-src 'unsafe-inline'``: plotly, Swagger UI and ReDoc set inline styles; styles cannot run code.
- ``script-src 'unsafe-eval'`` only where plotly draws (see :data:`PLOTLY_NEEDS_EVAL`): the plotly.min.js the
  Python package ships includes the WebGL traces, whose shader code is compiled with ``new Function``; plotly
  publishes a "strict" bundle without it, but the Python package does not ship one.
"""

from __future__ import annotations

import re
import secrets

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Checked in Chromium (tests/web/test_security_browser.py): the barometer's maps and charts draw with no
# CSP violation without 'unsafe-eval'; set to True if a plotly upgrade starts to need it.
PLOTLY_NEEDS_EVAL = False
HSTS = "max-age=31536000; includeSubDomains"
_SCRIPT_TAG = re.compile(r"<script(?![^>]*\bnonce=)(?![^>]*\bsrc=)(?=[\s>])", re.IGNORECASE)


def content_security_policy(nonce: str) -> str:
    script = f"'self' 'nonce-{nonce}'" + (" 'unsafe-eval'" if PLOTLY_NEEDS_EVAL else "")
    return "; ".join((
        "default-src 'self'",
        f"script-src {script}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ))


def add_nonce(html: str, nonce: str) -> str:
    """Put ``nonce`` on every inline ``<script>`` in ``html`` (for HTML made outside our templates, e.g. by
    plotly's ``to_html`` or FastAPI's Swagger page); scripts loaded by ``src`` are allowed as 'self'."""
    return _SCRIPT_TAG.sub(f'<script nonce="{nonce}"', html)


def nonce_of(request) -> str:
    return getattr(request.state, "csp_nonce", "")


class SecurityHeaders:
    """Pure ASGI middleware (it does not buffer bodies, so streamed responses stay streamed)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = content_security_policy(nonce)
                headers["X-Frame-Options"] = "DENY"
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
                headers["Cross-Origin-Opener-Policy"] = "same-origin"
                if https:
                    headers["Strict-Transport-Security"] = HSTS
            await send(message)

        await self.app(scope, receive, send_with_headers)


__all__ = ["HSTS", "PLOTLY_NEEDS_EVAL", "SecurityHeaders", "add_nonce", "content_security_policy", "nonce_of"]
