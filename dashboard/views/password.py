"""Change your own password: for everyone, and the only page for someone whose password was reset."""

from __future__ import annotations

import streamlit as st

from dashboard import ui
from models.base.errors import ValidationFailed
from models.rules import passwords
from models.services import account_admin

FORM_KEYS = ("pw_current", "pw_new", "pw_confirm")


def render() -> None:
    ctx = ui.app_context()
    actor = ui.actor()
    st.title("Change password")
    if actor.must_change_password:
        st.warning("An administrator reset your password. Choose your own to go on.", icon=":material/key:")
    if st.session_state.pop("pw_changed", None):
        st.success("Your password is changed. Your other signed-in tabs and devices were signed out.")
    errors: dict[str, str] = st.session_state.get("pw_errors", {})
    with st.form("change_password", clear_on_submit=False):
        current = st.text_input("Current password", type="password", key="pw_current",
                                autocomplete="current-password")
        ui.field_error(errors, "current")
        new = st.text_input("New password", type="password", key="pw_new", autocomplete="new-password",
                            help=f"At least {passwords.MIN_LENGTH} characters. A few unrelated words work well; "
                                 "no symbols needed. Very common passwords and your own name are refused.")
        ui.field_error(errors, "new")
        confirm = st.text_input("New password again", type="password", key="pw_confirm",
                                autocomplete="new-password")
        ui.field_error(errors, "confirm")
        submitted = st.form_submit_button("Change password", type="primary")
    if not submitted:
        return
    try:
        account_admin.change_own_password(ctx.db, ctx.settings, actor, current=current, new=new, confirm=confirm)
    except ValidationFailed as exc:
        st.session_state["pw_errors"] = exc.errors
    except account_admin.LockedOut as exc:
        for key in list(st.session_state.keys()):
            del st.session_state[key]
        st.session_state[ui.NOTICE_KEY] = str(exc)
    else:
        st.session_state["pw_errors"] = {}
        for key in FORM_KEYS:
            st.session_state.pop(key, None)
        st.session_state["pw_changed"] = True
    st.rerun()


render()
