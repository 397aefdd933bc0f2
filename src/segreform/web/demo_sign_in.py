"""The demo accounts on the sign-in page: listed with this installation's password only while the server
listens on a loopback address (``app.state.show_demo_accounts``, set by ``segreform serve``) and the demo
accounts are active. Templates call ``demo_sign_in(request)``."""

from __future__ import annotations

from fastapi import Request

from segreform.web.i18n import templates


def demo_sign_in(request: Request):
    """(password, [(role, e-mail)]) to show, or None."""
    if not getattr(request.app.state, "show_demo_accounts", False):
        return None
    try:
        from segreform.programme.demo import demo_accounts  # the demo module is optional in a deployment
    except ImportError:
        return None
    return demo_accounts(request.app.state.engine)


templates.env.globals["demo_sign_in"] = demo_sign_in
