"""Accounts, for admins: who can sign in, in which role, and unlocking after a lockout.

An advocate or supervisor account made or reset here waits for a supervisor's confirmation (their Home page) and
gets no password from the admin: the person chooses it with a setup code (models/services/account_review.py).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import sso, ui
from dashboard import timeutil_ui as tz
from models.base import i18n
from models.base.errors import ValidationFailed
from models.base.i18n import N_, _, ngettext, pgettext
from models.rules import passwords
from models.rules.permissions import reads_records
from models.services import account_admin, account_life, accounts, auth, identity, second_factor
from models.store.entities import ROLES

FORM_KEYS = ("new_username", "new_display_name", "new_role", "new_password")
CLEAR_FORM = "accounts_clear_form"
CHOOSE = N_("Choose an account")
# TRANSLATORS: the roles an account can have, as they read inside a sentence ("Account ops created as admin.").
ROLE_LABELS = {"advocate": N_("advocate"), "supervisor": N_("supervisor"), "admin": N_("admin")}
# TRANSLATORS: how an account is linked to the organisation's sign-in ("linked by e-mail").
LINKED_BY = {True: N_("e-mail"), False: N_("subject id")}
COLUMNS = {"username": N_("Username"), "name": N_("Name"), "role": N_("Role"), "active": N_("Active"),
           "status": N_("Status"), "last": N_("Last sign-in"), "two_step": N_("Two-step"),
           "organisation": N_("Organisation sign-in")}


def _role(code: str) -> str:
    return _(ROLE_LABELS[code]) if code in ROLE_LABELS else code


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
        st.success(st.session_state.pop("accounts_created_msg", None) or _("Account created."))
    st.header(_("Add an account"))
    # Outside the form: it decides whether a password is asked.
    role = st.selectbox(_("Role"), ROLES, key="new_role", format_func=_role)
    ui.field_error(errors, "role")
    waits = reads_records(role)
    if waits:
        st.caption(_("An advocate or supervisor account waits for a supervisor to confirm it. You set no password: "
                     "the supervisor gives the person a one-time setup code to choose their own."))
    with st.form("new_account", clear_on_submit=False):
        # TRANSLATORS: the characters a username may hold; keep ". _ -" as they are.
        username = st.text_input(_("Username"), key="new_username", help=_("Lower-case letters, digits, . _ -"))
        ui.field_error(errors, "username")
        display_name = st.text_input(_("Display name"), key="new_display_name")
        ui.field_error(errors, "display_name")
        password = None
        if not waits:
            password = st.text_input(_("First password"), type="password", key="new_password",
                                     help=_("At least 12 characters. Give it to the person in a safe way."))
        ui.field_error(errors, "password")
        submitted = st.form_submit_button(_("Create account"), type="primary")
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
                _("Account {username} created as {role}; it waits for a supervisor to confirm it.") if waits
                else _("Account {username} created as {role}.")).format(username=made, role=_role(role))
        st.rerun()


def _sessions_and_passwords(ctx: ui.AppContext, actor, users) -> None:  # type: ignore[no-untyped-def]
    """End every session of a person, or give them a new first password that they must change."""
    errors: dict[str, str] = st.session_state.get("admin_pw_errors", {})
    done = st.session_state.pop("admin_done", None)
    with st.container(border=True):
        st.header(_("Sessions and passwords"))
        if done:
            st.success(done)
        open_counts = account_admin.open_session_counts(ctx.db, actor)
        by_id = {u.id: u for u in users}
        chosen = st.selectbox(_("Account"), list(by_id), key="admin_target", index=None, placeholder=_(CHOOSE),
                              on_change=lambda: st.session_state.pop("admin_pw_errors", None),
                              # No changing figure in the label: a new session count made it another widget, and
                              # the choice was dropped as "End all sessions" was pressed (issue-19 walk).
                              format_func=lambda i: f"{by_id[i].username} ({by_id[i].display_name})")
        ui.field_error(errors, "user")
        if chosen is None:
            return
        target = by_id[chosen]
        sessions = open_counts.get(chosen, 0)
        st.caption(ngettext("{username} has {n} open session now.", "{username} has {n} open sessions now.",
                            sessions).format(username=ui.plain(target.username), n=i18n.number(sessions)))
        if st.button(_("End all sessions of {username}").format(username=ui.plain(target.username)),
                     key="admin_end_sessions", help=_("Signs them out everywhere at once, on the server.")):
            ended = account_admin.end_sessions(ctx.db, actor, target.id)
            st.session_state["admin_done"] = ngettext("Ended {n} open session of {username}.",
                                                      "Ended {n} open sessions of {username}.", ended).format(
                n=i18n.number(ended), username=ui.plain(target.username))
            st.rerun()
        if target.id == actor.user_id:
            st.caption(_("To change your own password, use the Your account page."))
            return
        if reads_records(target.role):
            _reset_reader(ctx, actor, target)
            return
        with st.form("reset_password", clear_on_submit=False):
            new = st.text_input(_("New first password for {username}").format(username=ui.plain(target.username)),
                                type="password", key="admin_new_password", autocomplete="new-password",
                                help=_("At least {n} characters. They must choose their own at their next sign-in. "
                                       "Give it to them in a safe way.").format(n=passwords.MIN_LENGTH))
            ui.field_error(errors, "password")
            reset = st.form_submit_button(_("Reset password"))
        if reset:
            try:
                account_admin.reset_password(ctx.db, actor, target.id, new)
            except ValidationFailed as exc:
                st.session_state["admin_pw_errors"] = exc.errors
            else:
                st.session_state["admin_pw_errors"] = {}
                st.session_state.pop("admin_new_password", None)
                st.session_state["admin_done"] = _("Password of {username} reset; their sessions ended. They must "
                                                   "choose their own at their next sign-in.").format(
                    username=ui.plain(target.username))
            st.rerun()


def _reset_reader(ctx: ui.AppContext, actor, target) -> None:  # type: ignore[no-untyped-def]
    if target.status == accounts.WAITING:
        st.caption(_("{username} is waiting for a supervisor to confirm a new account or reset.").format(
            username=ui.plain(target.username)))
    st.caption(_("Resetting the password of an advocate or supervisor ends their sessions and leaves them without "
                 "a password until a supervisor confirms; the supervisor gives them a setup code."))
    if st.button(_("Reset password of {username}").format(username=ui.plain(target.username)),
                 key="admin_reset_reader"):
        account_admin.reset_password(ctx.db, actor, target.id)
        st.session_state["admin_done"] = _("Password of {username} reset; their sessions ended. They can sign in "
                                           "again once a supervisor confirms and gives them a setup code.").format(
            username=ui.plain(target.username))
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
        st.header(_("Change an account"))
        if done:
            st.success(done)
        by_id = {u.id: u for u in users}
        chosen = st.selectbox(_("Account to change"), list(by_id), key="life_target", index=None,
                              placeholder=_(CHOOSE),
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
            st.caption(_("{username} is deactivated.").format(username=shown))
        with st.form(f"life_rename_{target.id}", clear_on_submit=False):
            name = st.text_input(_("Display name of {username}").format(username=shown), value=target.display_name,
                                 key=f"life_name_{target.id}", max_chars=120,
                                 help=_("How the account is shown everywhere, as plain text."))
            ui.field_error(errors, "display_name")
            renamed = st.form_submit_button(_("Save display name"))
        if renamed:
            try:
                account_life.rename(ctx.db, actor, target.id, name)
            except ValidationFailed as exc:
                st.session_state["life_errors"] = exc.errors
                st.rerun()
            _life_done(_("Display name of {username} changed.").format(username=shown))
        if target.id == actor.user_id:
            st.caption(_("Your own role and account stay as they are: another admin can change them."))
            return
        if target.active:
            _role_form(ctx, actor, target, errors)
        else:
            st.caption(_("Reactivate {username} to change their role.").format(username=shown))
        _active_buttons(ctx, actor, target)


def _role_form(ctx: ui.AppContext, actor, target, errors: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    shown = ui.plain(target.username)
    with st.form(f"life_role_{target.id}", clear_on_submit=False):
        role = st.selectbox(_("Role of {username}").format(username=shown), ROLES, index=ROLES.index(target.role),
                            key=f"life_role_{target.id}", format_func=_role)
        st.caption(_("A new role of advocate or supervisor works only once a supervisor confirms it: the account "
                     "loses its password and its sessions end, and the supervisor gives the person a setup code. "
                     "A new role of admin works at once, with their own password. An advocate's open clients are "
                     "handed over by a supervisor first."))
        ui.field_error(errors, "role")
        changed = st.form_submit_button(_("Change role"))
    if changed:
        try:
            result = account_life.change_role(ctx.db, actor, target.id, role)
        except ValidationFailed as exc:
            st.session_state["life_errors"] = exc.errors
            st.rerun()
        new_role = _role(result.new_role)
        if result.waits:
            _life_done(_("{username} is now {role}, waiting for a supervisor to confirm it; their sessions ended. "
                         "They sign in again with the setup code the supervisor gives them.").format(
                username=shown, role=new_role))
        message = _("{username} is now {role}; their sessions ended.").format(username=shown, role=new_role)
        if not result.has_password:
            message += " " + _("It has no password yet: give it a first one under Sessions and passwords.")
        _life_done(message)


def _active_buttons(ctx: ui.AppContext, actor, target) -> None:  # type: ignore[no-untyped-def]
    shown = ui.plain(target.username)
    if target.active:
        st.caption(_("Deactivating ends their sessions at once and they cannot sign in; what they recorded stays, "
                     "under their name. A supervisor hands their open clients over to other advocates."))
        if st.session_state.get("life_confirm") != target.id:
            if st.button(_("Deactivate {username}").format(username=shown), key="life_deactivate"):
                st.session_state["life_confirm"] = target.id  # asked once more: it signs them out at once
                st.rerun()
            return
        st.warning(_("Deactivate {username} now? Anything they have not saved yet is not saved.").format(
            username=shown))
        yes, no = st.columns(2)
        if yes.button(_("Yes, deactivate {username}").format(username=shown), key="life_deactivate_yes",
                      type="primary"):
            st.session_state.pop("life_confirm", None)
            accounts.set_active(ctx.db, actor, target.id, False)
            _life_done(_("{username} is deactivated; their sessions ended.").format(username=shown))
        if no.button(_("Cancel"), key="life_deactivate_no"):
            st.session_state.pop("life_confirm", None)
            st.rerun()
    elif st.button(_("Reactivate {username}").format(username=shown), key="life_reactivate"):
        accounts.set_active(ctx.db, actor, target.id, True)
        # What kept it out before, other than being deactivated, still does (a declined account has no password).
        after = {"deactivated": "", "declined: deactivated, no password": accounts.NO_PASSWORD_YET}.get(
            target.status, target.status)
        # TRANSLATORS: {status} is what still keeps the account from signing in ("no password yet").
        _life_done(_("{username} can sign in again.").format(username=shown) if not after
                   else _("{username} is active again ({status}).").format(username=shown, status=_(after)))


def _sign_in_methods(ctx: ui.AppContext, actor, users, factors, links) -> None:  # type: ignore[no-untyped-def]
    """Two-step sign-in (reset after a lost phone) and the link to the organisation's identity provider."""
    errors: dict[str, str] = st.session_state.get("methods_errors", {})
    done = st.session_state.pop("methods_done", None)
    with st.container(border=True):
        st.header(_("Two-step and organisation sign-in"))
        if done:
            st.success(done)
        by_id = {u.id: u for u in users}
        chosen = st.selectbox(_("Account to check or reset"), list(by_id), key="methods_target", index=None,
                              placeholder=_(CHOOSE),
                              on_change=lambda: st.session_state.pop("methods_errors", None),
                              format_func=lambda i: f"{by_id[i].username} ({by_id[i].display_name})")
        if chosen is None:
            return
        target = by_id[chosen]
        shown = ui.plain(target.username)
        factor = factors.get(target.id)
        if factor is None:
            required = target.role in ctx.settings.mfa_required
            st.write(_("Two-step sign-in: **not set up** (their role needs it: they set it up at their next "
                       "sign-in).") if required else _("Two-step sign-in: **not set up**."))
        else:
            left = factor.recovery_codes_left
            st.write(ngettext("Two-step sign-in: **on** since {date}, {n} recovery code left.",
                              "Two-step sign-in: **on** since {date}, {n} recovery codes left.", left).format(
                date=tz.show_date(factor.enrolled_at), n=i18n.number(left)))
            if target.id == actor.user_id:
                st.caption(_("Another admin resets your own, or the server's command line (docs/accounts.md)."))
            elif st.session_state.get("methods_confirm") != target.id:
                if st.button(_("Reset two-step sign-in of {username}").format(username=shown), key="methods_reset"):
                    st.session_state["methods_confirm"] = target.id
                    st.rerun()
            else:
                st.warning(_("Reset two-step sign-in of {username}? Their authenticator app and recovery codes stop "
                             "working and their sessions end now.").format(username=shown))
                yes, no = st.columns(2)
                if yes.button(_("Yes, reset it"), key="methods_reset_yes", type="primary"):
                    st.session_state.pop("methods_confirm", None)
                    second_factor.reset(ctx.db, actor, target.id)
                    st.session_state["methods_done"] = _("Two-step sign-in of {username} was reset; their sessions "
                                                         "ended.").format(username=shown)
                    st.rerun()
                if no.button(_("Cancel"), key="methods_reset_no"):
                    st.session_state.pop("methods_confirm", None)
                    st.rerun()
        if not sso.configured() and target.id not in links:
            return
        link = links.get(target.id)
        if link is not None:
            how = _(LINKED_BY[bool(link.email)])
            st.write((_("Organisation sign-in: linked by {how}, waiting for a supervisor to confirm it.")
                      if link.waiting else
                      _("Organisation sign-in: linked by {how}, confirmed by a first sign-in.") if link.pinned else
                      _("Organisation sign-in: linked by {how}.")).format(how=how))
            if link.email:
                st.code(link.email, language=None)  # as typed, copyable (no invisible joiners)
        with st.form(f"methods_link_{target.id}", clear_on_submit=False):
            email = st.text_input(_("E-mail address of {username} at your organisation").format(username=shown),
                                  key=f"methods_email_{target.id}", max_chars=254,
                                  help=_("What they sign in with at your identity provider. It must be verified "
                                         "there; the first sign-in then fixes the link to their identity."))
            ui.field_error(errors, "email")
            linked = st.form_submit_button(pgettext("button: link an account to the organisation's sign-in", "Link")
                                           if link is None else _("Link to this address instead"))
        if linked:
            try:
                waits = identity.link(ctx.db, actor, target.id, email=email)
            except ValidationFailed as exc:
                st.session_state["methods_errors"] = exc.errors
            else:
                st.session_state["methods_errors"] = {}
                st.session_state["methods_done"] = (
                    _("Linked. {username} reads case records, so the link works once a supervisor confirms it on "
                      "their Home page.") if waits
                    else _("{username} can now sign in with their organisation's account.")).format(username=shown)
            st.rerun()
        if link is not None and st.button(_("Remove the link of {username}").format(username=shown),
                                          key="methods_unlink"):
            identity.unlink(ctx.db, actor, target.id)
            st.session_state["methods_done"] = _("{username} can no longer sign in with their organisation's "
                                                 "account.").format(username=shown)
            st.rerun()


