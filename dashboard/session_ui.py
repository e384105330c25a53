"""The sidebar's timeout notice: says so before the idle or absolute limit signs someone out.

It refreshes itself as a fragment and looks at the server-side session with `touch=False`, so its own
reruns never count as activity; only a real action (or "Stay signed in", which reruns the whole app) does. In a full
run it reads the session app.py resumed a moment before instead of asking the database a second time.
"""

from __future__ import annotations

import streamlit as st

from dashboard import ui
from models.base.i18n import _
from models.base.timeutil import utcnow
from models.services import auth, session_notice
from models.store.database import DatabaseUnavailable


@st.fragment(run_every=session_notice.REFRESH_SECONDS)
def timeout_notice() -> None:
    ctx = ui.app_context()
    token = st.session_state.get(ui.TOKEN_KEY)
    if not token:
        return
    state = st.session_state.get("_wp_state")
    if ui.fragment_rerun() or state is None:  # its own timer: look again; in a full run app.py has just looked
        try:
            state = auth.resume(ctx.db, ctx.settings, token, touch=False)
        except DatabaseUnavailable:
            return  # the page itself says the database is not answering; the sidebar stays quiet
    if state is None:
        st.rerun()  # the whole app: it finds the session gone and shows the sign-in page with the reason
    notice = session_notice.timeout_notice(state, utcnow())
    if notice is None:
        return
    if notice.kind == "idle":
        st.warning(notice.text, icon=":material/timer:")
        if st.button(_("Stay signed in"), key="stay_signed_in"):
            st.rerun()  # a full run resumes the session the ordinary way, which counts as activity
    else:
        st.info(notice.text, icon=":material/timer:")
