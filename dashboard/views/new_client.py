"""Open a new client. The app makes the code; nothing here asks who the person is."""

from __future__ import annotations

import streamlit as st

from dashboard import draft_notice, ui
from dashboard import timeutil_ui as tz
from models.base.errors import ValidationFailed
from models.base.i18n import _
from models.rules.permissions import Permission, can
from models.services.accounts import list_advocates
from models.services.clients import open_client
from models.store.database import DatabaseUnavailable

KEYS = ("nc_context", "nc_factors", "nc_opened", "nc_advocate")


@ui.saves
def _submit() -> None:
    ctx = ui.app_context()
    actor = ui.actor()
    try:
        view = open_client(
            ctx.db, actor, ctx.content,
            relationship_context=st.session_state.get("nc_context") or "",
            factors=list(st.session_state.get("nc_factors") or []),
            opened_on=st.session_state.get("nc_opened"),
            advocate_id=st.session_state.get("nc_advocate"),
        )
    except ValidationFailed as exc:
        st.session_state["nc_errors"] = exc.errors
        return
    except DatabaseUnavailable as exc:
        ui.save_refused(exc)
        st.session_state["nc_errors"] = {"form": _(ui.NOT_OPENED)}
        return
    for key in (*KEYS, "nc_errors"):
        st.session_state.pop(key, None)
    st.session_state["nc_new_code"] = view.code


def _another() -> None:
    """The code was written down: an empty form for the next client."""
    for key in (*KEYS, "nc_errors", "nc_new_code"):
        st.session_state.pop(key, None)


def _result(code: str) -> None:
    """The new code in place of the form, at the top where the eye is: no filled-in form is left under it, so a
    second press cannot open a second client by accident. It stays until "Open another client"."""
    with st.container(border=True, key="nc_code_box"):
        # TRANSLATORS: the new code is shown in large letters on the line after this one.
        st.markdown(_("The new client's code is"))
        st.markdown(f"<p style='font-size:2.6rem;font-weight:700;letter-spacing:.2rem;margin:0'>{code}</p>",
                    unsafe_allow_html=True)
        st.markdown(_("Write it in your agency's own records now. After this you will find the client by this code "
                      "in your caseload."))
        st.code(code, language=None)
        target = ui.page("check_in")
        if target is not None:
            st.page_link(target, label=_("Record the first check-in"), icon=":material/edit_note:",
                         query_params={"code": code})
    st.button(_("Open another client"), key="nc_another", icon=":material/person_add:", on_click=_another)


def render() -> None:
    ctx = ui.app_context()
    actor = ui.actor()
    st.title(_("Open a new client"))
    code = st.session_state.get("nc_new_code")
    if code:
        _result(code)
        return
    draft_notice.show(actor.user_id, "nc")
    checklist = ctx.content.checklist
    contexts = {i.code: i.label for i in checklist.section("contexts").items}
    factors = {i.code: i.label for i in checklist.section("vulnerability").items}
    errors = st.session_state.get("nc_errors", {})
    st.caption(_("No field here asks for a name, a birth date, an address or a contact detail, and none should "
                 "be written anywhere in Waypoint."))
    st.radio(_("Relationship context"), list(contexts), key="nc_context", format_func=contexts.get,
             **({} if "nc_context" in st.session_state else {"index": None}))
    ui.field_error(errors, "relationship_context")
    st.multiselect(_("Vulnerability factors noted at intake (optional)"), list(factors), key="nc_factors",
                   format_func=factors.get, help=checklist.section("vulnerability").description or None)
    ui.field_error(errors, "factors")
    st.session_state.setdefault("nc_opened", tz.now_local().date())
    st.date_input(_("Opened on"), key="nc_opened", max_value=tz.now_local().date(), format=tz.INPUT_DATE_FORMAT)
    ui.field_error(errors, "opened_on")
    if can(actor, Permission.REASSIGN_CLIENTS):
        advocates = {a.id: a.display_name for a in list_advocates(ctx.db, actor)}
        st.selectbox(_("Assigned advocate"), list(advocates), key="nc_advocate", format_func=advocates.get,
                     **({} if "nc_advocate" in st.session_state else {"index": None}))
        ui.field_error(errors, "advocate")
    ui.field_error(errors, "form")
    st.button(_("Open client and make a code"), type="primary", key="nc_submit", on_click=_submit)


render()
