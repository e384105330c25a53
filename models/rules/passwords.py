"""The password policy: long enough, not absurdly long, not one of the commonest, not the person's name.

Following NIST SP 800-63B there are no composition rules (no "one digit, one symbol"): length and a
list of passwords that attackers try first do far more good, and a few unrelated words pass easily.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

from models.base import i18n
from models.base.i18n import N_, _

MIN_LENGTH = 12
MAX_LENGTH = 256  # argon2 copes with more; this keeps a pasted novel from costing the server anything
COMMON_FILE = Path(__file__).resolve().parent / "wordlists" / "common-passwords.txt"

_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_SEQUENCES = ("0123456789" * 3, "abcdefghijklmnopqrstuvwxyz" * 2, "qwertyuiopasdfghjklzxcvbnm" * 2)

# What problem() says, as catalog texts: problem() and too_short() give them in the reader's language. TOO_SHORT and
# TOO_LONG are the English with the number in, for comparisons (tests run in English).
_SHORT = N_("Use at least {n} characters. A few unrelated words work well.")
_LONG = N_("Use at most {n} characters.")
TOO_SHORT = _SHORT.format(n=MIN_LENGTH)
TOO_LONG = _LONG.format(n=MAX_LENGTH)
TOO_COMMON = N_("That password is one of the most common ones, so it is tried first. Choose another.")
TOO_SIMPLE = N_("That password is a repeat or a run of keys, so it is easy to guess. Choose another.")
HAS_NAME = N_("Leave your username and name out of the password.")


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _squash(text: str) -> str:
    return "".join(ch for ch in _fold(text) if ch.isalnum())


def _repetitive(folded: str) -> bool:
    """One short piece over and over ("xxxxxxxxxxxx", "abcabcabcabc"), or a run of keys ("123456789012")."""
    squashed = "".join(folded.split())
    for size in range(1, 5):
        piece = squashed[:size]
        if piece and len(squashed) > size and piece * (len(squashed) // size) + piece[: len(squashed) % size] \
                == squashed:
            return True
    return any(squashed in run or squashed in run[::-1] for run in _SEQUENCES)


def too_short() -> str:
    """TOO_SHORT in the reader's language: also what a service says when no password was given at all."""
    return _(_SHORT).format(n=i18n.number(MIN_LENGTH))


def problem(password: str, *, username: str = "", display_name: str = "") -> str | None:
    """What is wrong with this password, in words for the person choosing it (in their language); None when it
    will do."""
    if len(password) < MIN_LENGTH:
        return too_short()
    if len(password) > MAX_LENGTH:
        return _(_LONG).format(n=i18n.number(MAX_LENGTH))
    folded = _fold(password)
    common = common_passwords()
    stripped = folded.strip()
    core = _EDGES.sub("", stripped)
    if stripped in common or "".join(stripped.split()) in common or (core and core in common):
        return _(TOO_COMMON)
    if _repetitive(folded):
        return _(TOO_SIMPLE)
    squashed = _squash(password)
    for name in (_squash(username), _squash(display_name)):
        if len(name) >= 3 and name in squashed:
            return _(HAS_NAME)
    return None
