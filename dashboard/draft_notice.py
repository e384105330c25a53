"""Where a kept draft waits (dashboard/drafts.py): a notice with Restore and Discard, on Home and on the form's
own page, shown only to the account that typed it."""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard import drafts, ui
from models.base import i18n
from models.base.i18n import _, ngettext
from models.services.clients import CODE_RE

FLASH_KEY = "_wp_draft_flash"  # what the last Restore or Discard did, said once on the next run
PAGES = {"ci": "check_in", "nc": "new_client"}


def _client(draft: drafts.KeptDraft) -> str | None:
    """The client code a kept check-in is about, when it is one the app made (nothing Markdown acts on)."""
    client = draft.values.get("ci_client") if draft.prefix == "ci" else None
    return client if isinstance(client, str) and CODE_RE.match(client) else None


def _words(draft: drafts.KeptDraft) -> tuple[str, str]:
    """The notice and the message after Discard, as whole sentences: which form, and for which client."""
    code = _client(draft)
    if code is not None:
        return (_("Your unsaved check-in for client {code} is waiting. It was kept when you were signed out before "
                  "saving, and nothing of it is saved yet. It stays in this tab for about {left}, for you only."),
                _("The unsaved check-in for client {code} was discarded.").format(code=code))
    if draft.prefix == "ci":
        return (_("Your unsaved check-in is waiting. It was kept when you were signed out before saving, and "
                  "nothing of it is saved yet. It stays in this tab for about {left}, for you only."),
                _("The unsaved check-in was discarded."))
    if draft.prefix == "nc":
        return (_("Your unsaved new-client form is waiting. It was kept when you were signed out before saving, "
                  "and nothing of it is saved yet. It stays in this tab for about {left}, for you only."),
                _("The unsaved new-client form was discarded."))
    # TRANSLATORS: {what} names a form, in English (a form without its own sentence yet).
    return (_("Your unsaved {what} is waiting. It was kept when you were signed out before saving, and nothing of "
              "it is saved yet. It stays in this tab for about {left}, for you only."),
            _("The unsaved {what} was discarded.").format(what=draft.what))


def _discard(user_id: int, prefix: str, said: str) -> None:
    drafts.discard(user_id, prefix)
    st.session_state[FLASH_KEY] = said


def _restore(user_id: int, prefix: str) -> None:
    if drafts.restore(user_id, prefix) is not None:
        st.session_state[FLASH_KEY] = _("Restored what you had typed. Check it, then save.")


def show(user_id: int, prefix: str | None = None) -> None:
    """The notices for this person's kept drafts: of one form on that form's page (`prefix`; Restore fills the
    form there), or of every form (Home; Restore opens the form's page filled, when this role has that page)."""
    flash = st.session_state.pop(FLASH_KEY, None)
    if flash:
        st.success(flash, icon=":material/check_circle:")
    for draft in drafts.waiting_for(user_id, prefix):
        key = draft.prefix
        waiting, discarded = _words(draft)
        with st.container(border=True, key=f"draft_{key}"):
            st.warning(waiting.format(code=_client(draft), what=draft.what, left=_left(draft)),
                       icon=":material/edit_note:")
            restore_col, discard_col = st.columns(2)
            target: Any = ui.page(PAGES[key])
            if prefix is not None:
                restore_col.button(_("Restore it"), key=f"draft_restore_{key}", type="primary", on_click=_restore,
                                   args=(user_id, key))
            elif target is not None and restore_col.button(_("Restore it"), key=f"draft_restore_{key}",
                                                           type="primary"):
                _restore(user_id, key)  # this run draws no widget of that form, so its values can be set here
                st.switch_page(target)
            discard_col.button(_("Discard it"), key=f"draft_discard_{key}", on_click=_discard,
                               args=(user_id, key, discarded))


def _left(draft: drafts.KeptDraft) -> str:
    """How long the draft still waits: "12 more minutes", "3 more hours"."""
    minutes = drafts.minutes_left(draft)
    if minutes < 90:
        return ngettext("{n} more minute", "{n} more minutes", minutes).format(n=i18n.number(minutes))
    hours = round(minutes / 60)
    return ngettext("{n} more hour", "{n} more hours", hours).format(n=i18n.number(hours))
