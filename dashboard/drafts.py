"""Unsaved forms kept across a sign-out the person did not ask for, for that same person only (issue 15, item 1).

A check-in (or a new-client form) typed while the session ended (an admin ended it, the idle or absolute limit
passed, the connection changed) is kept here when the tab is signed out, and offered back with Restore / Discard
once the same account signs in again on this tab. What is kept:

- lives only in this browser session's Streamlit session state, in the server process's memory: never in the
  database, a file, a log line or the audit log (the values are left out of the repr, so no traceback or log
  record can print them);
- is bound to the account's user id: anyone else who signs in on this tab makes it go, unseen;
- expires WAYPOINT_SESSION_HOURS after it was kept (no longer than a session could have lasted);
- goes at once on an explicit "Sign out", which says so.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from models.base.i18n import N_, _
from models.services.clients import CODE_RE

DRAFT_KEY = "_wp_drafts"
FORMS = {"ci": N_("check-in"), "nc": N_("new-client form")}
# Keys of a form that are not what the person typed: messages, caches, the save button, the idempotency key.
NOT_TYPED = ("_save", "_submit", "_errors", "_findings", "_new_code", "_crisis", "_codes", "_saved", "_submission",
             "_version", "_checklist", "_copy_last", "_dismiss_saved")
# Fields that hold a value before anyone types (today's date, the default due choice, a display toggle): alone,
# they are no draft worth keeping.
PREFILLED = ("_date", "_time", "_due_choice", "_due_date", "_guidance", "_opened")


@dataclass(frozen=True)
class KeptDraft:
    """One unsaved form of one person. `values` are widget values by key; repr never shows them."""

    user_id: int
    prefix: str
    expires_at: float  # time.monotonic()
    values: dict[str, Any] = field(repr=False, compare=False)

    @property
    def what(self) -> str:
        """Words for the notice: "check-in for client K7F-3QX" or "new-client form"."""
        client = self.values.get("ci_client") if self.prefix == "ci" else None
        if isinstance(client, str) and CODE_RE.match(client):  # a code the app made: nothing Markdown acts on
            return _("check-in for client {code}").format(code=client)
        return _(FORMS[self.prefix])

    def live(self, now: float | None = None) -> bool:
        return (time.monotonic() if now is None else now) < self.expires_at


def typed(prefix: str, state: Mapping[str, Any]) -> dict[str, Any]:
    """A form's field values in `state` (not its messages, caches or buttons)."""
    return {k: v for k, v in state.items()
            if isinstance(k, str) and k.startswith(prefix + "_") and not k.endswith(NOT_TYPED)}


def _worth_keeping(values: dict[str, Any]) -> bool:
    """Something was typed or chosen: not just the date and time the form starts with."""
    for key, value in values.items():
        if key.endswith("_due_choice"):
            if value == "date":
                return True
        elif not key.endswith(PREFILLED) and value not in (None, False, "", [], (), frozenset(), set()):
            return True
    return False


def on_screen(user_id: int, keep_hours: float) -> list[KeptDraft]:
    """The forms in this tab's state right now that hold something typed, as drafts of `user_id`."""
    until = time.monotonic() + keep_hours * 3600
    found = []
    for prefix in FORMS:
        values = typed(prefix, st.session_state)
        if _worth_keeping(values):
            found.append(KeptDraft(user_id, prefix, until, values))
    return found


def keep_across_pages(prefixes: tuple[str, ...] = ("ci",)) -> None:
    """Keep a half-filled form while its person is on another page. Streamlit forgets a widget's value in any run
    that does not draw it, so an advocate who looked something up mid check-in came back to an empty form; a value
    set through session state is kept (Streamlit's documented way). Only a form with something typed is kept: a
    form left untouched starts again at the time it is opened. Call on every full run, before the page draws."""
    for prefix in prefixes:
        values = typed(prefix, st.session_state)
        if _worth_keeping(values):
            st.session_state.update(values)


def held() -> list[KeptDraft]:
    """Drafts waiting in this tab (any account's), expired ones dropped."""
    drafts = [d for d in st.session_state.get(DRAFT_KEY, ()) if isinstance(d, KeptDraft) and d.live()]
    if DRAFT_KEY in st.session_state:
        _store(drafts)
    return drafts


def _store(drafts: list[KeptDraft]) -> None:
    if drafts:
        st.session_state[DRAFT_KEY] = tuple(drafts)
    else:
        st.session_state.pop(DRAFT_KEY, None)


def to_keep(user_id: int | None, keep_hours: float) -> list[KeptDraft]:
    """What a forced sign-out keeps: the drafts already waiting and the forms on screen (those win, being
    newer), one per form."""
    drafts = {d.prefix: d for d in held()}
    if user_id is not None:
        drafts.update({d.prefix: d for d in on_screen(user_id, keep_hours)})
    return list(drafts.values())


def put_back(drafts: list[KeptDraft]) -> None:
    """After the session state was cleared: hold these again."""
    _store([d for d in drafts if d.live()])


def keep_only_for(user_id: int) -> None:
    """A sign-in: drafts of anyone else go, unseen."""
    _store([d for d in held() if d.user_id == user_id])


def waiting_for(user_id: int, prefix: str | None = None) -> list[KeptDraft]:
    return [d for d in held() if d.user_id == user_id and (prefix is None or d.prefix == prefix)]


def discard(user_id: int, prefix: str) -> None:
    _store([d for d in held() if not (d.user_id == user_id and d.prefix == prefix)])


def restore(user_id: int, prefix: str) -> KeptDraft | None:
    """Put the draft's values back into the form's widgets and stop holding it. Call from a callback, or from a
    run that does not draw that form (a keyed widget already drawn in this run cannot take a new value)."""
    found = waiting_for(user_id, prefix)
    if not found:
        return None
    draft = found[0]
    # Set, never deleted: a deleted widget key would leave the browser showing what it showed before.
    st.session_state.update(draft.values)
    discard(user_id, prefix)
    return draft


def minutes_left(draft: KeptDraft) -> int:
    return max(1, round((draft.expires_at - time.monotonic()) / 60))
