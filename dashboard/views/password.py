"""Your own account: the language you read Waypoint in, and your password. The only page for someone whose
password was reset (they choose a password first)."""

from __future__ import annotations

import streamlit as st

from dashboard import ui
from models.base import i18n
from models.base.errors import ValidationFailed
from models.base.i18n import _
from models.rules import passwords
from models.services import account_admin

FORM_KEYS = ("pw_current", "pw_new", "pw_confirm")
DEFAULT = "default"  # the option "the agency's default", stored as no choice


@ui.saves
def _save_language() -> None:
    chosen = st.session_state.get("account_language")
    code = None if chosen == DEFAULT else chosen
    account_admin.set_own_language(ui.app_context().db, ui.actor(), code)
    st.session_state[ui.LANG_KEY] = code or ui.app_context().settings.language  # this very run reads it already
    st.session_state["language_saved"] = True
    # The options' words change with the language: the choice is drawn afresh from the account, not matched by
    # its old words.
    st.session_state.pop("account_language", None)


def _language(ctx: ui.AppContext) -> None:
    offered = i18n.languages()
    if len(offered) < 2:
        return
    st.subheader(_("Language"))
    mine = ui.actor().language
    options = [DEFAULT] + [lang.code for lang in offered]
    default_name = i18n.language(ctx.settings.language).name

    def shown(code: str) -> str:
        if code == DEFAULT:
            return _("The agency's default ({language})").format(language=default_name)
        return i18n.language(code).name

    st.session_state.setdefault("account_language", mine if i18n.known(mine) else DEFAULT)
    st.selectbox(_("Language for Waypoint's pages"), options, format_func=shown, key="account_language",
                 on_change=_save_language,
                 help=_("Only what you read changes. Handouts and scripts for a client can still be shown in the "
                        "client's language."))
    if st.session_state.pop("language_saved", None):
        st.success(_("Saved. Waypoint now shows its pages in {language}.").format(
            language=i18n.display_name(i18n.current())))
    st.divider()


def render() -> None:
    ctx = ui.app_context()
    actor = ui.actor()
    if actor.must_change_password:
        st.title(_("Change password"))
        st.warning(_("An administrator reset your password. Choose your own to go on."), icon=":material/key:")
    else:
        st.title(_("Your account"))
        _language(ctx)
        st.subheader(_("Change password"))
    if st.session_state.pop("pw_changed", None):
        st.success(_("Your password is changed. Your other signed-in tabs and devices were signed out."))
    errors: dict[str, str] = st.session_state.get("pw_errors", {})
    with st.form("change_password", clear_on_submit=False):
        current = st.text_input(_("Current password"), type="password", key="pw_current",
                                autocomplete="current-password")
        ui.field_error(errors, "current")
        new = st.text_input(_("New password"), type="password", key="pw_new", autocomplete="new-password",
                            help=_("At least {n} characters. A few unrelated words work well; no symbols needed. "
                                   "Very common passwords and your own name are refused.").format(
                                       n=passwords.MIN_LENGTH))
        ui.field_error(errors, "new")
        confirm = st.text_input(_("New password again"), type="password", key="pw_confirm",
                                autocomplete="new-password")
        ui.field_error(errors, "confirm")
        submitted = st.form_submit_button(_("Change password"), type="primary")
    if not submitted:
        return
    try:
        account_admin.change_own_password(ctx.db, ctx.settings, actor, current=current, new=new, confirm=confirm)
    except ValidationFailed as exc:
        st.session_state["pw_errors"] = exc.errors
    except account_admin.LockedOut as exc:
        ui.forget_tab()
        st.session_state[ui.NOTICE_KEY] = str(exc)
    else:
        st.session_state["pw_errors"] = {}
        for key in FORM_KEYS:
            st.session_state.pop(key, None)
        st.session_state["pw_changed"] = True
    st.rerun()


render()
