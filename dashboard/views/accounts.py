"""Accounts, for admins: who can sign in, in which role, and unlocking after a lockout.

An advocate or supervisor account made or reset here waits for a supervisor's confirmation (their Home page) and
gets no password from the admin: the person chooses it with a setup code (models/services/account_review.py).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import sso, ui
from dashboard import timeutil_ui as tz
from models.base.errors import ValidationFailed
from models.rules import passwords
from models.rules.permissions import reads_records
from models.services import account_admin, account_life, accounts, auth, identity, second_factor
from models.store.entities import ROLES

FORM_KEYS = ("new_username", "new_display_name", "new_role", "new_password")
CLEAR_FORM = "accounts_clear_form"
CHOOSE = "Choose an account"


def _empty_create_form() -> None:
    """The run after an account is made draws the form empty. Values set before the widgets are drawn are sent to
    the browser; a key only removed could leave the last typing on screen, inviting a second account by mistake."""
    if st.session_state.pop(CLEAR_FORM, None):
        for key in ("new_username", "new_display_name", "new_password"):
            st.session_state[key] = ""
        st.session_state["new_role"] = ROLES[0]


def _create_form(ctx: ui.AppContext, actor) -> None:  # type: ignore[no-untyped-def]
    errors: dict[str, str] = st.session_state.get("accounts_errors", {})
    _empty_create_form()
    if st.session_state.pop("accounts_created", None):
        st.success(st.session_state.pop("accounts_created_msg", "Account created."))
    st.header("Add an account")
    role = st.selectbox("Role", ROLES, key="new_role")  # outside the form: it decides whether a password is asked
    ui.field_error(errors, "role")
    waits = reads_records(role)
    if waits:
        st.caption("An advocate or supervisor account waits for a supervisor to confirm it. You set no password: "
                   "the supervisor gives the person a one-time setup code to choose their own.")
    with st.form("new_account", clear_on_submit=False):
        username = st.text_input("Username", key="new_username", help="Lower-case letters, digits, . _ -")
        ui.field_error(errors, "username")
        display_name = st.text_input("Display name", key="new_display_name")
        ui.field_error(errors, "display_name")
        password = None
        if not waits:
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
            st.session_state[CLEAR_FORM] = True
            made = ui.plain(username.strip().lower())
            st.session_state["accounts_created_msg"] = (
                f"Account {made} created as {role}; it waits for a supervisor to confirm it." if waits
                else f"Account {made} created as {role}.")
        st.rerun()


def _sessions_and_passwords(ctx: ui.AppContext, actor, users) -> None:  # type: ignore[no-untyped-def]
    """End every session of a person, or give them a new first password that they must change."""
    errors: dict[str, str] = st.session_state.get("admin_pw_errors", {})
    done = st.session_state.pop("admin_done", None)
    with st.container(border=True):
        st.header("Sessions and passwords")
        if done:
            st.success(done)
        open_counts = account_admin.open_session_counts(ctx.db, actor)
        by_id = {u.id: u for u in users}
        chosen = st.selectbox("Account", list(by_id), key="admin_target", index=None, placeholder=CHOOSE,
                              on_change=lambda: st.session_state.pop("admin_pw_errors", None),
                              # No changing figure in the label: a new session count made it another widget, and
                              # the choice was dropped as "End all sessions" was pressed (issue-19 walk).
                              format_func=lambda i: f"{by_id[i].username} ({by_id[i].display_name})")
        ui.field_error(errors, "user")
        if chosen is None:
            return
        target = by_id[chosen]
        st.caption(f"{ui.plain(target.username)} has {ui.counted(open_counts.get(chosen, 0), 'open session')} now.")
        if st.button(f"End all sessions of {ui.plain(target.username)}", key="admin_end_sessions",
                     help="Signs them out everywhere at once, on the server."):
            ended = account_admin.end_sessions(ctx.db, actor, target.id)
            st.session_state["admin_done"] = (f"Ended {ui.counted(ended, 'open session')} of "
                                              f"{ui.plain(target.username)}.")
            st.rerun()
        if target.id == actor.user_id:
            st.caption("To change your own password, use the Change password page.")
            return
        if reads_records(target.role):
            _reset_reader(ctx, actor, target)
            return
        with st.form("reset_password", clear_on_submit=False):
            new = st.text_input(f"New first password for {ui.plain(target.username)}", type="password",
                                key="admin_new_password", autocomplete="new-password",
                                help=f"At least {passwords.MIN_LENGTH} characters. They must choose their own "
                                     "at their next sign-in. Give it to them in a safe way.")
            ui.field_error(errors, "password")
            reset = st.form_submit_button("Reset password")
        if reset:
            try:
                account_admin.reset_password(ctx.db, actor, target.id, new)
            except ValidationFailed as exc:
                st.session_state["admin_pw_errors"] = exc.errors
            else:
                st.session_state["admin_pw_errors"] = {}
                st.session_state.pop("admin_new_password", None)
                st.session_state["admin_done"] = (f"Password of {ui.plain(target.username)} reset; their sessions "
                                                  "ended. They must choose their own at their next sign-in.")
            st.rerun()


def _reset_reader(ctx: ui.AppContext, actor, target) -> None:  # type: ignore[no-untyped-def]
    if target.status == accounts.WAITING:
        st.caption(f"{ui.plain(target.username)} is waiting for a supervisor to confirm a new account or reset.")
    st.caption("Resetting the password of an advocate or supervisor ends their sessions and leaves them without "
               "a password until a supervisor confirms; the supervisor gives them a setup code.")
    if st.button(f"Reset password of {ui.plain(target.username)}", key="admin_reset_reader"):
        account_admin.reset_password(ctx.db, actor, target.id)
        st.session_state["admin_done"] = (f"Password of {ui.plain(target.username)} reset; their sessions ended. "
                                          "They can sign in again once a supervisor confirms and gives them a "
                                          "setup code.")
        st.rerun()


def _life_done(message: str) -> None:
    st.session_state["life_done"] = message
    st.session_state["life_errors"] = {}
    st.rerun()


def _change_an_account(ctx: ui.AppContext, actor, users) -> None:  # type: ignore[no-untyped-def]
    """Display name, role, deactivate or reactivate: one account at a time, chosen on purpose (no default)."""
    errors: dict[str, str] = st.session_state.get("life_errors", {})
    done = st.session_state.pop("life_done", None)
    with st.container(border=True):
        st.header("Change an account")
        if done:
            st.success(done)
        by_id = {u.id: u for u in users}
        chosen = st.selectbox("Account to change", list(by_id), key="life_target", index=None, placeholder=CHOOSE,
                              on_change=lambda: st.session_state.pop("life_errors", None),
                              # The label never changes with the account's state: a label that did would make
                              # a new widget, dropping the choice (and a Reactivate click) right after Deactivate.
                              format_func=lambda i: f"{by_id[i].username} ({by_id[i].display_name})")
        ui.field_error(errors, "user")
        if chosen is None:
            return
        target = by_id[chosen]
        shown = ui.plain(target.username)
        if not target.active:
            st.caption(f"{shown} is deactivated.")
        with st.form(f"life_rename_{target.id}", clear_on_submit=False):
            name = st.text_input(f"Display name of {shown}", value=target.display_name, key=f"life_name_{target.id}",
                                 max_chars=120, help="How the account is shown everywhere, as plain text.")
            ui.field_error(errors, "display_name")
            renamed = st.form_submit_button("Save display name")
        if renamed:
            try:
                account_life.rename(ctx.db, actor, target.id, name)
            except ValidationFailed as exc:
                st.session_state["life_errors"] = exc.errors
                st.rerun()
            _life_done(f"Display name of {shown} changed.")
        if target.id == actor.user_id:
            st.caption("Your own role and account stay as they are: another admin can change them.")
            return
        if target.active:
            _role_form(ctx, actor, target, errors)
        else:
            st.caption(f"Reactivate {shown} to change their role.")
        _active_buttons(ctx, actor, target)


def _role_form(ctx: ui.AppContext, actor, target, errors: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    shown = ui.plain(target.username)
    with st.form(f"life_role_{target.id}", clear_on_submit=False):
        role = st.selectbox(f"Role of {shown}", ROLES, index=ROLES.index(target.role), key=f"life_role_{target.id}")
        st.caption("A new role of advocate or supervisor works only once a supervisor confirms it: the account "
                   "loses its password and its sessions end, and the supervisor gives the person a setup code. "
                   "A new role of admin works at once, with their own password. An advocate's open clients are "
                   "handed over by a supervisor first.")
        ui.field_error(errors, "role")
        changed = st.form_submit_button("Change role")
    if changed:
        try:
            result = account_life.change_role(ctx.db, actor, target.id, role)
        except ValidationFailed as exc:
            st.session_state["life_errors"] = exc.errors
            st.rerun()
        if result.waits:
            _life_done(f"{shown} is now {result.new_role}, waiting for a supervisor to confirm it; their sessions "
                       "ended. They sign in again with the setup code the supervisor gives them.")
        extra = "" if result.has_password else (" It has no password yet: give it a first one under Sessions and "
                                                "passwords.")
        _life_done(f"{shown} is now {result.new_role}; their sessions ended.{extra}")


def _active_buttons(ctx: ui.AppContext, actor, target) -> None:  # type: ignore[no-untyped-def]
    shown = ui.plain(target.username)
    if target.active:
        st.caption("Deactivating ends their sessions at once and they cannot sign in; what they recorded stays, "
                   "under their name. A supervisor hands their open clients over to other advocates.")
        if st.session_state.get("life_confirm") != target.id:
            if st.button(f"Deactivate {shown}", key="life_deactivate"):
                st.session_state["life_confirm"] = target.id  # asked once more: it signs them out at once
                st.rerun()
            return
        st.warning(f"Deactivate {shown} now? Anything they have not saved yet is not saved.")
        yes, no = st.columns(2)
        if yes.button(f"Yes, deactivate {shown}", key="life_deactivate_yes", type="primary"):
            st.session_state.pop("life_confirm", None)
            accounts.set_active(ctx.db, actor, target.id, False)
            _life_done(f"{shown} is deactivated; their sessions ended.")
        if no.button("Cancel", key="life_deactivate_no"):
            st.session_state.pop("life_confirm", None)
            st.rerun()
    elif st.button(f"Reactivate {shown}", key="life_reactivate"):
        accounts.set_active(ctx.db, actor, target.id, True)
        # What kept it out before, other than being deactivated, still does (a declined account has no password).
        after = {"deactivated": "", "declined: deactivated, no password": accounts.NO_PASSWORD_YET}.get(
            target.status, target.status)
        _life_done(f"{shown} can sign in again." if not after else f"{shown} is active again ({after}).")


def _sign_in_methods(ctx: ui.AppContext, actor, users, factors, links) -> None:  # type: ignore[no-untyped-def]
    """Two-step sign-in (reset after a lost phone) and the link to the organisation's identity provider."""
    errors: dict[str, str] = st.session_state.get("methods_errors", {})
    done = st.session_state.pop("methods_done", None)
    with st.container(border=True):
        st.header("Two-step and organisation sign-in")
        if done:
            st.success(done)
        by_id = {u.id: u for u in users}
        chosen = st.selectbox("Account to check or reset", list(by_id), key="methods_target", index=None,
                              placeholder=CHOOSE,
                              on_change=lambda: st.session_state.pop("methods_errors", None),
                              format_func=lambda i: f"{by_id[i].username} ({by_id[i].display_name})")
        if chosen is None:
            return
        target = by_id[chosen]
        shown = ui.plain(target.username)
        factor = factors.get(target.id)
        if factor is None:
            required = target.role in ctx.settings.mfa_required
            st.write("Two-step sign-in: **not set up**" + (" (their role needs it: they set it up at their next "
                                                             "sign-in)" if required else "") + ".")
        else:
            st.write(f"Two-step sign-in: **on** since {tz.show_date(factor.enrolled_at)}, "
                     f"{ui.counted(factor.recovery_codes_left, 'recovery code')} left.")
            if target.id == actor.user_id:
                st.caption("Another admin resets your own, or the server's command line (docs/accounts.md).")
            elif st.session_state.get("methods_confirm") != target.id:
                if st.button(f"Reset two-step sign-in of {shown}", key="methods_reset"):
                    st.session_state["methods_confirm"] = target.id
                    st.rerun()
            else:
                st.warning(f"Reset two-step sign-in of {shown}? Their authenticator app and recovery codes stop "
                           "working and their sessions end now.")
                yes, no = st.columns(2)
                if yes.button("Yes, reset it", key="methods_reset_yes", type="primary"):
                    st.session_state.pop("methods_confirm", None)
                    second_factor.reset(ctx.db, actor, target.id)
                    st.session_state["methods_done"] = (f"Two-step sign-in of {shown} was reset; their sessions "
                                                        "ended.")
                    st.rerun()
                if no.button("Cancel", key="methods_reset_no"):
                    st.session_state.pop("methods_confirm", None)
                    st.rerun()
        if not sso.configured() and target.id not in links:
            return
        link = links.get(target.id)
        if link is not None:
            how = "e-mail" if link.email else "subject id"
            st.write(f"Organisation sign-in: linked by {how}"
                     + (", waiting for a supervisor to confirm it." if link.waiting else
                        ", confirmed by a first sign-in." if link.pinned else "."))
            if link.email:
                st.code(link.email, language=None)  # as typed, copyable (no invisible joiners)
        with st.form(f"methods_link_{target.id}", clear_on_submit=False):
            email = st.text_input(f"E-mail address of {shown} at your organisation", key=f"methods_email_{target.id}",
                                  max_chars=254, help="What they sign in with at your identity provider. It must "
                                  "be verified there; the first sign-in then fixes the link to their identity.")
            ui.field_error(errors, "email")
            linked = st.form_submit_button("Link" if link is None else "Link to this address instead")
        if linked:
            try:
                waits = identity.link(ctx.db, actor, target.id, email=email)
            except ValidationFailed as exc:
                st.session_state["methods_errors"] = exc.errors
            else:
                st.session_state["methods_errors"] = {}
                st.session_state["methods_done"] = (
                    f"Linked. {shown} reads case records, so the link works once a supervisor confirms it on "
                    "their Home page." if waits else f"{shown} can now sign in with their organisation's account.")
            st.rerun()
        if link is not None and st.button(f"Remove the link of {shown}", key="methods_unlink"):
            identity.unlink(ctx.db, actor, target.id)
            st.session_state["methods_done"] = f"{shown} can no longer sign in with their organisation's account."
            st.rerun()


