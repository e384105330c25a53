"""Record a check-in: about a minute of ticking what was observed, then save."""

from __future__ import annotations

import streamlit as st

from dashboard import checkin_form, draft_notice, ui
from models.base.i18n import _
from models.services.clients import own_clients
from models.store.database import DatabaseUnavailable

PREFIX = "ci"


def _saved(view) -> None:  # type: ignore[no-untyped-def]
    st.session_state["ci_saved"] = (view.client_code, view.needs_attention)


def _confirmation() -> bool:
    """What the last save did, in the Save bar where the advocate is (not at the top of a page they are at the
    bottom of). It stays while the next check-in is filled in, until the next Save, Dismiss or another page."""
    saved = st.session_state.get("ci_saved")
    if not saved:
        return False
    code, attention = saved
    said = [_("Check-in for {code} saved.").format(code=code)]
    if attention:
        said.append(_("The client is on the needs-attention list."))
    said.append(_("The form is clear for the next one."))
    st.success(" ".join(said), icon=":material/check_circle:")
    target = ui.page("client")
    if target is not None:
        st.page_link(target, label=_("Open the timeline of {code}").format(code=code), query_params={"code": code})
    return True


def render() -> None:
    ctx = ui.app_context()
    actor = ui.actor()
    st.title(_("Record a check-in"))
    if "ci_save" not in st.session_state:
        # The Save button's state is gone only when a run drew another page (Streamlit drops a widget's state
        # when a run does not draw it): the advocate moved on, so the message about their last save goes too.
        st.session_state.pop("ci_saved", None)
    try:
        if ui.database_refused() and "ci_codes" in st.session_state:
            raise DatabaseUnavailable("locked")  # the save just now was not taken: do not wait a second time
        # The codes alone: the caseload's due dates and needs-attention reasons cost a run ten times as much.
        codes = [code for code, status in own_clients(ctx.db, actor) if status == "open"]
        st.session_state["ci_codes"] = codes
    except DatabaseUnavailable:
        # Keep the form on screen, as typed, with the clients this page listed a moment ago: nothing can be
        # saved until the database answers, but nothing typed is lost either.
        codes = st.session_state.get("ci_codes")
        if codes is None:
            raise
        st.warning(_("Waypoint cannot reach its database right now. What you type here is kept; Save works again "
                     "once the database is back."), icon=":material/cloud_off:")
    if not codes:
        st.info(_("You have no open clients yet. Open a new client first."))
        target = ui.page("new_client")
        if target is not None:
            st.page_link(target, label=_("Open a new client"), icon=":material/person_add:")
        return
    draft_notice.show(actor.user_id, PREFIX)
    chosen = st.session_state.get("ci_client")
    if chosen is not None and chosen not in codes:  # a restored draft about a client no longer on this caseload
        st.session_state["ci_client"] = None
        st.warning(_("Client {code} is no longer among your open clients, so the form has no client "
                     "chosen.").format(code=ui.plain(chosen)), icon=":material/person_off:")
    wanted = st.query_params.get("code")
    if wanted in codes and "ci_client" not in st.session_state:
        st.session_state["ci_client"] = wanted
    _form(sorted(codes))


@st.fragment
def _form(codes: list[str]) -> None:
    """Only the form reruns while it is filled in: each tick or choice redraws the form, not the page around it,
    the sidebar or the list of clients (a full run of this page costs several times as much; docs/performance.md).
    A save reruns only the form too: the list of clients does not change by saving a check-in."""
    with ui.fragment_guard():
        checkin_form.render(PREFIX, client_codes=codes, on_saved=_saved, confirmation=_confirmation)


render()
