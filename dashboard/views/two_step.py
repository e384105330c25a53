"""Two-step sign-in for the signed-in person: set up an authenticator app, see what is left, new recovery codes.
Right after enrolment at sign-in this is the only page, so the recovery codes are seen before anything else."""

from __future__ import annotations

import streamlit as st

from dashboard import timeutil_ui as tz
from dashboard import ui
from models.base import i18n
from models.base.errors import ValidationFailed
from models.base.i18n import _
from models.rules.permissions import Actor
from models.services import second_factor

SETUP_KEY = "two_step_setup"


def _recovery_codes(codes: list[str]) -> None:
    st.subheader(_("Your recovery codes"))
    st.warning(_("Write these ten codes down and keep them somewhere safe, away from your phone. Each one signs you "
                 "in once if you lose your phone. They are shown only now; Waypoint keeps no readable copy."),
               icon=":material/warning:")
    st.code("\n".join(codes), language=None)
    if st.button(_("I have written them down"), type="primary", key="two_step_codes_done"):
        st.session_state.pop(ui.RECOVERY_CODES_KEY, None)
        st.session_state[ui.GO_HOME_KEY] = True
        st.rerun()


def _enrol(ctx: ui.AppContext, actor: Actor) -> None:
    shown = st.session_state.get(SETUP_KEY)
    if shown is None:
        errors: dict[str, str] = st.session_state.get("two_step_begin_errors", {})
        with st.form("two_step_begin_form", clear_on_submit=True):
            password = st.text_input(_("Your current password"), type="password", key="two_step_password",
                                     autocomplete="current-password",
                                     help=_("Asked again so that nobody at an unattended screen can tie your "
                                            "account to their phone."))
            ui.field_error(errors, "password")
            begin = st.form_submit_button(_("Set up an authenticator app"), type="primary")
        if begin:
            try:
                st.session_state[SETUP_KEY] = second_factor.begin_own(ctx.db, actor, password)
                st.session_state.pop("two_step_begin_errors", None)
            except ValidationFailed as exc:
                st.session_state["two_step_begin_errors"] = exc.errors
            st.rerun()
        return
    ui.enrolment_steps(shown)
    errors: dict[str, str] = st.session_state.get("two_step_errors", {})
    with st.form("two_step_confirm", clear_on_submit=True):
        code = st.text_input(_("Code from the app"), key="two_step_code",
                             autocomplete="one-time-code", max_chars=24)
        ui.field_error(errors, "code")
        submitted = st.form_submit_button(_("Turn on two-step sign-in"), type="primary")
    if st.button(_("Cancel"), key="two_step_cancel"):
        st.session_state.pop(SETUP_KEY, None)
        st.session_state.pop("two_step_errors", None)
        st.rerun()
    if submitted:
        try:
            codes = second_factor.confirm_own(ctx.db, ctx.settings, actor, code)
        except ValidationFailed as exc:
            st.session_state["two_step_errors"] = exc.errors
        else:
            st.session_state.pop(SETUP_KEY, None)
            st.session_state.pop("two_step_errors", None)
            st.session_state[ui.RECOVERY_CODES_KEY] = codes
        st.rerun()


def _renew(ctx: ui.AppContext, actor: Actor) -> None:
    errors: dict[str, str] = st.session_state.get("two_step_renew_errors", {})
    with st.expander(_("Make new recovery codes"), expanded=bool(errors)):
        st.caption(_("The ten new codes replace all the old ones, used or not."))
        with st.form("two_step_renew", clear_on_submit=True):
            code = st.text_input(_("A code from your authenticator app"), key="two_step_renew_code",
                                 autocomplete="one-time-code", max_chars=24)
            ui.field_error(errors, "code")
            submitted = st.form_submit_button(_("Make new recovery codes"))
    if submitted:
        try:
            codes = second_factor.renew_recovery_codes(ctx.db, actor, code)
        except ValidationFailed as exc:
            st.session_state["two_step_renew_errors"] = exc.errors
        else:
            st.session_state.pop("two_step_renew_errors", None)
            st.session_state[ui.RECOVERY_CODES_KEY] = codes
        st.rerun()


def render() -> None:
    ctx = ui.app_context()
    actor = ui.actor()
    st.title(_("Two-step sign-in"))
    codes = st.session_state.get(ui.RECOVERY_CODES_KEY)
    if codes:
        _recovery_codes(codes)
        return
    status = second_factor.status(ctx.db, actor)
    required = actor.role in ctx.settings.mfa_required
    if status.enrolled_at is None:
        st.write(_("After your password, Waypoint can also ask for a six-digit code from an authenticator app on "
                   "your phone. Someone who learns your password still cannot sign in as you."))
        if required:
            st.info(_("Your role needs two-step sign-in; you will set it up at your next sign-in if not now."))
        _enrol(ctx, actor)
        return
    st.success(_("Two-step sign-in is on, since {date}.").format(date=tz.show_date(status.enrolled_at)),
               icon=":material/verified_user:")
    left = status.recovery_codes_left
    st.write(_("Recovery codes left: **{left}** of {total}.").format(left=i18n.number(left),
                                                                     total=i18n.number(second_factor.RECOVERY_CODES)))
    if left <= 3:
        st.warning(_("You are running low on recovery codes: make new ones."))
    st.caption(_("Lost your phone? Sign in with a recovery code, or ask an administrator to reset your two-step "
                 "sign-in; you then set it up again with your new phone."))
    _renew(ctx, actor)


render()
