"""Errors for bad input: every problem names the file, the line (or row) and the field."""

from __future__ import annotations

from dataclasses import dataclass

MAX_PROBLEMS_SHOWN = 25


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one place in an input."""

    source: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f", line {self.line}"
        if self.field:
            where += f", field {self.field!r}"
        return f"{where}: {self.message}"


class DataInputError(ValueError):
    """The input was rejected before anything was written; ``problems`` lists every reason found."""

    def __init__(self, problems: list[Problem] | Problem, hint: str | None = None):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        self.hint = hint
        super().__init__(self._render())

    def _render(self) -> str:
        shown = [str(p) for p in self.problems[:MAX_PROBLEMS_SHOWN]]
        if len(self.problems) > MAX_PROBLEMS_SHOWN:
            shown.append(f"... and {len(self.problems) - MAX_PROBLEMS_SHOWN} more problems")
        text = shown[0] if len(shown) == 1 else f"{len(self.problems)} problems:\n  " + "\n  ".join(shown)
        if self.hint:
            text += f"\n{self.hint}"
        return text + "\nNothing was written."


class RemoteSourceError(RuntimeError):
    """A remote API (SCB, Kolada) could not be reached or answered with something unusable."""
