"""Refusals from the programme's domain in the reader's language.

The domain raises English messages that keep their msgid and fields (:class:`~segreform.programme.validation.
Message`, :class:`~segreform.programme.field_errors.FieldError`); pages translate them here with gettext. A message
that is plain text (older code, third-party errors) is looked up as a msgid and otherwise shown as it is."""

from __future__ import annotations

from segreform.programme.errors import InvalidInput
from segreform.programme.field_errors import FieldError, FieldErrors
from segreform.programme.validation import FormErrors, Message
from segreform.web.i18n import gettext


def translate(lang: str, message) -> str:
    """One message (a :class:`Message` or plain text) in ``lang``."""
    if isinstance(message, Message):
        fields = {k: translate(lang, v) if isinstance(v, Message) else v for k, v in message.fields.items()}
        return gettext(lang, message.msgid, **fields)
    text = str(message)
    return gettext(lang, text) if text else text


def field_message(lang: str, exc: InvalidInput) -> str:
    """The message of a one-field refusal in ``lang``, without the field's name."""
    if isinstance(exc, FieldError):
        return gettext(lang, exc.msgid, **exc.fields)
    return translate(lang, getattr(exc, "message", exc.args[0] if exc.args else str(exc)))


def user_message(lang: str, exc: Exception) -> str:
    """Any refusal as a sentence for a page in ``lang``."""
    if isinstance(exc, FormErrors):
        return "; ".join(translate(lang, m) for m in exc.errors.values())
    if isinstance(exc, FieldErrors):
        return "; ".join(f"{e.field}: {field_message(lang, e)}" for e in exc.errors)
    if isinstance(exc, InvalidInput):
        return f"{exc.field}: {field_message(lang, exc)}"
    return translate(lang, exc.args[0] if exc.args else str(exc))


def detail(exc: Exception):
    """What an ``HTTPException`` carries for a refusal: the message with its msgid, so that the app-wide error page
    translates it (JSON clients get its English text)."""
    if isinstance(exc, InvalidInput) and not isinstance(exc, (FormErrors, FieldErrors, FieldError)):
        return str(exc)
    return exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)
