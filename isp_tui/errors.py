"""The one error type a user's mistake becomes: it names the file, the field and what is expected."""

from __future__ import annotations

import re
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


# what a terminal would act on rather than show: control and escape (Cc), format such as direction overrides
# (Cf), unpaired surrogates (Cs) and private use (Co). The one rule: printable() shows them as escapes,
# check_printable() refuses them in what a person typed.
UNPRINTABLE = ("Cc", "Cf", "Cs", "Co")
ASCII_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")  # Cc in ASCII, less newline and tab


def is_unprintable(char: str) -> bool:
    return unicodedata.category(char) in UNPRINTABLE


def printable(text: str) -> str:
    """A message made safe for a terminal: control, escape, format (direction-override) and unpaired surrogate
    characters, which may come from a file name or a file's content, are shown as escapes such as \\x1b."""
    return "".join(char.encode("unicode_escape", "backslashreplace").decode("ascii")
                   if is_unprintable(char) else char for char in text)


def check_printable(value: str, file: object, key: str) -> str:
    """Refuse a value holding a character a terminal would act on (newlines and tabs are text)."""
    if value.isascii() and not ASCII_CONTROL.search(value):
        return value  # the common case, checked in C: the only ASCII characters refused are controls
    for n, char in enumerate(value):
        if char not in "\n\t" and is_unprintable(char):
            raise InputError(f"holds a control or direction-override character (U+{ord(char):04X}) at position {n}; "
                             "remove it", file=file, field=key)
    return value
