"""The one error type a user's mistake becomes: it names the file, the field and what is expected."""

from __future__ import annotations

import unicodedata


class InputError(Exception):
    """Bad input from a person (a file, a field, an argument). Shown as one line, never a traceback."""

    def __init__(self, message: str, *, file: object | None = None, field: str | None = None):
        self.file = str(file) if file is not None else None
        self.field = field
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ": ".join(part for part in (self.file, self.field) if part)
        return f"{where}: {self.message}" if where else self.message


class StoreError(Exception):
    """The records repository cannot do what was asked (not a repository, locked, unwritable...)."""


def printable(text: str) -> str:
    """A message made safe for a terminal: control, escape, format (direction-override) and unpaired surrogate
    characters, which may come from a file name or a file's content, are shown as escapes such as \\x1b."""
    return "".join(char.encode("unicode_escape", "backslashreplace").decode("ascii")
                   if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co") else char for char in text)
