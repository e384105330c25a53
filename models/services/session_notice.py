"""What to say before a timeout acts: the idle limit (activity resets it) or the absolute one (nothing does)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from models.services.auth import SessionState

WARN_BEFORE = timedelta(minutes=2)
REFRESH_SECONDS = 15  # how often the sidebar notice looks again; each look is one read, never a write


@dataclass(frozen=True)
class TimeoutNotice:
    kind: str  # "idle": continuing keeps the session; "absolute": it ends whatever happens
    seconds_left: int
    text: str


def _about(seconds: float) -> str:
    if seconds <= 90:
        return "about a minute"
    return f"about {round(seconds / 60)} minutes"


def timeout_notice(state: SessionState, now: datetime, *, warn_before: timedelta = WARN_BEFORE) -> TimeoutNotice | None:
    """The notice to show now, or None while both limits are further away than `warn_before`."""
    idle_left = (state.idle_deadline - now).total_seconds()
    absolute_left = (state.absolute_deadline - now).total_seconds()
    if absolute_left <= idle_left:
        if absolute_left > warn_before.total_seconds():
            return None
        return TimeoutNotice("absolute", max(0, int(absolute_left)),
                             f"Your session reaches its time limit in {_about(absolute_left)}. Save what you are "
                             "doing; then you will need to sign in again.")
    if idle_left > warn_before.total_seconds():
        return None
    return TimeoutNotice("idle", max(0, int(idle_left)),
                         f"You will be signed out in {_about(idle_left)} unless you continue.")
