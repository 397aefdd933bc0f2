"""Several field errors at once: a form shows every problem in place, not only the first."""

from __future__ import annotations

from segreform.programme.errors import InvalidInput


class FormErrors(InvalidInput):
    """Every field that is wrong, with its message (field name -> message). Nothing has been written."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        first = next(iter(self.errors))
        super().__init__(first, self.errors[first])
        self.args = ("; ".join(f"{field}: {message}" for field, message in self.errors.items()),)

    def __str__(self) -> str:
        return self.args[0]


def raise_if_any(errors: dict[str, str]) -> None:
    if errors:
        raise FormErrors(errors)


class Message(str):
    """An English message that remembers its msgid and fields, so that a page can show it in its language."""

    msgid: str
    fields: dict

    def __new__(cls, msgid: str, **fields):
        text = msgid % fields if fields else msgid
        obj = super().__new__(cls, text)
        obj.msgid, obj.fields = msgid, fields
        return obj


def translated(message, translate) -> str:
    """``message`` in the reader's language (``translate(msgid, **fields)``), or as it is when it is plain text."""
    if isinstance(message, Message):
        return translate(message.msgid, **message.fields)
    return str(message)
