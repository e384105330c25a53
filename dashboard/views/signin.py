"""The only page a stranger can reach. It creates no accounts: those come from the server's command line."""

from __future__ import annotations

import streamlit as st

from dashboard import ui
from models.services.auth import SignInFailed


def render() -> None:
    ctx = ui.app_context()
    left, middle, right = st.columns([1, 2, 1])
    with middle:
        st.title("Sign in to Waypoint")
        notice = st.session_state.pop(ui.NOTICE_KEY, None)
        if notice:
            st.info(notice)
        if ctx.db.is_empty():
            st.warning(
                "No accounts exist yet. Accounts are made at the server's command line, never from this page: "
                "run `./waypoint demo` to load demo data with an account for each role, or "
                "`./waypoint create-user --role admin --username NAME --display-name 'Full Name'` "
                "to create the first administrator."
            )
        with st.form("sign_in", enter_to_submit=True):
            username = st.text_input("Username", key="signin_username", autocomplete="username")
            password = st.text_input("Password", type="password", key="signin_password",
                                     autocomplete="current-password")
            submitted = st.form_submit_button("Sign in", type="primary")
        if submitted:
            try:
                ui.sign_in(ctx, username, password)
            except SignInFailed as exc:
                st.error(str(exc))
            else:
                st.rerun()
        st.caption("Waypoint signs you out after a period without activity. Closing the tab ends your visit.")


render()
