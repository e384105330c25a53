"""The only page a stranger can reach. It creates no accounts: those come from the server's command line."""

from __future__ import annotations

import streamlit as st

from dashboard import sso, ui
from models.base import i18n
from models.base.errors import ValidationFailed
from models.base.i18n import N_, _
from models.rules import passwords
from models.services import identity, second_factor
from models.services.auth import SecondStepNeeded, SignInFailed

LANGUAGE = N_("Language")
SETUP_KEYS = ("setup_username", "setup_code", "setup_new", "setup_confirm")


def _first_sign_in(ctx: ui.AppContext) -> None:
    """An advocate or supervisor account a supervisor confirmed: the setup code they were given, once."""
    errors: dict[str, str] = st.session_state.get("setup_errors", {})
    with st.expander(_("First sign-in with a setup code"), expanded=bool(errors)):
        st.caption(_("A supervisor gives you a one-time setup code when your account (or a reset of its password) "
                     "is confirmed. Use it here once to choose your own password; it expires after 72 hours."))
        with st.form("set_up", enter_to_submit=False):
            username = st.text_input(_("Your username"), key="setup_username", autocomplete="username")
            code = st.text_input(_("Setup code"), key="setup_code", autocomplete="one-time-code",
                                 help=_("Three groups of four letters and digits, like K7QM-3XHD-WP9A."))
            ui.field_error(errors, "code")
            new = st.text_input(_("Choose a password"), type="password", key="setup_new", autocomplete="new-password",
                                help=_("At least {n} characters. A few unrelated words work well.").format(
                                    n=passwords.MIN_LENGTH))
            ui.field_error(errors, "new")
            confirm = st.text_input(_("The same password again"), type="password", key="setup_confirm",
                                    autocomplete="new-password")
            ui.field_error(errors, "confirm")
            submitted = st.form_submit_button(_("Set my password and sign in"))
    if not submitted:
        return
    try:
        ui.set_up(ctx, username, code, new, confirm)
    except SecondStepNeeded as needed:
        ui.begin_second_step(needed.step)
    except SignInFailed as exc:
        st.session_state["setup_errors"] = {"code": str(exc)}
    except ValidationFailed as exc:
        st.session_state["setup_errors"] = exc.errors
    st.rerun()


def _second_step(ctx: ui.AppContext, step: ui.auth.SecondStep) -> None:
    """After a right password: a code from the app, or setting the app up first (roles that must have one)."""
    error = st.session_state.get("second_step_error")
    if step.purpose == "enrol":
        st.subheader(_("Set up two-step sign-in"))
        st.write(_("Your role needs a second step at sign-in: a six-digit code from an authenticator app on your "
                   "phone (for example Microsoft Authenticator, Google Authenticator, or any app that shows "
                   "time-based codes). It works without signal or e-mail."))
        try:
            shown = second_factor.enrolment_for(ctx.db, step.token)
        except ValidationFailed as exc:
            st.warning(exc.errors.get("code", _(second_factor.CHALLENGE_ENDED)))
            if st.button(_("Back to sign-in"), key="second_step_back"):
                ui.drop_second_step()
                st.rerun()
            return
        ui.enrolment_steps(shown)
        label, button = _("Code from the app"), _("Finish setting up and sign in")
    else:
        st.subheader(_("Two-step sign-in"))
        label, button = _("Code from your authenticator app"), _("Sign in")
    with st.form("second_step", enter_to_submit=True, clear_on_submit=True):
        code = st.text_input(label, key="second_step_code", autocomplete="one-time-code", max_chars=24)
        if step.purpose == "code":
            st.caption(_("Six digits, a new one every 30 seconds. Without your phone, type one of your recovery "
                         "codes here instead."))
        if error:
            st.error(error)
        submitted = st.form_submit_button(button, type="primary")
    if st.button(_("Cancel and start again"), key="second_step_cancel"):
        ui.drop_second_step()
        st.rerun()
    if step.purpose == "code":
        st.caption(_("No phone and no recovery codes? An administrator can reset your two-step sign-in; you then "
                     "set it up again."))
    if not submitted:
        return
    try:
        ui.finish_second_step(ctx, step, code)
    except ValidationFailed as exc:
        message = exc.errors.get("code", _(second_factor.CODE_FAILED))
        if message == _(second_factor.CHALLENGE_ENDED):
            ui.drop_second_step()
            st.session_state[ui.NOTICE_KEY] = message
        else:
            st.session_state["second_step_error"] = message
    st.rerun()


