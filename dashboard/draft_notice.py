"""Where a kept draft waits (dashboard/drafts.py): a notice with Restore and Discard, on Home and on the form's
own page, shown only to the account that typed it."""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard import drafts, ui

FLASH_KEY = "_wp_draft_flash"  # what the last Restore or Discard did, said once on the next run
PAGES = {"ci": "check_in", "nc": "new_client"}


def _discard(user_id: int, prefix: str, what: str) -> None:
    drafts.discard(user_id, prefix)
    st.session_state[FLASH_KEY] = f"The unsaved {what} was discarded."


def _restore(user_id: int, prefix: str) -> None:
    if drafts.restore(user_id, prefix) is not None:
        st.session_state[FLASH_KEY] = "Restored what you had typed. Check it, then save."


def show(user_id: int, prefix: str | None = None) -> None:
    """The notices for this person's kept drafts: of one form on that form's page (`prefix`; Restore fills the
    form there), or of every form (Home; Restore opens the form's page filled, when this role has that page)."""
    flash = st.session_state.pop(FLASH_KEY, None)
    if flash:
        st.success(flash, icon=":material/check_circle:")
    for draft in drafts.waiting_for(user_id, prefix):
        key = draft.prefix
        with st.container(border=True, key=f"draft_{key}"):
            st.warning(f"Your unsaved {draft.what} is waiting. It was kept when you were signed out "
                       f"before saving, and nothing of it is saved yet. It stays in this tab for about "
                       f"{_left(draft)}, for you only.", icon=":material/edit_note:")
            restore_col, discard_col = st.columns(2)
            target: Any = ui.page(PAGES[key])
            if prefix is not None:
                restore_col.button("Restore it", key=f"draft_restore_{key}", type="primary", on_click=_restore,
                                   args=(user_id, key))
            elif target is not None and restore_col.button("Restore it", key=f"draft_restore_{key}",
                                                           type="primary"):
                _restore(user_id, key)  # this run draws no widget of that form, so its values can be set here
                st.switch_page(target)
            discard_col.button("Discard it", key=f"draft_discard_{key}", on_click=_discard,
                               args=(user_id, key, draft.what))


def _left(draft: drafts.KeptDraft) -> str:
    minutes = drafts.minutes_left(draft)
    if minutes < 90:
        return f"{minutes} more minute" + ("" if minutes == 1 else "s")
    hours = round(minutes / 60)
    return f"{hours} more hours"