def render() -> None:
    ctx = ui.app_context()
    actor = ui.actor()
    st.title("Accounts")
    users = accounts.list_users(ctx.db, actor)
    factors = second_factor.statuses(ctx.db, actor)
    links = identity.links(ctx.db, actor)
    frame = pd.DataFrame(
        [
            {"Username": u.username, "Name": u.display_name, "Role": u.role, "Active": u.active,
             "Status": ", ".join(p for p in (u.status, "locked" if u.locked else "") if p) or "ready",
             "Last sign-in": tz.show(u.last_login_at) if u.last_login_at else "never",
             "Two-step": "on" if u.id in factors else ("needed" if u.role in ctx.settings.mfa_required else "off"),
             **({"Organisation sign-in": "linked" if u.id in links else ""} if links or sso.configured() else {})}
            for u in users
        ]
    )
    # Widths that add up to the page's 820 px at 1280 (no sideways scrolling), with room for the longest status
    # ("declined: deactivated, no password"); a little less for it when the organisation column is there too.
    org = "Organisation sign-in" in frame.columns
    st.dataframe(frame, hide_index=True, column_config={
        "Username": st.column_config.TextColumn(width=95),
        "Name": st.column_config.TextColumn(width=120 if org else 150),
        "Role": st.column_config.TextColumn(width=80),
        "Active": st.column_config.CheckboxColumn(width=55),
        "Status": st.column_config.TextColumn(width=185 if org else 215),
        "Last sign-in": st.column_config.TextColumn(width=125 if org else 130),
        "Two-step": st.column_config.TextColumn(width=70 if org else 75),
        "Organisation sign-in": st.column_config.TextColumn(
            "Organisation", width=90, help="Linked to sign-in with the organisation's own accounts")})
    waits = accounts.sign_in_waits(ctx.db, actor, ctx.settings)
    locked = [u for u in users if u.locked or u.id in waits]
    unlocked = st.session_state.pop("accounts_unlocked", None)
    if unlocked:
        st.success(unlocked)
    if locked:
        with st.container(border=True):
            st.markdown("**Locked or paused accounts** (too many wrong passwords)")
            for u in locked:
                why = ("locked after wrong current passwords" if u.locked else
                       f"sign-ins paused for {auth.wait_in_words(waits[u.id])} on an address" if waits[u.id] else
                       "many failed sign-ins: new addresses get one try")
                if st.button(f"Unlock {ui.plain(u.username)}", key=f"unlock_{u.id}"):
                    accounts.unlock_user(ctx.db, actor, u.id)
                    st.session_state["accounts_unlocked"] = (f"Unlocked {ui.plain(u.username)}: any lock and "
                                                             "every sign-in wait on the account are cleared.")
                    st.rerun()
                st.caption(f"{ui.plain(u.username)}: {why}.")
    _sessions_and_passwords(ctx, actor, users)
    _change_an_account(ctx, actor, users)
    _sign_in_methods(ctx, actor, users, factors, links)
    _create_form(ctx, actor)


render()