def _identity_provider(ctx: ui.AppContext) -> None:
    """The agency's own sign-in: st.login sends the person to the provider and back; the identity it leaves is
    tried once (each token opens at most one session), and any refusal is one sentence."""
    found = sso.claims()
    if found is not None:
        marker = (str(found.get("sub")), str(found.get("iat")))
        if st.session_state.get("_wp_identity_tried") != marker:
            st.session_state["_wp_identity_tried"] = marker
            try:
                ui.sign_in_with_identity(ctx, found)
            except SecondStepNeeded as needed:
                ui.begin_second_step(needed.step)
                st.rerun()
            except identity.IdentityRefused as exc:
                st.session_state["_wp_identity_refused"] = str(exc)
            else:
                st.rerun()
        refused = st.session_state.get("_wp_identity_refused")
        if refused:
            (st.info if refused == _(identity.SIGN_IN_AGAIN) else st.error)(refused)
    primary = not ctx.settings.password_sign_in
    if st.button(_(sso.BUTTON), key="sso_sign_in", type="primary" if primary else "secondary",
                 icon=":material/badge:"):
        st.session_state.pop("_wp_identity_refused", None)
        if not sso.log_in():
            st.error(_(sso.UNREACHABLE))
    wrong_account = found is not None and st.session_state.get("_wp_identity_refused") not in (
        None, _(identity.SIGN_IN_AGAIN))
    if wrong_account and st.button(_("Use a different organisation account"), key="sso_sign_out"):
        st.session_state.pop("_wp_identity_refused", None)
        sso.log_out()


def _picked() -> None:
    chosen = st.session_state.get("signin_language")
    if i18n.known(chosen):
        st.session_state[ui.SIGNIN_LANG_KEY] = chosen


def _language_choice() -> None:
    """Every language Waypoint has, each under its own name, with the label in all of them: someone who reads no
    English finds it on a page that is still in English."""
    offered = i18n.languages()
    if len(offered) < 2:
        return
    label = " · ".join(dict.fromkeys(_in(lang.code, LANGUAGE) for lang in offered))
    st.session_state["signin_language"] = i18n.current()
    st.segmented_control(label, [lang.code for lang in offered], format_func=lambda c: i18n.language(c).name,
                         key="signin_language", on_change=_picked)


def _in(code: str, message: str) -> str:
    with i18n.using(code):
        return _(message)


def render() -> None:
    ctx = ui.app_context()
    left, middle, right = st.columns([1, 2, 1])
    with middle:
        _language_choice()
        st.title(_("Sign in to Waypoint"))
        notice = st.session_state.pop(ui.NOTICE_KEY, None)
        if notice:
            st.info(notice)
        step = ui.pending_second_step()
        if step is not None:
            _second_step(ctx, step)
            return
        empty = ctx.db.is_empty()
        if empty:
            st.warning(_(
                "No accounts exist yet. Accounts are made at the server's command line, never from this page: "
                "run `./waypoint demo` to load demo data with an account for each role, or "
                "`./waypoint create-user --role admin --username NAME --display-name 'Full Name'` "
                "to create the first administrator."
            ))
        with_provider = sso.configured()
        if with_provider:
            _identity_provider(ctx)
        if not ctx.settings.password_sign_in:
            if not with_provider:
                st.error(_("Sign-in with a password is turned off (WAYPOINT_PASSWORD_SIGN_IN) and no identity "
                           "provider is configured, so nobody can sign in. Whoever runs the server can fix this: see "
                           "docs/accounts.md."))
            return
        if with_provider:
            st.caption(_("Or with your Waypoint username and password:"))
        with st.form("sign_in", enter_to_submit=True):
            username = st.text_input(_("Username"), key="signin_username", autocomplete="username")
            password = st.text_input(_("Password"), type="password", key="signin_password",
                                     autocomplete="current-password")
            submitted = st.form_submit_button(_("Sign in"), type="primary")
        if submitted:
            try:
                ui.sign_in(ctx, username, password)
            except SecondStepNeeded as needed:
                ui.begin_second_step(needed.step)
                st.rerun()
            except SignInFailed as exc:
                st.error(str(exc))
            else:
                st.rerun()
        if not empty:  # with no accounts there is no setup code to use, and nothing here may look like a sign-up
            _first_sign_in(ctx)
        st.caption(_("Waypoint signs you out after {minutes} minutes without activity. On a shared computer, press "
                     "Sign out when you finish: closing the tab alone leaves the session open until then.").format(
                         minutes=i18n.number(ctx.settings.idle_minutes)))


render()
