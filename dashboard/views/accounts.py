"""Accounts, for admins: who can sign in, in which role, and unlocking after a lockout."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import ui
from models import accounts
from models.entities import ROLES
from models.errors import ValidationFailed

FORM_KEYS = ("new_username", "new_display_name", "new_role", "new_password")


def _create_form(ctx: ui.AppContext, actor) -> None:  # type: ignore[no-untyped-def]
    errors: dict[str, str] = st.session_state.get("accounts_errors", {})
    if st.session_state.pop("accounts_created", None):
        st.success(st.session_state.pop("accounts_created_msg", "Account created."))
    with st.form("new_account", clear_on_submit=False):
        st.subheader("Add an account")
        username = st.text_input("Username", key="new_username", help="Lower-case letters, digits, . _ -")
        ui.field_error(errors, "username")
        display_name = st.text_input("Display name", key="new_display_name")
        ui.field_error(errors, "display_name")
        role = st.selectbox("Role", ROLES, key="new_role")
        ui.field_error(errors, "role")
        password = st.text_input("First password", type="password", key="new_password",
                                 help="At least 12 characters. Give it to the person in a safe way.")
        ui.field_error(errors, "password")
        submitted = st.form_submit_button("Create account", type="primary")
    if submitted:
        try:
            accounts.create_user(ctx.db, actor, username=username, display_name=display_name, role=role,
                                 password=password)
        except ValidationFailed as exc:
            st.session_state["accounts_errors"] = exc.errors
        else:
            st.session_state["accounts_errors"] = {}
            for key in FORM_KEYS:
                st.session_state.pop(key, None)
            st.session_state["accounts_created"] = True
            st.session_state["accounts_created_msg"] = f"Account '{username.strip().lower()}' created as {role}."
        st.rerun()


def render() -> None:
    ctx = ui.app_context()
    actor = ui.actor()
    st.title("Accounts")
    users = accounts.list_users(ctx.db, actor)
    frame = pd.DataFrame(
        [
            {"Username": u.username, "Name": u.display_name, "Role": u.role,
             "Active": u.active, "Locked": u.locked,
             "Last sign-in (UTC)": u.last_login_at.strftime("%Y-%m-%d %H:%M") if u.last_login_at else "never"}
            for u in users
        ]
    )
    st.dataframe(frame, hide_index=True)
    locked = [u for u in users if u.locked]
    if locked:
        with st.container(border=True):
            st.markdown("**Locked accounts** (too many failed sign-ins)")
            for u in locked:
                if st.button(f"Unlock {u.username}", key=f"unlock_{u.id}"):
                    accounts.unlock_user(ctx.db, actor, u.id)
                    st.rerun()
    _create_form(ctx, actor)


render()
