"""Small checks on raw input, shared by services, so bad input is refused in words rather than by the database.

PostgreSQL refuses a NUL character in any text parameter and an integer beyond its column's range with a driver
error; SQLite quietly accepts both. Services check with these first, so both backends give the same plain refusal.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from models.base.i18n import N_, _

# Row ids are 32-bit INTEGER columns on PostgreSQL.
MAX_ID = 2**31 - 1
# Text that changes how the text around it is shown: a display name carrying these could disguise itself or the
# names next to it in the audit log ("\u202e" shows the rest of a line backwards).
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Dates a person gives for a case: nothing Waypoint records happened before this, and arithmetic a year either
# side of it stays well inside what Python's date can hold.
EARLIEST_DATE = date(1970, 1, 1)


def row_id(value: object) -> int | None:
    """The value as a row id if it can be one (a positive integer in the column's range, not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 1 <= value <= MAX_ID else None


def storable(value: object) -> bool:
    """A str the database will take as a parameter: no NUL (PostgreSQL refuses it) and valid UTF-8 (no lone
    surrogate, which neither driver can encode)."""
    if not isinstance(value, str) or "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def has_control(value: str, *, allow_newlines: bool = False) -> bool:
    """Control characters or direction overrides, which have no place in a name or a code."""
    for ch in value:
        if ch in _BIDI_CONTROLS:
            return True
        if unicodedata.category(ch) == "Cc" and not (allow_newlines and ch in "\n\t"):
            return True
    return False


_CODE_LIKE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
# Stands in a message for a refused value that is not echoed back (shown with _()).
NOT_A_CODE = N_("(something not on the list)")


def shown_code(value: object) -> str:
    """A refused code as a message may repeat it: only if it looks like a code. Anything else (markup, control
    characters, a pasted paragraph) is not echoed back into the page or the log."""
    return value if isinstance(value, str) and _CODE_LIKE.match(value) else _(NOT_A_CODE)


def loggable(value: str | None) -> str | None:
    """Text safe to write as an audit field on either backend: NULs dropped, lone surrogates replaced."""
    if value is None:
        return None
    return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def spreadsheet_safe(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula: names and labels in exports are typed by people."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
