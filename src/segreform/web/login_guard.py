"""Sign-in with throttling: refuse (429 with Retry-After and a message in the page's language) while an
account or a client address is blocked after repeated failures; see :mod:`segreform.programme.login_throttle`."""

from __future__ import annotations

from fastapi import HTTPException, Request

from segreform.programme import login_throttle
from segreform.programme.accounts import authenticate
from segreform.store import transaction
from segreform.store.models.programme import User
from segreform.web.i18n import gettext, language


def authenticate_throttled(request: Request, email: str, password: str) -> User | None:
    """The user with these credentials, None for wrong ones; raises 429 while sign-in is blocked."""
    engine = request.app.state.engine
    keys = [login_throttle.account_key(email), login_throttle.address_key(request.client.host if request.client else None)]
    wait = login_throttle.seconds_to_wait(engine, keys)
    if wait:
        raise HTTPException(status_code=429, headers={"Retry-After": str(wait)}, detail=gettext(
            language(request), "Too many failed sign-ins. Try again in %(seconds)s seconds.", seconds=wait))
    with transaction(engine) as db:
        user = authenticate(db, email, password)
    if user is None:
        login_throttle.record_failure(engine, keys)
    else:
        login_throttle.record_success(engine, email)
    return user
