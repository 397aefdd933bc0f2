"""Errors the programme's services raise; each message tells the user what went wrong and what to do."""

from __future__ import annotations


class ProgrammeError(ValueError):
    """Base class: a request the programme refuses. Nothing has been written when it is raised."""


class InvalidInput(ProgrammeError):
    """A field has a bad value; ``field`` names it."""

    def __init__(self, field: str, message: str):
        self.field, self.message = field, message  # message: a Message (msgid and fields) or plain text
        super().__init__(f"{field}: {message}")


class NotFound(ProgrammeError):
    pass


class WrongState(ProgrammeError):
    """The object is not in a state that allows the action (e.g. submitting a withdrawn application)."""


class NotAllowed(ProgrammeError):
    """The actor's role or organisation does not allow the action."""


class BudgetExceeded(ProgrammeError):
    """A commitment or payment would break a frame; the message carries the numbers."""

    def __init__(self, message: str, *, limit_ore: int, used_ore: int, requested_ore: int):
        self.limit_ore, self.used_ore, self.requested_ore = limit_ore, used_ore, requested_ore
        super().__init__(message)


def require(db, model, key, what: str):
    """``db.get(model, key)``, or :class:`NotFound` naming ``what`` and the key."""
    found = db.get(model, key)
    if found is None:
        raise NotFound(missing_message(what, key))
    return found


def missing_message(what: str, key):
    """The refusal "call 7 does not exist", keeping its msgid so that a page shows it in its language."""
    from segreform.programme.validation import Message  # import cycle: validation imports errors

    return Message("%(what)s %(key)s does not exist", what=Message(what), key=key)
