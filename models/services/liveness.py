"""Is the acting person's session still live, right now, in the database? Checked at the moment of acting.

The web app runs a button's callback before the page script, so the session check at the top of the app comes too
late for a save: an advocate whose sessions an admin ended (or whose idle limit passed) could still press Save.
Every audited action therefore checks the session row inside its own transaction (models/services/audit.py), and
a download checks it when it builds the file. On PostgreSQL the row is read FOR SHARE, so an admin ending the
session and a save in flight are ordered: whichever commits first decides. (SQLite writes are serialised anyway.)
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models.base.i18n import N_, _
from models.base.settings import idle_minutes_from
from models.base.timeutil import utcnow
from models.store.entities import AuthSession, User

if TYPE_CHECKING:
    from models.rules.permissions import Actor

SIGNED_OUT = N_("You were signed out before that could be done, so nothing was saved. Sign in again to go on.")


class SessionEnded(Exception):
    """The session behind the acting person ended (signed out elsewhere, ended by an admin, idle or absolute
    limit, account deactivated, its role changed or reset to wait for a supervisor). Nothing was done; the person
    must sign in again."""

    def __init__(self, reason: str) -> None:
        super().__init__(_(SIGNED_OUT))
        self.reason = reason


def idle_minutes() -> int:
    """The same reading and bounds as Settings, without re-reading the note key file on every action."""
    return idle_minutes_from(os.environ)


def ended_reason(s: Session, actor: Actor, *, lock: bool = False) -> str | None:
    """None while the actor's session is live; otherwise why not. An actor without a session (the command line,
    which runs as an account on the server) has nothing to check."""
    if actor.session_id is None:
        return None
    query = select(AuthSession).where(AuthSession.id == actor.session_id)
    if lock:
        query = query.with_for_update(read=True)
    row = s.scalars(query).one_or_none()
    if row is None or row.user_id != actor.user_id or row.ended_at is not None:
        return "ended"
    now = utcnow()
    if now >= row.expires_at:
        return "absolute_timeout"
    if (now - row.last_seen_at).total_seconds() >= idle_minutes() * 60:
        return "idle_timeout"
    user = s.get(User, actor.user_id)
    if user is None or not user.active:
        return "account_inactive"
    if user.role != actor.role:
        return "account_changed"
    if user.pending_since is not None:  # reset by an admin and waiting for a supervisor
        return "account_pending"
    return None


def end_all(s: Session, user_id: int, reason: str, *, keep: int | None = None) -> int:
    """End every open session of an account (but `keep`, the one in use) inside the caller's transaction; the
    services check the session row on every action, so the person's next click is refused. Returns how many."""
    query = update(AuthSession).where(AuthSession.user_id == user_id, AuthSession.ended_at.is_(None))
    if keep is not None:
        query = query.where(AuthSession.id != keep)
    return s.execute(query.values(ended_at=utcnow(), end_reason=reason)).rowcount or 0


def check(s: Session, actor: Actor | None, *, lock: bool = False) -> None:
    """Raise SessionEnded unless the actor's session is live (once per transaction and session)."""
    if actor is None or actor.session_id is None:
        return
    checked: set[int] = s.info.setdefault("wp_live_sessions", set())
    if actor.session_id in checked:
        return
    reason = ended_reason(s, actor, lock=lock)
    if reason is not None:
        raise SessionEnded(reason)
    checked.add(actor.session_id)
