"""Sign-in, server-side sessions, CSRF protection and role checks for the programme's pages and API.

- Passwords: argon2id (see :mod:`segreform.programme.accounts`).
- Sessions: the cookie holds a random token; the database holds only its SHA-256, the user and the expiry,
  so signing out or expiring a session takes effect at once.
- CSRF: every session has its own token; every state-changing request must send it back in the form field
  ``csrf_token`` or the ``X-CSRF-Token`` header. The sign-in form (no session yet) uses a double-submit cookie.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from fastapi import Depends, HTTPException, Request, Response
from sqlalchemy import delete

from segreform.programme.access import role_may
from segreform.programme.clock import as_utc, utcnow
from segreform.programme.validation import Message
from segreform.store import session as db_session, transaction
from segreform.store.models.programme import User, WebSession

SESSION_COOKIE = "segreform_session"
LOGIN_CSRF_COOKIE = "segreform_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SESSION_LIFETIME = timedelta(hours=8)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(request: Request, response: Response, user: User) -> str:
    """Create a session for ``user``, set the cookie, and return the session's CSRF token."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with transaction(request.app.state.engine) as db:
        db.add(WebSession(token_hash=_hash(token), user_id=user.id, csrf_token=csrf,
                          expires_at=utcnow() + SESSION_LIFETIME))
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", max_age=int(SESSION_LIFETIME.total_seconds()))
    return csrf


def end_session(request: Request, response: Response) -> None:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with transaction(request.app.state.engine) as db:
            db.execute(delete(WebSession).where(WebSession.token_hash == _hash(token)))
    response.delete_cookie(SESSION_COOKIE)


def current_session(request: Request) -> WebSession | None:
    """The request's live session (cached on the request), or None."""
    if hasattr(request.state, "programme_session"):
        return request.state.programme_session
    found = None
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with db_session(request.app.state.engine) as db:
            row = db.get(WebSession, _hash(token))
            if row is not None and as_utc(row.expires_at) > utcnow():
                user = db.get(User, row.user_id)
                if user is not None and user.active:
                    db.expunge(row)
                    row.user = user
                    db.expunge(user)
                    found = row
    request.state.programme_session = found
    return found


PASSWORD_CHANGE_API = "/api/programme/me/password"
# What a one-time password may use on the API: the CSRF token the password change needs, and the change itself.
ONE_TIME_PASSWORD_API = frozenset({PASSWORD_CHANGE_API, "/api/programme/csrf"})


def refuse_one_time_password_on_api(request: Request, user: User) -> None:
    """A one-time password is for choosing one's own: until then the API only changes the password (403).
    The pages send such a user to the password form instead (see programme_people)."""
    if (user.must_change_password and request.url.path.startswith("/api/")
            and request.url.path not in ONE_TIME_PASSWORD_API):
        raise HTTPException(status_code=403, detail="you signed in with a one-time password: choose your own "
                                                    f"first (POST {PASSWORD_CHANGE_API}); until then the API "
                                                    "does nothing else")


def current_user(request: Request) -> User | None:
    """The signed-in user, or None for the public."""
    found = current_session(request)
    return found.user if found is not None else None


def one_time_password_guard(request: Request) -> None:
    """App-wide dependency: an API request from a session signed in with a one-time password is refused (403),
    public data included, except the password change and the CSRF token it needs."""
    if request.url.path.startswith("/api/") and request.cookies.get(SESSION_COOKIE):
        found = current_session(request)
        if found is not None:
            refuse_one_time_password_on_api(request, found.user)


def csrf_token(request: Request) -> str:
    """The token to put in forms: the session's, or the double-submit cookie's before sign-in."""
    found = current_session(request)
    if found is not None:
        return found.csrf_token
    existing = request.cookies.get(LOGIN_CSRF_COOKIE)
    if existing:
        return existing
    if not hasattr(request.state, "new_login_csrf"):
        request.state.new_login_csrf = secrets.token_urlsafe(32)
    return request.state.new_login_csrf


def remember_login_csrf(request: Request, response: Response) -> None:
    """Set the double-submit cookie when :func:`csrf_token` minted a new one for this response."""
    token = getattr(request.state, "new_login_csrf", None)
    if token:
        response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict")


async def verify_csrf(request: Request) -> None:
    """Dependency for every POST: refuse (403) a request whose CSRF token is missing or wrong."""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        # Cache the body before parsing it as a form, so that a route reading the same body as JSON gets a clear
        # 422 instead of "stream consumed"; a form route's body was already parsed (and cached) by FastAPI.
        try:
            await request.body()
        except RuntimeError:
            pass
        form = await request.form()
        sent = form.get(CSRF_FIELD)
    found = current_session(request)
    expected = found.csrf_token if found is not None else request.cookies.get(LOGIN_CSRF_COOKIE)
    if not sent or not expected or not secrets.compare_digest(str(sent), expected):
        raise HTTPException(status_code=403, detail="CSRF token missing or wrong; reload the page and try again")


def require_role(*actions: str):
    """Dependency: the signed-in user if their role may do one of ``actions`` (401 if not signed in, 403 if not)."""

    def dependency(request: Request) -> User:
        user = current_user(request)
        if any(role_may(user, action) for action in actions):
            if user is None:
                raise HTTPException(status_code=401, detail="sign in first")
            return user
        if user is None:
            raise HTTPException(status_code=401, detail="sign in first")
        raise HTTPException(status_code=403, detail=Message("your role (%(role)s) may not do this",
                                                           role=Message(user.role)))

    return Depends(dependency)
