"""What to say before a timeout acts: the idle limit (activity resets it) or the absolute one (nothing does)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from models.base import i18n
from models.base.i18n import _, ngettext
from models.services.auth import SessionState

WARN_BEFORE = timedelta(minutes=2)
REFRESH_SECONDS = 15  # how often the sidebar notice looks again; each look is one read, never a write


@dataclass(frozen=True)
class TimeoutNotice:
    kind: str  # "idle": continuing keeps the session; "absolute": it ends whatever happens
    seconds_left: int
    text: str  # in the reader's language


def _about(seconds: float) -> str:
    if seconds <= 90:
        return _("about a minute")
    minutes = round(seconds / 60)
    return ngettext("about {n} minute", "about {n} minutes", minutes).format(n=i18n.number(minutes))


def timeout_notice(state: SessionState, now: datetime, *, warn_before: timedelta = WARN_BEFORE) -> TimeoutNotice | None:
    """The notice to show now, or None while both limits are further away than `warn_before`."""
    idle_left = (state.idle_deadline - now).total_seconds()
    absolute_left = (state.absolute_deadline - now).total_seconds()
    if absolute_left <= idle_left:
        if absolute_left > warn_before.total_seconds():
            return None
        # TRANSLATORS: {wait} is "about a minute" or "about 2 minutes".
        return TimeoutNotice("absolute", max(0, int(absolute_left)),
                             _("Your session reaches its time limit in {wait}. Save what you are doing; then you "
                               "will need to sign in again.").format(wait=_about(absolute_left)))
    if idle_left > warn_before.total_seconds():
        return None
    # TRANSLATORS: {wait} is "about a minute" or "about 2 minutes".
    return TimeoutNotice("idle", max(0, int(idle_left)),
                         _("You will be signed out in {wait} unless you continue.").format(wait=_about(idle_left)))