def render() -> None:
    ctx = ui.app_context()
    actor = ui.actor()
    st.title(_("Accounts"))
    users = accounts.list_users(ctx.db, actor)
    factors = second_factor.statuses(ctx.db, actor)
    links = identity.links(ctx.db, actor)
    org = bool(links) or sso.configured()
    label = {key: _(text) for key, text in COLUMNS.items()}
    # TRANSLATORS: cells of the accounts table: two-step sign-in is on, needed (their role requires it) or off.
    two_step = {"on": pgettext("two-step sign-in", "on"), "needed": pgettext("two-step sign-in", "needed"),
                "off": pgettext("two-step sign-in", "off")}
    frame = pd.DataFrame(
        [
            {label["username"]: u.username, label["name"]: u.display_name, label["role"]: _role(u.role),
             label["active"]: u.active,
             # TRANSLATORS: cells of the Status column of the accounts table.
             label["status"]: ", ".join(p for p in (_(u.status) if u.status else "",
                                                    _("locked") if u.locked else "") if p) or _("ready"),
             label["last"]: tz.show(u.last_login_at) if u.last_login_at else _("never"),
             label["two_step"]: two_step["on" if u.id in factors else
                                         "needed" if u.role in ctx.settings.mfa_required else "off"],
             # TRANSLATORS: a cell of the Organisation column: the account is linked to the organisation's sign-in.
             **({label["organisation"]: _("linked") if u.id in links else ""} if org else {})}
            for u in users
        ]
    )
    # Widths that add up to the page's 820 px at 1280 (no sideways scrolling), with room for the longest status
    # ("declined: deactivated, no password"); a little less for it when the organisation column is there too.
    st.dataframe(frame, hide_index=True, column_config={
        label["username"]: st.column_config.TextColumn(width=95),
        label["name"]: st.column_config.TextColumn(width=120 if org else 150),
        label["role"]: st.column_config.TextColumn(width=80),
        label["active"]: st.column_config.CheckboxColumn(width=55),
        label["status"]: st.column_config.TextColumn(width=185 if org else 215),
        label["last"]: st.column_config.TextColumn(width=125 if org else 130),
        label["two_step"]: st.column_config.TextColumn(width=70 if org else 75),
        label["organisation"]: st.column_config.TextColumn(
            _("Organisation"), width=90, help=_("Linked to sign-in with the organisation's own accounts"))})
    waits = accounts.sign_in_waits(ctx.db, actor, ctx.settings)
    locked = [u for u in users if u.locked or u.id in waits]
    unlocked = st.session_state.pop("accounts_unlocked", None)
    if unlocked:
        st.success(unlocked)
    if locked:
        with st.container(border=True):
            st.markdown(_("**Locked or paused accounts** (too many wrong passwords)"))
            for u in locked:
                # TRANSLATORS: {wait} is a length of time ("15 minutes").
                why = (_("locked after wrong current passwords") if u.locked else
                       _("sign-ins paused for {wait} on an address").format(wait=auth.wait_in_words(waits[u.id]))
                       if waits[u.id] else _("many failed sign-ins: new addresses get one try"))
                if st.button(_("Unlock {username}").format(username=ui.plain(u.username)), key=f"unlock_{u.id}"):
                    accounts.unlock_user(ctx.db, actor, u.id)
                    st.session_state["accounts_unlocked"] = _("Unlocked {username}: any lock and every sign-in wait "
                                                              "on the account are cleared.").format(
                        username=ui.plain(u.username))
                    st.rerun()
                st.caption(f"{ui.plain(u.username)}: {why}.")
    _sessions_and_passwords(ctx, actor, users)
    _change_an_account(ctx, actor, users)
    _sign_in_methods(ctx, actor, users, factors, links)
    _create_form(ctx, actor)


render()
